import { ClaimLoadError, type ClaimLoad } from '../claims/claim-load.js';
import { fhirInstant } from '../data/format.js';
import type { HookPhase } from './hooks.js';
import type { EmuRequest } from '../http/request.js';
import { drfResponse, emptyResponse, type EmuResponse } from '../http/response.js';
import type { IssueTokenOptions } from '../oauth/issue-token.js';
import type { ControlledEmulator } from './controlled-emulator.js';
import { bad, readJson } from './json.js';

type Json = Record<string, unknown>;

/** `{"loads": [...]}` or one load object with a `user`. */
function loadsOf(body: Json): ClaimLoad[] | undefined {
  if (Array.isArray(body.loads)) return body.loads as ClaimLoad[];
  return typeof body.user === 'string' ? [body as unknown as ClaimLoad] : undefined;
}

function claims(emu: ControlledEmulator, req: EmuRequest): EmuResponse {
  if (req.method === 'GET') {
    return drfResponse(200, {
      lastLoadAt: fhirInstant(emu.lastLoadAt),
      lastLoadAtMs: emu.lastLoadAt,
    });
  }
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'GET, POST' });
  const body = readJson(req);
  const loads = body && loadsOf(body);
  if (!loads) return bad('expected {"loads": [{"user": "BBUser00001", "add": {"carrier": 1}}]}');
  try {
    return drfResponse(200, emu.loadClaims(loads));
  } catch (e) {
    if (e instanceof ClaimLoadError) return bad(e.message);
    throw e;
  }
}

function schedule(emu: ControlledEmulator, req: EmuRequest): EmuResponse {
  if (req.method === 'DELETE') {
    emu.hooks.clear();
    return emptyResponse(204);
  }
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST, DELETE' });
  const body = readJson(req);
  const loads = body && loadsOf(body);
  if (!body || typeof body.path !== 'string' || !loads || body.user !== undefined) {
    return bad('expected {"path": string, "method"?: string, "nth"?: n, "loads": [...]}');
  }
  for (const load of loads) {
    if (!emu.beneficiary(String(load.user))) return bad(`unknown beneficiary "${load.user}"`);
  }
  try {
    const path = body.regex === true ? new RegExp(body.path) : body.path;
    const method = typeof body.method === 'string' ? body.method : undefined;
    emu.scheduleLoad({ path, method }, loads, {
      nth: typeof body.nth === 'number' ? body.nth : undefined,
      times: typeof body.times === 'number' ? body.times : undefined,
      phase: body.phase === 'after' ? 'after' : ('before' satisfies HookPhase),
    });
  } catch (e) {
    return bad((e as Error).message);
  }
  return emptyResponse(204);
}

function grants(emu: ControlledEmulator, action: string, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST' });
  const body = readJson(req);
  const who = body?.patientId ?? body?.user;
  if (typeof who !== 'string') return bad('expected {"patientId": string} or {"user": string}');
  const clientId = typeof body?.clientId === 'string' ? body.clientId : undefined;
  const changed =
    action === 'expire' ? emu.expireGrant(who, clientId) : emu.revokeGrant(who, clientId);
  return drfResponse(200, { changed });
}

function tokens(emu: ControlledEmulator, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST' });
  const body = readJson(req);
  if (!body) return bad('expected a JSON object');
  try {
    if (Array.isArray(body.tokens)) {
      const list = body.tokens as IssueTokenOptions[];
      return drfResponse(200, { tokens: list.map(o => emu.issueToken(o)) });
    }
    return drfResponse(200, emu.issueToken(body as IssueTokenOptions));
  } catch (e) {
    return bad((e as Error).message);
  }
}

/**
 * The data side of `/__emulator/*`:
 * - `GET claims` → `{lastLoadAt, lastLoadAtMs}`; `POST claims` (`{"loads": [{"user", "add",
 *   "update", "coverage", "samhsa", "serviceDate"}]}` or one load) → the load result;
 * - `POST|DELETE claims/schedule` (`{"path", "regex", "method", "nth", "times", "phase",
 *   "loads"}`): a load that lands when a matching request arrives; DELETE drops every hook;
 * - `POST grants/expire` and `POST grants/revoke` (`{"patientId" | "user", "clientId"?}`);
 * - `POST tokens` (`emu.issueToken()` options, or `{"tokens": [options…]}` for many);
 * - `GET beneficiaries/<user>` → ids and current claim counts.
 */
export function handleDataControl(
  emu: ControlledEmulator,
  what: string,
  req: EmuRequest,
): EmuResponse | undefined {
  if (what === 'claims') return claims(emu, req);
  if (what === 'claims/schedule') return schedule(emu, req);
  const grant = /^grants\/(expire|revoke)$/.exec(what);
  if (grant) return grants(emu, grant[1] as string, req);
  if (what === 'tokens') return tokens(emu, req);
  const bene = /^beneficiaries\/([^/]+)$/.exec(what);
  if (bene && req.method === 'GET') {
    const info = emu.beneficiary(decodeURIComponent(bene[1] as string));
    return info ? drfResponse(200, info) : drfResponse(404, { detail: 'Not found.' });
  }
  return undefined;
}
