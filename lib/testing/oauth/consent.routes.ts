import type { EmulatorContext, PendingApproval } from '../core/context.js';
import type { EmuRequest } from '../http/request.js';
import { htmlResponse, pyJsonResponse, type EmuResponse } from '../http/response.js';
import { appErrorPage, consentPage } from '../core/pages.html.js';
import { decide, type OAuthRequest } from './authorize.decision.js';
import { loggedInUser, toLogin } from './login.routes.js';
import type { RegisteredClient } from '../core/clients.js';
import { inactiveApp } from './messages.js';
import type { ApiVersion } from '../core/oauth-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Django `forms.BooleanField` with a checkbox: "false" (any case) and "" are false, absent is false. */
function djangoCheckbox(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value.toLowerCase() !== 'false';
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

/**
 * `GET|POST /vN/o/authorize/<uuid>/`: the consent page and its form. On v3, as BB2's
 * `authorize_v3.html`, demographics are required and the SAMHSA checkbox starts unchecked
 * (a hidden "False" precedes it; the last value wins); Part-D-only apps get no SAMHSA choice.
 */
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
  const v3 = version === 'v3';
  if (req.method === 'GET' || req.method === 'HEAD') {
    return htmlResponse(
      200,
      consentPage({
        action: `/${version}/o/authorize/${id}/`,
        appName: client.name,
        hidden: approval.params,
        scopes: approval.scopes,
        showDemographics: !v3 && client.requireDemographicScopes,
        requireDemographics: v3,
        showSamhsa: v3 && !client.partDEobOnly,
        partDOnly: v3 && client.partDEobOnly,
      }),
    );
  }
  if (req.method !== 'POST') return htmlResponse(405, '', { allow: 'GET, POST' });
  const form = req.form ?? new URLSearchParams();
  ctx.approvals.delete(id);
  const bene = ctx.beneficiaries.get(username);
  if (!bene) return toLogin(`/${version}/o/authorize/`);
  const last = (k: string) => form.getAll(k).at(-1);
  return decide(ctx, pendingToRequest(approval, client), bene, version, {
    allow: form.has('allow'),
    shareDemographics: last('share_demographic_scopes') === 'True',
    shareSamhsa: djangoCheckbox(last('share_samhsa_data')),
  });
}
