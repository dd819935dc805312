import { randomBytes, randomUUID } from 'node:crypto';
import type { EmulatorContext, PendingApproval } from '../context.js';
import type { Beneficiary } from '../data/beneficiaries.js';
import type { EmuRequest } from '../http/request.js';
import {
  htmlResponse,
  pyJsonResponse,
  redirectResponse,
  type EmuResponse,
} from '../http/response.js';
import {
  appErrorPage,
  beneNotFoundPage,
  consentPage,
  loginPage,
  oauthErrorPage,
} from '../pages.html.js';
import { redirectUriAllowed, type RegisteredClient } from './clients.js';
import { inactiveApp } from './messages.js';
import { condenseScopes, DEFAULT_SCOPES, isDemographicScope, parseScopes } from './scopes.js';
import { addMonths, type ApiVersion } from './store.js';

/** Django's session cookie name, so browser tests see the usual cookie. */
export const SESSION_COOKIE = 'sessionid';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Appends OAuth parameters to a redirect URI, keeping its own query (oauthlib `add_params_to_uri`). */
function withParams(uri: string, params: Record<string, string>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.toString();
}

function loggedInUser(ctx: EmulatorContext, req: EmuRequest): string | undefined {
  const sid = req.cookies[SESSION_COOKIE];
  return sid ? ctx.sessions.get(sid) : undefined;
}

function toLogin(next: string): EmuResponse {
  return redirectResponse(302, `/mymedicare/login?next=${encodeURIComponent(next)}`);
}

/** Validated OAuth part of an authorize request (what DOT checks once the user is known). */
interface OAuthRequest {
  client: RegisteredClient;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string;
}

/** DOT/oauthlib validation: redirect URI (HTML error), then redirectable errors. */
function validateOAuth(
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
 * The checks of `AuthorizationView.dispatch`, in BB2's order (reference §2.2 steps 1–7).
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

/** The approve/deny outcome: grant bookkeeping, then the 302 to the client's callback. */
function decide(
  ctx: EmulatorContext,
  o: OAuthRequest,
  bene: Beneficiary,
  version: ApiVersion,
  allow: boolean,
  shareDemographics: boolean,
  shareSamhsa: boolean,
): EmuResponse {
  if (!allow) {
    return redirectResponse(
      302,
      withParams(o.redirectUri, { error: 'access_denied', state: o.state }),
    );
  }
  const share = shareDemographics && o.client.requireDemographicScopes;
  let scopes = o.scopes;
  if (!share) scopes = scopes.filter(s => !isDemographicScope(s));
  if (scopes.length === 0) {
    return redirectResponse(
      302,
      withParams(o.redirectUri, { error: 'access_denied', state: o.state }),
    );
  }
  scopes = condenseScopes(scopes);
  const { clientId } = o.client;
  // BB2's approval signal: the pair's old tokens go; without demographics the old grant goes too.
  ctx.store.revokeTokensFor(clientId, bene.username);
  if (!share) ctx.store.deleteGrant(clientId, bene.username);
  const now = ctx.clock.now();
  ctx.store.upsertGrant(
    clientId,
    bene.username,
    o.client.accessType === 'THIRTEEN_MONTH' ? addMonths(now, 13) : null,
  );
  const code = ctx.store.issueCode({
    clientId,
    redirectUri: o.redirectUri,
    codeChallenge: o.codeChallenge,
    username: bene.username,
    scopes,
    version,
    shareSamhsa,
  });
  return redirectResponse(302, withParams(o.redirectUri, { code: code.code, state: o.state }));
}

function notFoundBene(o: OAuthRequest): EmuResponse {
  return htmlResponse(404, beneNotFoundPage(withParams(o.redirectUri, { error: 'not_found' })));
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
    const samhsa = boolParam(p.get('emulator_share_samhsa'), true);
    if (share === undefined || samhsa === undefined) {
      return htmlResponse(400, 'emulator_share_demographics must be true or false');
    }
    const o = validateOAuth(client, p, version);
    if ('status' in o) return o;
    if (bene.notFound) return notFoundBene(o);
    return decide(ctx, o, bene, version, decision === 'allow', share, samhsa);
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

/** `GET|POST /vN/o/authorize/<uuid>/`: the consent page and its form. */
export function handleApproval(
  ctx: EmulatorContext,
  req: EmuRequest,
  version: ApiVersion,
  id: string,
): EmuResponse {
  if (!UUID.test(id)) return pyJsonResponse(404, { status_code: 404, message: 'Not found.' });
  const username = loggedInUser(ctx, req);
  if (!username) return toLogin(`${req.path}${req.search}`);
  const approval = ctx.approvals.get(id);
  if (!approval || approval.username !== username || approval.version !== version) {
    return pyJsonResponse(404, { status_code: 404, message: 'Not found.' });
  }
  const client = ctx.clients.get(approval.clientId);
  if (!client) return htmlResponse(400, appErrorPage('Application does not exist'));
  if (!client.active) return htmlResponse(403, appErrorPage(inactiveApp(client.name)));
  if (req.method === 'GET' || req.method === 'HEAD') {
    return htmlResponse(
      200,
      consentPage({
        action: `/${version}/o/authorize/${id}/`,
        appName: client.name,
        hidden: approval.params,
        scopes: approval.scopes,
        showDemographics: client.requireDemographicScopes,
        showSamhsa: version === 'v3',
      }),
    );
  }
  if (req.method !== 'POST') return htmlResponse(405, '', { allow: 'GET, POST' });
  const form = req.form ?? new URLSearchParams();
  ctx.approvals.delete(id);
  const bene = ctx.beneficiaries.get(username);
  if (!bene) return toLogin(`/${version}/o/authorize/`);
  const last = (k: string) => form.getAll(k).at(-1);
  return decide(
    ctx,
    pendingToRequest(approval, client),
    bene,
    version,
    form.has('allow'),
    last('share_demographic_scopes') === 'True',
    version !== 'v3' || last('share_samhsa_data') !== 'False',
  );
}

function pendingToRequest(a: PendingApproval, client: RegisteredClient): OAuthRequest {
  return {
    client,
    redirectUri: a.redirectUri,
    scopes: a.scopes,
    state: a.state,
    codeChallenge: a.codeChallenge,
  };
}

/** Only local paths may follow a login, so the page cannot be used as an open redirect. */
function safeNext(n: string | null | undefined): string {
  return n && n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

/** `GET|POST /mymedicare/login`: the stand-in for Medicare.gov login. */
export function handleLogin(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') {
    return htmlResponse(200, loginPage(safeNext(req.query.get('next'))));
  }
  const form = req.form ?? new URLSearchParams();
  const next = safeNext(form.get('next'));
  const username = form.get('username') ?? '';
  const bene = ctx.beneficiaries.get(username.trim());
  if (!bene || bene.password !== form.get('password')) {
    return htmlResponse(200, loginPage(next, 'The username or password you entered is incorrect.'));
  }
  if (bene.notFound) {
    let link = '/';
    try {
      const q = new URL(next, 'http://emulator.local').searchParams;
      const client = ctx.clients.get(q.get('client_id'));
      const redirect = q.get('redirect_uri') || client?.redirectUris[0];
      if (redirect) link = withParams(redirect, { error: 'not_found' });
    } catch {
      link = '/';
    }
    return htmlResponse(404, beneNotFoundPage(link));
  }
  const sid = randomBytes(16).toString('hex');
  ctx.sessions.set(sid, bene.username);
  return {
    status: 302,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      location: next,
      'set-cookie': `${SESSION_COOKIE}=${sid}; HttpOnly; Path=/; SameSite=Lax`,
    },
    body: '',
  };
}
