import type { EmulatorContext } from '../core/context.js';
import { basicAuth, type EmuRequest } from '../http/request.js';
import { emptyResponse, htmlResponse, pyJsonResponse, type EmuResponse } from '../http/response.js';
import { notFoundPage } from '../core/pages.html.js';
import type { RegisteredClient } from '../core/clients.js';

/** The (client, user) a token value belongs to, whichever kind it is. */
function tokenOwner(
  ctx: EmulatorContext,
  token: string,
): { clientId: string; username: string; kind: 'access' | 'refresh' } | undefined {
  const a = ctx.store.accessTokens.get(token);
  if (a) return { clientId: a.clientId, username: a.username, kind: 'access' };
  const r = ctx.store.refreshTokens.get(token);
  if (r) return { clientId: r.clientId, username: r.username, kind: 'refresh' };
  return undefined;
}

function authenticatedClient(ctx: EmulatorContext, req: EmuRequest): RegisteredClient | undefined {
  const basic = basicAuth(req);
  const id = basic?.id ?? req.form?.get('client_id');
  const secret = basic?.secret ?? req.form?.get('client_secret');
  const client = ctx.clients.get(id);
  return client && client.clientSecret === secret ? client : undefined;
}

function revokeValue(ctx: EmulatorContext, token: string, kind: 'access' | 'refresh'): void {
  if (kind === 'access') ctx.store.revokeAccessToken(token);
  else ctx.store.revokeRefreshToken(token);
}

/** `POST /vN/o/revoke/`: deletes the grant, then revokes the token. Always 200, empty. */
export function handleRevoke(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST' });
  const token = req.form?.get('token');
  const client = authenticatedClient(ctx, req);
  const owner = token ? tokenOwner(ctx, token) : undefined;
  if (token && owner && client && owner.clientId === client.clientId) {
    ctx.store.deleteGrant(owner.clientId, owner.username);
    revokeValue(ctx, token, owner.kind);
  }
  return emptyResponse(200);
}

/** `POST /vN/o/revoke_token/` (RFC 7009): revokes one token, keeps the grant. */
export function handleRevokeToken(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST' });
  const basic = basicAuth(req);
  const client = ctx.clients.get(basic?.id ?? req.form?.get('client_id'));
  if (!client || !client.active) {
    return pyJsonResponse(403, {
      status_code: 403,
      description: 'Application is not active or does not exist.',
    });
  }
  const secret = basic?.secret ?? req.form?.get('client_secret');
  if (secret !== client.clientSecret) {
    return pyJsonResponse(
      401,
      { error: 'invalid_client' },
      {
        'www-authenticate': 'Bearer error="invalid_client"',
        'cache-control': 'no-store',
        pragma: 'no-cache',
      },
    );
  }
  const token = req.form?.get('token');
  if (!token) {
    return pyJsonResponse(400, {
      error: 'invalid_request',
      error_description: 'Missing token parameter.',
    });
  }
  const owner = tokenOwner(ctx, token);
  if (owner && owner.clientId !== client.clientId) {
    return pyJsonResponse(403, {
      status_code: 403,
      description: 'Application did not have access to the provided token.',
    });
  }
  if (owner) revokeValue(ctx, token, owner.kind);
  return emptyResponse(200);
}

/** `POST /vN/o/expire_authenticated_user/<patient_id>/` (sandbox testing aid). */
export function handleExpireUser(
  ctx: EmulatorContext,
  req: EmuRequest,
  patientId: string,
): EmuResponse {
  if (!ctx.expireGrantEndpoint) return htmlResponse(404, notFoundPage(req.path));
  if (req.method !== 'POST') return emptyResponse(405, { allow: 'POST' });
  const basic = basicAuth(req);
  const client = basic ? ctx.clients.get(basic.id) : undefined;
  if (!client || !basic || client.clientSecret !== basic.secret || !client.active) {
    return emptyResponse(403);
  }
  const bene = ctx.beneficiaries.byPatientId(patientId);
  if (!bene) {
    return htmlResponse(404, 'Patient was Not Found. Please check the id number and try again.');
  }
  if (!ctx.store.deleteGrant(client.clientId, bene.username)) {
    return htmlResponse(404, 'Data Access Grant was Not Found.');
  }
  return htmlResponse(200, 'success');
}

/** `GET|POST /vN/o/introspect/` (DOT introspection, client-authenticated). */
export function handleIntrospect(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const client = authenticatedClient(ctx, req);
  if (!client) {
    return pyJsonResponse(
      401,
      { error: 'invalid_client' },
      { 'www-authenticate': 'Bearer error="invalid_client"' },
    );
  }
  const token = req.form?.get('token') ?? req.query.get('token');
  const access = token ? ctx.store.accessTokens.get(token) : undefined;
  if (!access || access.expiresAt <= ctx.clock.now()) return pyJsonResponse(200, { active: false });
  return pyJsonResponse(200, {
    active: true,
    scope: access.scopes.join(' '),
    exp: Math.floor(access.expiresAt / 1000),
    client_id: access.clientId,
    username: access.username,
  });
}
