import type { EmulatorContext } from '../core/context.js';
import { basicAuth, header, type EmuRequest } from '../http/request.js';
import { pyJsonResponse, type EmuResponse } from '../http/response.js';
import type { RegisteredClient } from '../core/clients.js';
import { inactiveApp } from './messages.js';

/** A BB2-raised error body (with `status_code`), as `json_response_from_oauth2_error` writes it. */
export function bb2Error(status: number, error: string, description: string): EmuResponse {
  return pyJsonResponse(status, { status_code: status, error, error_description: description });
}

/** Django's 500 handler on BB2 (DRF `server_error`). */
export const SERVER_ERROR = (): EmuResponse => pyJsonResponse(500, { error: 'Server Error (500)' });

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Python's `parse_qs`: `+` and %-escapes decoded, blank values dropped, `&` separated. */
export function parseQs(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of raw.split('&')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const key = decode(part.slice(0, i));
    const value = decode(part.slice(i + 1));
    if (value === '') continue;
    const list = out.get(key) ?? [];
    list.push(value);
    out.set(key, list);
  }
  return out;
}

/**
 * `get_application_from_meta`: the app named by the Authorization header. A Basic header names a
 * client id; any header containing "Bearer" is looked up as an access token, and an unknown one
 * is an uncaught `DoesNotExist` on BB2, so a 500 (the Python SDK leaks a stale bearer this way).
 */
function appFromHeader(
  ctx: EmulatorContext,
  req: EmuRequest,
): { clientId: string | undefined } | EmuResponse {
  const auth = header(req, 'authorization');
  if (!auth) return { clientId: undefined };
  if (auth.includes('Bearer')) {
    const token = ctx.store.accessTokens.get(auth.split(' ')[1] ?? '');
    return token ? { clientId: token.clientId } : SERVER_ERROR();
  }
  return { clientId: basicAuth(req)?.id };
}

/** The client named by Basic auth or the body, after BB2's `validate_app_is_active` checks. */
export function identifyClient(
  ctx: EmulatorContext,
  req: EmuRequest,
): { client: RegisteredClient; secret: string | undefined } | EmuResponse {
  const form = req.form ?? new URLSearchParams();
  const meta = appFromHeader(ctx, req);
  if ('status' in meta) return meta;
  const basic = basicAuth(req);
  const bodyId = form.get('client_id');
  if (meta.clientId && bodyId && meta.clientId !== bodyId) {
    return bb2Error(400, 'invalid_request', 'different app in headers than in request data');
  }
  if (!meta.clientId && !bodyId) return bb2Error(401, 'invalid_client', 'App id failed');
  const client = ctx.clients.get(meta.clientId ?? bodyId);
  if (!client) {
    return basic
      ? bb2Error(401, 'invalid_client', 'Application does not exist')
      : bb2Error(400, 'invalid_client', 'Application does not exist (client_id)');
  }
  if (!client.active) return bb2Error(403, 'invalid_client', inactiveApp(client.name));
  return { client, secret: basic ? basic.secret : (form.get('client_secret') ?? undefined) };
}

const ALLOWED_V3_TOKEN_FIELDS = new Set([
  'code',
  'grant_type',
  'code_verifier',
  'redirect_uri',
  'client_id',
  'client_secret',
  'refresh_token',
]);

/**
 * Gates BB2 runs on `/v3/o/token/` before anything else (`TokenView.post`), or undefined.
 * - The refresh gate (`_validate_v3_token_call`) reads the refresh token from the RAW body with
 *   `parse_qs`, so a multipart refresh finds none and is "Request denied", like a refresh token of
 *   an app outside `v3_early_adopter`.
 * - With `strictV3TokenBody`, 1becbc56b's check of the body's field names (BB2 removed it again in
 *   4a442e8d1, so it is off by default).
 */
export function v3TokenGates(ctx: EmulatorContext, req: EmuRequest): EmuResponse | undefined {
  const form = req.form ?? new URLSearchParams();
  if (form.getAll('grant_type').at(-1) === 'refresh_token') {
    const raw = parseQs(req.rawBody.toString('utf8')).get('refresh_token')?.[0];
    const rt = raw ? ctx.store.refreshTokens.get(raw) : undefined;
    const app = rt ? ctx.clients.get(rt.clientId) : undefined;
    if (!app?.v3EarlyAdopter) {
      return pyJsonResponse(403, { status_code: 403, message: 'Request denied' });
    }
  }
  if (ctx.strictV3TokenBody) {
    const invalid = [...new Set(form.keys())].filter(k => !ALLOWED_V3_TOKEN_FIELDS.has(k));
    if (invalid.length > 0) {
      const set = `{${invalid.map(k => `'${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}}`;
      return bb2Error(400, 'invalid_request', `Invalid parameters in request: ${set}`);
    }
  }
  return undefined;
}
