import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../core/context.js';
import type { EmuRequest } from '../http/request.js';
import {
  htmlResponse,
  pyJsonResponse,
  redirectResponse,
  type EmuResponse,
} from '../http/response.js';
import { appErrorPage, oauthErrorPage } from '../core/pages.html.js';
import { decide, notFoundBene, withParams, type OAuthRequest } from './authorize.decision.js';
import { redirectUriAllowed, type RegisteredClient } from '../core/clients.js';
import { loggedInUser, toLogin } from './login.routes.js';
import { inactiveApp } from './messages.js';
import { DEFAULT_SCOPES, isDemographicScope, parseScopes } from '../core/scopes.js';
import type { ApiVersion } from '../core/oauth-store.js';

/** DOT/oauthlib validation: redirect URI (HTML error), then redirectable errors. */
export function validateOAuth(
  client: RegisteredClient,
  p: URLSearchParams,
  version: ApiVersion,
): OAuthRequest | EmuResponse {
  const redirectUri = p.get('redirect_uri') || client.redirectUris[0] || '';
  if (!redirectUriAllowed(redirectUri, client.redirectUris)) {
    return htmlResponse(400, oauthErrorPage('invalid_request', 'Mismatching redirect URI.'));
  }
  const state = p.get('state') ?? '';
  const responseType = p.get('response_type');
  if (!responseType) {
    return redirectResponse(
      302,
      withParams(redirectUri, {
        error: 'invalid_request',
        error_description: 'Missing response_type parameter.',
        state,
      }),
    );
  }
  if (responseType !== 'code') {
    return redirectResponse(
      302,
      withParams(redirectUri, { error: 'unsupported_response_type', state }),
    );
  }
  let scopes = parseScopes(p.get('scope'));
  if (scopes.length === 0 && version !== 'v3') {
    scopes = DEFAULT_SCOPES.filter(
      s =>
        client.allowedScopes.includes(s) &&
        (client.requireDemographicScopes || !isDemographicScope(s)),
    );
  }
  if (scopes.some(s => !client.allowedScopes.includes(s))) {
    return redirectResponse(302, withParams(redirectUri, { error: 'invalid_scope', state }));
  }
  return {
    client,
    redirectUri,
    scopes,
    state,
    codeChallenge: (p.get('code_challenge') ?? '').replace(/=+$/, ''),
  };
}

/**
 * The checks of `AuthorizationView.dispatch`, in BB2's order
 * (https://github.com/CMSgov/bluebutton-web-server/blob/master/apps/dot_ext/views/authorization.py).
 * Returns the client when every check passes.
 */
function preChecks(
  ctx: EmulatorContext,
  req: EmuRequest,
  p: URLSearchParams,
  version: ApiVersion,
): RegisteredClient | EmuResponse {
  if (req.method === 'POST' && !req.form?.get('state')) {
    return pyJsonResponse(401, { status_code: 401, message: 'State required in POST body.' });
  }
  const clientId = p.get('client_id');
  if (!clientId) return htmlResponse(401, appErrorPage('App id failed'));
  const client = ctx.clients.get(clientId);
  if (!client) return htmlResponse(400, appErrorPage('Application does not exist'));
  if (!client.active) return htmlResponse(403, appErrorPage(inactiveApp(client.name)));
  if (version === 'v3' && !client.v3EarlyAdopter) {
    return pyJsonResponse(403, { status_code: 403, message: 'Unable to verify permission' });
  }
  if (parseScopes(p.get('scope')).some(s => s.startsWith('patient/AuditEvent.'))) {
    return pyJsonResponse(400, { status_code: 400, message: 'Invalid scopes.' });
  }
  if (req.query.has('client_secret') || req.form?.has('client_secret')) {
    return htmlResponse(400, 'Illegal query parameter [client_secret] detected');
  }
  const method = p.get('code_challenge_method');
  if (method && method !== 'S256') {
    return pyJsonResponse(400, {
      status_code: 400,
      error: 'invalid_request',
      error_description: 'code_challenge_method must be S256',
    });
  }
  const state = p.get('state');
  if (state && state.length < 16) {
    return pyJsonResponse(400, {
      status_code: 400,
      message: 'State parameter should have a minimum of 16 characters',
    });
  }
  const required = ['code_challenge', 'code_challenge_method', 'state'];
  if (version === 'v3') required.push('scope');
  const missing = required.filter(k => !p.get(k));
  if (missing.length > 0) {
    return pyJsonResponse(400, {
      status_code: 400,
      message: `Missing Required Parameter(s): ${missing.join(', ')}`,
    });
  }
  return client;
}

function boolParam(v: string | null, fallback: boolean): boolean | undefined {
  if (v === null || v === '') return fallback;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  return undefined;
}

/** `GET|POST /vN/o/authorize/`. */
export function handleAuthorize(
  ctx: EmulatorContext,
  req: EmuRequest,
  version: ApiVersion,
): EmuResponse {
  const p = req.method === 'POST' ? (req.form ?? new URLSearchParams()) : req.query;
  const client = preChecks(ctx, req, p, version);
  if ('status' in client) return client;

  const emulatorUser = p.get('emulator_user');
  if (emulatorUser) {
    // Emulator-only shortcut: log in and decide without the HTML pages.
    const bene = ctx.beneficiaries.get(emulatorUser);
    if (!bene) return htmlResponse(400, `Unknown emulator_user ${emulatorUser}`);
    const decision = p.get('emulator_decision') ?? 'allow';
    if (decision !== 'allow' && decision !== 'deny') {
      return htmlResponse(400, 'emulator_decision must be allow or deny');
    }
    const share = boolParam(p.get('emulator_share_demographics'), true);
    if (share === undefined) {
      return htmlResponse(400, 'emulator_share_demographics must be true or false');
    }
    // The v3 consent page's SAMHSA checkbox, without the page (default: shared).
    const samhsa = boolParam(p.get('emulator_share_samhsa'), true);
    if (samhsa === undefined)
      return htmlResponse(400, 'emulator_share_samhsa must be true or false');
    const o = validateOAuth(client, p, version);
    if ('status' in o) return o;
    if (bene.notFound) return notFoundBene(o);
    return decide(ctx, o, bene, version, {
      allow: decision === 'allow',
      shareDemographics: share,
      shareSamhsa: samhsa,
    });
  }

  const username = loggedInUser(ctx, req);
  if (!username) {
    const query = req.method === 'POST' ? `?${p.toString()}` : req.search;
    return toLogin(`${req.path}${query}`);
  }
  const o = validateOAuth(client, p, version);
  if ('status' in o) return o;
  const id = randomUUID();
  const params: Record<string, string> = {};
  for (const k of [
    'client_id',
    'redirect_uri',
    'response_type',
    'scope',
    'state',
    'code_challenge',
    'code_challenge_method',
  ]) {
    const v = p.get(k);
    if (v !== null) params[k] = v;
  }
  ctx.approvals.set(id, {
    id,
    clientId: client.clientId,
    redirectUri: o.redirectUri,
    scopes: o.scopes,
    state: o.state,
    codeChallenge: o.codeChallenge,
    version,
    username,
    params,
  });
  const query = req.method === 'POST' ? `?${p.toString()}` : req.search;
  return redirectResponse(302, `/${version}/o/authorize/${id}/${query}`);
}
