import type { EmulatorClock } from './clock.js';
import type { Fault, FaultInjector } from './faults.js';
import type { EmuRequest } from './http/request.js';
import { drfResponse, emptyResponse, htmlResponse, type EmuResponse } from './http/response.js';
import type { ClientRegistry } from './oauth/clients.js';
import { requestToJson, type RequestLog } from './request-log.js';
import { notFoundPage } from './pages.html.js';

/** What the control endpoints may touch. */
export interface ControlTarget {
  clock: EmulatorClock;
  faults: FaultInjector;
  log: RequestLog;
  clients: ClientRegistry;
  /** Forgets every state a test may have left behind. */
  reset(): void;
}

function readJson(req: EmuRequest): Record<string, unknown> | undefined {
  if (req.rawBody.length === 0) return {};
  try {
    const v: unknown = JSON.parse(req.rawBody.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const bad = (msg: string) => drfResponse(400, { detail: msg });

/**
 * `/__emulator/*`, for tests in another process (e.g. against the CLI):
 * `GET|DELETE requests` (filters `?path=` prefix and `?method=`), `GET clients`,
 * `GET|POST clock` (`{"advanceMs": n}`), `POST|DELETE faults`
 * (`{"path": "/v2/fhir", "regex": false, "method": "GET", "faults": [{"status": 503}]}`),
 * `POST reset`.
 */
export function handleControl(t: ControlTarget, req: EmuRequest): EmuResponse {
  const what = req.path.slice('/__emulator/'.length).replace(/\/$/, '');
  if (what === 'requests') {
    if (req.method === 'DELETE') {
      t.log.clear();
      return emptyResponse(204);
    }
    const path = req.query.get('path');
    const method = req.query.get('method') ?? undefined;
    const items = path !== null ? t.log.to(path, method) : t.log.all();
    return drfResponse(
      200,
      items.filter(r => !method || r.method === method.toUpperCase()).map(requestToJson),
    );
  }
  if (what === 'clients') return drfResponse(200, t.clients.all());
  if (what === 'clock') {
    if (req.method === 'POST') {
      const body = readJson(req);
      const ms = body?.advanceMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms)) return bad('advanceMs must be a number');
      t.clock.advance(ms);
    }
    return drfResponse(200, { now: t.clock.now() });
  }
  if (what === 'faults') {
    if (req.method === 'DELETE') {
      t.faults.clear();
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
      t.faults.enqueue({ path, method }, body.faults as Fault[]);
    } catch (e) {
      return bad((e as Error).message);
    }
    return emptyResponse(204);
  }
  if (what === 'reset' && req.method === 'POST') {
    t.reset();
    return emptyResponse(204);
  }
  return htmlResponse(404, notFoundPage(req.path));
}
