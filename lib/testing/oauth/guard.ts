import type { EmulatorContext } from '../core/context.js';
import type { Beneficiary } from '../data/beneficiaries.js';
import { header, type EmuRequest } from '../http/request.js';
import { drfResponse, type EmuResponse } from '../http/response.js';
import type { RegisteredClient } from '../core/clients.js';
import {
  GRANT_TIMED_OUT,
  inactiveApp,
  NOT_AUTHENTICATED,
  PERMISSION_DENIED,
  QUERY_TOKEN,
  v3NotAllowed,
} from './messages.js';
import type { AccessToken, ApiVersion } from '../core/oauth-store.js';

/** Who is calling a FHIR or userinfo view, once every permission passed. */
export interface Caller {
  token: AccessToken;
  client: RegisteredClient;
  bene: Beneficiary;
  /** Patient id for this API version. */
  patientId: string;
  rateLimit: { limit: number; remaining: number; reset: number };
}

const REALM = 'Bearer realm="api"';

/** Which of BB2's view permissions apply beyond authentication, grant and scope. */
export interface GuardOptions {
  /** `V3EarlyAdopterPermission` (every v3 view but AuditEvent search); default true. */
  earlyAdopter?: boolean;
  /**
   * v3 `AppScopePermission`: the app's own capabilities must cover the call, else 403 naming
   * it. Returns the refusal text, or undefined when allowed.
   */
  appScope?: (client: RegisteredClient) => string | undefined;
  /**
   * `V2ExplanationOfBenefitPermission`: a v1/v2 EOB call with a token that withheld SAMHSA
   * data (or of a Part-D-only app) is refused.
   */
  v2EobPermission?: boolean;
}

/**
 * DRF authentication, permissions and throttling in BB2's order: token, app active, grant,
 * scope, v3 early adopter, app scopes, the v1/v2 EOB SAMHSA permission, then the per-token
 * throttle (`FhirDataView` in
 * https://github.com/CMSgov/bluebutton-web-server/blob/master/apps/fhir/bluebutton/views/generic.py).
 */
export function authorizeCall(
  ctx: EmulatorContext,
  req: EmuRequest,
  version: ApiVersion,
  contentType: string,
  hasScope: (scopes: readonly string[]) => boolean,
  opts: GuardOptions = {},
): Caller | EmuResponse {
  const fail = (status: number, detail: string, headers: Record<string, string> = {}) =>
    drfResponse(status, { detail }, contentType, headers);
  if (req.query.has('access_token')) return fail(400, QUERY_TOKEN);
  const auth = header(req, 'authorization');
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!m) return fail(401, NOT_AUTHENTICATED, { 'www-authenticate': REALM });
  const token = ctx.store.accessTokens.get(m[1] as string);
  const now = ctx.clock.now();
  if (!token) {
    return fail(401, NOT_AUTHENTICATED, {
      'www-authenticate': `${REALM},error="invalid_token",error_description="The access token is invalid."`,
    });
  }
  if (token.expiresAt <= now) {
    return fail(401, NOT_AUTHENTICATED, {
      'www-authenticate': `${REALM},error="invalid_token",error_description="The access token has expired."`,
    });
  }
  const client = ctx.clients.get(token.clientId);
  if (!client) return fail(401, NOT_AUTHENTICATED, { 'www-authenticate': REALM });
  if (!client.active) return fail(401, inactiveApp(client.name), { 'www-authenticate': REALM });
  const bene = ctx.beneficiaries.get(token.username);
  if (!bene) return fail(401, NOT_AUTHENTICATED, { 'www-authenticate': REALM });
  const grant = ctx.store.grant(token.clientId, token.username);
  if (!grant) return fail(403, PERMISSION_DENIED);
  if (grant.expiresAt !== null && grant.expiresAt <= now) {
    return fail(401, GRANT_TIMED_OUT, { 'www-authenticate': REALM });
  }
  if (!hasScope(token.scopes)) return fail(403, PERMISSION_DENIED);
  if (version === 'v3' && (opts.earlyAdopter ?? true) && !client.v3EarlyAdopter) {
    return fail(403, v3NotAllowed(client.name));
  }
  const appRefusal = version === 'v3' ? opts.appScope?.(client) : undefined;
  if (appRefusal) return fail(403, appRefusal);
  if (opts.v2EobPermission && version !== 'v3' && (!token.shareSamhsa || token.partDEobOnly)) {
    return fail(403, PERMISSION_DENIED);
  }
  const t = ctx.limiter.check(token.token, now);
  const rateLimit = { limit: t.limit, remaining: t.remaining, reset: t.reset };
  if (!t.allowed) {
    const n = t.retryAfter ?? 1;
    const res = fail(
      429,
      `Request was throttled. Expected available in ${n} second${n === 1 ? '' : 's'}.`,
      { 'retry-after': String(n) },
    );
    res.rateLimit = rateLimit;
    return res;
  }
  return {
    token,
    client,
    bene,
    patientId: version === 'v3' ? bene.v3PatientId : bene.patientId,
    rateLimit,
  };
}
