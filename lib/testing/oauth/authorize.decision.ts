import type { EmulatorContext } from '../core/context.js';
import type { Beneficiary } from '../data/beneficiaries.js';
import { htmlResponse, redirectResponse, type EmuResponse } from '../http/response.js';
import { beneNotFoundPage } from '../core/pages.html.js';
import type { RegisteredClient } from '../core/clients.js';
import { condenseScopes, isDemographicScope } from '../core/scopes.js';
import { addMonths, type ApiVersion } from '../core/oauth-store.js';

/** Validated OAuth part of an authorize request (what DOT checks once the user is known). */
export interface OAuthRequest {
  client: RegisteredClient;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string;
}

/** The beneficiary's answer on the consent page. */
export interface ConsentChoice {
  allow: boolean;
  shareDemographics: boolean;
  /** v3's SAMHSA checkbox (always true on v1/v2). */
  shareSamhsa: boolean;
}

/** Appends OAuth parameters to a redirect URI, keeping its own query (oauthlib `add_params_to_uri`). */
export function withParams(uri: string, params: Record<string, string>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.toString();
}

/** `bene_404.html`: BFD has no record of the beneficiary who just logged in. */
export function notFoundBene(o: OAuthRequest): EmuResponse {
  return htmlResponse(404, beneNotFoundPage(withParams(o.redirectUri, { error: 'not_found' })));
}

const denied = (o: OAuthRequest) =>
  redirectResponse(302, withParams(o.redirectUri, { error: 'access_denied', state: o.state }));

/**
 * `AuthorizationView.form_valid`: Cancel keeps the pair's grant and tokens (c247b7afb); no
 * shareable scope, or withheld demographics, drops the grant; an approval issues a code and then
 * deletes every earlier token of the (app, beneficiary) pair (2e2d4da22), on every version.
 */
export function decide(
  ctx: EmulatorContext,
  o: OAuthRequest,
  bene: Beneficiary,
  version: ApiVersion,
  choice: ConsentChoice,
): EmuResponse {
  if (!choice.allow) return denied(o);
  const { clientId } = o.client;
  const share = choice.shareDemographics && o.client.requireDemographicScopes;
  let scopes = o.scopes;
  if (!share) scopes = scopes.filter(s => !isDemographicScope(s));
  if (scopes.length === 0 || !share) {
    // remove_application_user_pair_tokens_data_access(app, user, True, False)
    ctx.store.deleteGrant(clientId, bene.username);
    ctx.store.deleteTokensFor(clientId, bene.username);
  }
  if (scopes.length === 0) return denied(o);
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
    scopes: condenseScopes(scopes),
    version,
    // A Part-D-only app's v3 consent has no SAMHSA choice: BB2 records it as shared.
    shareSamhsa: version !== 'v3' || o.client.partDEobOnly || choice.shareSamhsa,
  });
  ctx.store.deleteTokensFor(clientId, bene.username);
  return redirectResponse(302, withParams(o.redirectUri, { code: code.code, state: o.state }));
}
