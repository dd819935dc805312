import type { EmulatorContext } from '../core/context.js';
import type { EmuRequest } from '../http/request.js';
import { drfResponse, type EmuResponse } from '../http/response.js';
import type { ApiVersion } from '../core/oauth-store.js';
import type { Caller } from '../oauth/guard.js';

type Json = Record<string, unknown>;

/** One authorized FHIR call: who asked, on which version, and how to answer. */
export interface Call {
  ctx: EmulatorContext;
  req: EmuRequest;
  version: ApiVersion;
  contentType: string;
  caller: Caller;
  /** `{origin}/vN/fhir`. */
  fhirBase: string;
}

/** A 200 with the throttle headers of the caller's token. */
export function ok(call: Call, body: Json): EmuResponse {
  const res = drfResponse(200, body, call.contentType);
  res.rateLimit = call.caller.rateLimit;
  if (body.resourceType === 'Bundle')
    res.entries = Array.isArray(body.entry) ? body.entry.length : 0;
  return res;
}

/**
 * Sets a parameter as a Python dict would: an existing key keeps its place and takes the new
 * value; a new key goes last. BB2 builds BFD's query this way (`get_parameters[...] = …`).
 */
export function setParam(params: Array<[string, string]>, key: string, value: string): void {
  const first = params.findIndex(([k]) => k === key);
  if (first < 0) {
    params.push([key, value]);
    return;
  }
  params[first] = [key, value];
  for (let i = params.length - 1; i > first; i--) if (params[i]?.[0] === key) params.splice(i, 1);
}
