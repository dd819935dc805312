import { createHash } from 'node:crypto';
import type { EmulatorContext } from '../core/context.js';
import type { Beneficiary } from '../data/beneficiaries.js';
import type { TokenResponse } from './token-response.js';
import type { EmuRequest } from '../http/request.js';
import { emptyResponse, pyJsonResponse, type EmuResponse } from '../http/response.js';
import type { RegisteredClient } from '../core/clients.js';
import { GRANT_NOT_FOUND, GRANT_TIMED_OUT, ONE_TIME_REFRESH } from './messages.js';
import { parseScopes, withinOriginal } from '../core/scopes.js';
import type { AccessToken, ApiVersion } from '../core/oauth-store.js';
import { bb2Error, identifyClient, v3TokenGates } from './token-client.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** An oauthlib error body (no `status_code`), with oauthlib's no-store headers. */
function oauthError(status: number, error: string, description?: string): EmuResponse {
  const body: Record<string, string> = { error };
  if (description) body.error_description = description;
  const headers: Record<string, string> = { ...NO_STORE };
  if (status === 401) headers['www-authenticate'] = `Bearer error="${error}"`;
  return pyJsonResponse(status, body, headers);
}

/** `YYYY-MM-DDTHH:MM:SSZ`, BB2's `access_grant_expiration` format. */
export function grantExpirationFormat(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The token JSON BB2 answers (its key order), for a freshly issued access token. */
export function tokenBody(
  ctx: EmulatorContext,
  client: RegisteredClient,
  bene: Beneficiary,
  access: AccessToken,
): TokenResponse {
  const grant = ctx.store.grant(client.clientId, bene.username);
  let expiration = '';
  if (client.accessType === 'ONE_TIME') {
    expiration = grantExpirationFormat(access.issuedAt + ctx.expiresIn * 1000);
  } else if (client.accessType === 'THIRTEEN_MONTH' && grant?.expiresAt != null) {
    expiration = grantExpirationFormat(grant.expiresAt);
  }
  return {
    access_token: access.token,
    expires_in: ctx.expiresIn,
    token_type: 'Bearer',
    scope: access.scopes.join(' '),
    refresh_token: access.refreshToken,
    patient: access.version === 'v3' ? bene.v3PatientId : bene.patientId,
    access_grant_expiration: expiration,
  };
}

function tokenResponse(
  ctx: EmulatorContext,
  client: RegisteredClient,
  bene: Beneficiary,
  access: AccessToken,
): EmuResponse {
  return pyJsonResponse(200, tokenBody(ctx, client, bene, access), NO_STORE);
}

/** RFC 7636 S256: unpadded base64url of the SHA-256 of the verifier. */
function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** `POST /vN/o/token[/]`: authorization_code and refresh_token grants. */
export function handleToken(
  ctx: EmulatorContext,
  req: EmuRequest,
  version: ApiVersion,
): EmuResponse {
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST' });
  if (version === 'v3') {
    const gated = v3TokenGates(ctx, req);
    if (gated) return gated;
  }
  const who = identifyClient(ctx, req);
  if ('status' in who) return who;
  const grant: TokenGrant = { ctx, form: req.form ?? new URLSearchParams(), ...who, version };
  switch (grant.form.get('grant_type')) {
    case 'refresh_token':
      return refreshGrant(grant);
    case 'authorization_code':
      return codeGrant(grant);
    default:
      return oauthError(400, 'unsupported_grant_type');
  }
}

/** What both grants work from: the request's form and the client it authenticated as. */
interface TokenGrant {
  ctx: EmulatorContext;
  form: URLSearchParams;
  client: RegisteredClient;
  secret: string | undefined;
  version: ApiVersion;
}

/** The refresh_token grant: BB2's own checks first, then oauthlib's, then a rotated pair. */
function refreshGrant({ ctx, form, client, secret, version }: TokenGrant): EmuResponse {
  // BB2's own checks run before oauthlib sees the request.
  if (client.accessType === 'ONE_TIME') {
    return bb2Error(403, 'invalid_client', ONE_TIME_REFRESH);
  }
  const value = form.get('refresh_token');
  if (!value) return bb2Error(400, 'invalid_request', 'Missing refresh token parameter');
  const rt = ctx.store.refreshTokens.get(value);
  if (!rt) return bb2Error(400, 'invalid_request', 'Refresh token not found.');
  const grant = ctx.store.grant(rt.clientId, rt.username);
  if (!grant) return bb2Error(403, 'invalid_grant', GRANT_NOT_FOUND);
  if (grant.expiresAt !== null && grant.expiresAt <= ctx.clock.now()) {
    return bb2Error(401, 'invalid_grant', GRANT_TIMED_OUT);
  }
  if (secret !== client.clientSecret) return oauthError(401, 'invalid_client');
  if (rt.revoked || rt.clientId !== client.clientId) return oauthError(400, 'invalid_grant');
  const asked = parseScopes(form.get('scope'));
  if (asked.length > 0 && !withinOriginal(asked, rt.scopes)) {
    return oauthError(400, 'invalid_scope');
  }
  const bene = ctx.beneficiaries.get(rt.username);
  if (!bene || bene.notFound) {
    return pyJsonResponse(404, { status_code: 404, message: 'Not found.' });
  }
  ctx.store.revokeRefreshToken(rt.token);
  const { access } = ctx.store.issueTokens(
    {
      clientId: client.clientId,
      username: rt.username,
      scopes: asked.length > 0 ? asked : rt.scopes,
      version,
      shareSamhsa: rt.shareSamhsa,
      partDEobOnly: rt.partDEobOnly,
    },
    ctx.expiresIn,
  );
  return tokenResponse(ctx, client, bene, access);
}

/** The authorization_code grant: the code, its PKCE verifier and redirect URI, used once. */
function codeGrant({ ctx, form, client, secret }: TokenGrant): EmuResponse {
  const now = ctx.clock.now();
  const codeValue = form.get('code');
  if (!codeValue) return oauthError(400, 'invalid_request', 'Missing code parameter.');
  if (secret !== client.clientSecret) return oauthError(401, 'invalid_client');
  const code = ctx.store.codes.get(codeValue);
  if (!code || code.clientId !== client.clientId || code.expiresAt <= now) {
    if (code && code.expiresAt <= now) ctx.store.codes.delete(codeValue);
    return oauthError(400, 'invalid_grant');
  }
  const verifier = form.get('code_verifier');
  if (!verifier) return oauthError(400, 'invalid_request', 'Code verifier required.');
  if (verifier.length < 43 || verifier.length > 128 || s256(verifier) !== code.codeChallenge) {
    return oauthError(400, 'invalid_grant');
  }
  const redirectUri = form.get('redirect_uri') || client.redirectUris[0];
  if (redirectUri !== code.redirectUri) {
    return oauthError(400, 'invalid_request', 'Mismatching redirect URI.');
  }
  ctx.store.codes.delete(codeValue);
  const bene = ctx.beneficiaries.get(code.username);
  if (!bene) return oauthError(400, 'invalid_grant');
  const { access } = ctx.store.issueTokens(
    {
      clientId: client.clientId,
      username: code.username,
      scopes: code.scopes,
      version: code.version,
      shareSamhsa: code.shareSamhsa,
      // BB2 reads the app's setting when it creates the token's AccessTokenExtension.
      partDEobOnly: client.partDEobOnly,
    },
    ctx.expiresIn,
  );
  return tokenResponse(ctx, client, bene, access);
}
