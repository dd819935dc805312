import type { EmuRequest } from '../http/request.js';
import { drfResponse } from '../http/response.js';

/** The JSON object body of a control call, `{}` when empty, undefined when not an object. */
export function readJson(req: EmuRequest): Record<string, unknown> | undefined {
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

/** A control call's 400. */
export const bad = (msg: string) => drfResponse(400, { detail: msg });
