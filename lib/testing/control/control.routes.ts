import type { Fault } from './faults.js';
import type { EmuRequest } from '../http/request.js';
import { drfResponse, emptyResponse, htmlResponse, type EmuResponse } from '../http/response.js';
import { notFoundPage } from '../core/pages.html.js';
import { requestToJson, type RequestLog } from './request-log.js';
import { handleDataControl } from './data.control.js';
import type { ControlledEmulator } from './controlled-emulator.js';
import { bad, readJson } from './json.js';

function requests(log: RequestLog, req: EmuRequest): EmuResponse {
  if (req.method === 'DELETE') {
    log.clear();
    return emptyResponse(204);
  }
  const path = req.query.get('path');
  const method = req.query.get('method') ?? undefined;
  const items = path !== null ? log.to(path, method) : log.all();
  return drfResponse(
    200,
    items.filter(r => !method || r.method === method.toUpperCase()).map(requestToJson),
  );
}

function faults(emu: ControlledEmulator, req: EmuRequest): EmuResponse {
  if (req.method === 'DELETE') {
    emu.faults.clear();
    return emptyResponse(204);
  }
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST, DELETE' });
  const body = readJson(req);
  if (!body || typeof body.path !== 'string' || !Array.isArray(body.faults)) {
    return bad('expected {"path": string, "faults": [...]}');
  }
  try {
    const path = body.regex === true ? new RegExp(body.path) : body.path;
    const method = typeof body.method === 'string' ? body.method : undefined;
    emu.faults.enqueue({ path, method }, body.faults as Fault[]);
  } catch (e) {
    return bad((e as Error).message);
  }
  return emptyResponse(204);
}

/**
 * `/__emulator/*`, for tests in another process (e.g. against the CLI):
 * - `GET|DELETE requests` (filters `?path=` prefix and `?method=`), `GET clients`;
 * - `GET|POST clock` (`{"advanceMs": n}`);
 * - `POST|DELETE faults` (`{"path": "/v2/fhir", "regex": false, "method": "GET", "faults": [{"status": 503}]}`);
 * - `POST reset`;
 * - claims, scheduled loads, grants, tokens and beneficiaries: see `handleDataControl`.
 */
export function handleControl(
  emu: ControlledEmulator,
  log: RequestLog,
  req: EmuRequest,
): EmuResponse {
  const what = req.path.slice('/__emulator/'.length).replace(/\/$/, '');
  if (what === 'requests') return requests(log, req);
  if (what === 'clients') return drfResponse(200, emu.clients);
  if (what === 'clock') {
    if (req.method === 'POST') {
      const ms = readJson(req)?.advanceMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms)) return bad('advanceMs must be a number');
      emu.clock.advance(ms);
    }
    return drfResponse(200, { now: emu.clock.now() });
  }
  if (what === 'faults') return faults(emu, req);
  if (what === 'reset' && req.method === 'POST') {
    emu.reset();
    return emptyResponse(204);
  }
  return handleDataControl(emu, what, req) ?? htmlResponse(404, notFoundPage(req.path));
}
