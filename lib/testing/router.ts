import { discoveryResponse, handleUserinfo, openidConfiguration } from './oauth/connect.routes.js';
import type { EmulatorContext } from './core/context.js';
import { handleFhir } from './fhir/fhir.routes.js';
import { header, type EmuRequest } from './http/request.js';
import {
  emptyResponse,
  htmlResponse,
  pyJsonResponse,
  redirectResponse,
  type EmuResponse,
} from './http/response.js';
import { handleAuthorize } from './oauth/authorize.routes.js';
import { handleApproval } from './oauth/consent.routes.js';
import { handleLogin } from './oauth/login.routes.js';
import {
  handleExpireUser,
  handleIntrospect,
  handleRevoke,
  handleRevokeToken,
} from './oauth/revoke.routes.js';
import type { ApiVersion } from './core/oauth-store.js';
import { handleToken } from './oauth/token.routes.js';
import { notFoundPage } from './core/pages.html.js';

type Handler = (req: EmuRequest) => EmuResponse | undefined;

/** django-cors-headers' default allow-list (no `x-bluebutton-*`). */
export const CORS_ALLOW_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'user-agent',
  'x-csrftoken',
  'x-requested-with',
];

function preflight(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const asked = (header(req, 'access-control-request-headers') ?? '')
    .split(',')
    .map(h => h.trim().toLowerCase())
    .filter(Boolean);
  const refused = asked.filter(h => !CORS_ALLOW_HEADERS.includes(h));
  if (ctx.corsStrict && refused.length > 0) {
    return htmlResponse(
      403,
      `CORS preflight refused: header(s) not allowed: ${refused.join(', ')}`,
    );
  }
  return emptyResponse(200, {
    'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
    'access-control-allow-methods': 'DELETE, GET, OPTIONS, PATCH, POST, PUT',
    'access-control-max-age': '86400',
  });
}

/** The handler for a path, or undefined when Django's URLconf would not resolve it. */
function resolve(ctx: EmulatorContext, path: string): Handler | undefined {
  const v = /^\/(v[123])\/(.*)$/.exec(path);
  if (v) {
    const version = v[1] as ApiVersion;
    if (version === 'v3' && !ctx.v3Enabled) return undefined;
    const rest = v[2] as string;
    let m: RegExpExecArray | null;
    if (rest === 'o/authorize/') return req => handleAuthorize(ctx, req, version);
    if ((m = /^o\/authorize\/([^/]+)\/$/.exec(rest))) {
      const id = m[1] as string;
      return req => handleApproval(ctx, req, version, id);
    }
    if (/^o\/token\/?$/.test(rest)) return req => handleToken(ctx, req, version);
    if (rest === 'o/revoke/') return req => handleRevoke(ctx, req);
    if (rest === 'o/revoke_token/') return req => handleRevokeToken(ctx, req);
    if (rest === 'o/introspect/') return req => handleIntrospect(ctx, req);
    if ((m = /^o\/expire_authenticated_user\/([^/]+)\/$/.exec(rest))) {
      const patientId = decodeURIComponent(m[1] as string);
      return req => handleExpireUser(ctx, req, patientId);
    }
    if (/^connect\/userinfo\/?$/.test(rest)) return req => handleUserinfo(ctx, req, version);
    if (/^connect\/\.well-known\/openid-configuration\/?$/.test(rest)) {
      return req => discoveryResponse(openidConfiguration(req.origin, version));
    }
    if (rest.startsWith('fhir/')) {
      const fhirPath = rest.slice('fhir/'.length);
      if (
        !/^(metadata|\.well-known\/smart-configuration|Patient|Coverage|ExplanationOfBenefit|AuditEvent)(\/|$)/.test(
          fhirPath,
        )
      ) {
        return undefined;
      }
      return req => handleFhir(ctx, req, version, fhirPath);
    }
    return undefined;
  }
  const legacy = /^\/\.well-known\/openid-configuration(-v2|-v3)?\/?$/.exec(path);
  if (legacy) {
    const version: ApiVersion = legacy[1] === '-v3' ? 'v3' : legacy[1] === '-v2' ? 'v2' : 'v1';
    if (version === 'v3' && !ctx.v3Enabled) return undefined;
    return req => discoveryResponse(openidConfiguration(req.origin, version));
  }
  if (path === '/mymedicare/login') return req => handleLogin(ctx, req);
  if (path === '/health') return () => pyJsonResponse(200, { message: "all's well" });
  return undefined;
}

/**
 * Dispatches one request: CORS preflight, BB2's URL map (the `urls.py` files under
 * https://github.com/CMSgov/bluebutton-web-server/blob/master/hhs_oauth_server/urls.py), Django's
 * APPEND_SLASH (301 to the slash form, query kept) and the HTML 404 for everything else.
 */
export function route(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  if (
    req.method === 'OPTIONS' &&
    header(req, 'origin') !== undefined &&
    header(req, 'access-control-request-method') !== undefined
  ) {
    return preflight(ctx, req);
  }
  const handler = resolve(ctx, req.path);
  const res = handler?.(req);
  if (res) return res;
  if (!handler && !req.path.endsWith('/') && resolve(ctx, `${req.path}/`)) {
    return redirectResponse(301, `${req.path}/${req.search}`);
  }
  return htmlResponse(404, notFoundPage(req.path));
}

/** True for the DRF views that `latencyMs` slows down (FHIR resources and userinfo). */
export function isResourceView(path: string): boolean {
  return /^\/v[123]\/(fhir\/(Patient|Coverage|ExplanationOfBenefit|AuditEvent)|connect\/userinfo)/.test(
    path,
  );
}
