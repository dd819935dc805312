import type { EmulatorContext } from '../core/context.js';
import { authorizeCall } from './guard.js';
import type { EmuRequest } from '../http/request.js';
import { drfResponse, JSON_TYPE, pyJsonResponse, type EmuResponse } from '../http/response.js';
import type { ApiVersion } from '../core/oauth-store.js';

type Json = Record<string, unknown>;

/** `/vN/connect/.well-known/openid-configuration` (BB2 `build_endpoint_info`). */
export function openidConfiguration(origin: string, version: ApiVersion): Json {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/${version}/o/authorize`,
    revocation_endpoint: `${origin}/${version}/o/revoke_token`,
    token_endpoint: `${origin}/${version}/o/token`,
    userinfo_endpoint: `${origin}/${version}/connect/userinfo`,
    ui_locales_supported: ['en-US'],
    service_documentation: 'https://bluebutton.cms.gov/developers',
    op_tos_uri: 'https://bluebutton.cms.gov/terms',
    grant_types_supported: ['refresh_token', 'authorization_code'],
    response_types_supported: ['code', 'token'],
    fhir_metadata_uri: `${origin}/${version}/fhir/metadata`,
  };
}

/** `/vN/fhir/.well-known/smart-configuration`; v3 adds the client-credentials fields. */
export function smartConfiguration(origin: string, version: ApiVersion): Json {
  const resources = ['Patient', 'ExplanationOfBenefit', 'Coverage'];
  const doc: Json = {
    authorization_endpoint: `${origin}/${version}/o/authorize`,
    revocation_endpoint: `${origin}/${version}/o/revoke_token`,
    token_endpoint: `${origin}/${version}/o/token`,
    grant_types_supported:
      version === 'v3' ? ['authorization_code', 'client_credentials'] : ['authorization_code'],
    response_types_supported: ['code', 'token'],
    scopes_supported: [
      'openid',
      'profile',
      'launch/patient',
      ...resources.map(r => `patient/${r}.read`),
      ...resources.map(r => `patient/${r}.rs`),
    ],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'client-confidential-symmetric',
      ...(version === 'v3' ? ['client-confidential-asymmetric'] : []),
      'context-standalone-patient',
      'launch-standalone',
      'permission-offline',
      'permission-patient',
      'permission-v1',
      'permission-v2',
      'authorize-post',
    ],
  };
  if (version === 'v3') {
    doc.token_endpoint_auth_methods_supported = ['private_key_jwt'];
    doc.token_endpoint_auth_signing_alg_values_supported = ['ES384', 'RS256', 'RS384', 'RS512'];
  }
  return doc;
}

/** `GET /vN/connect/userinfo`: needs `profile`; BB2's seven keys, in order. */
export function handleUserinfo(
  ctx: EmulatorContext,
  req: EmuRequest,
  version: ApiVersion,
): EmuResponse {
  const caller = authorizeCall(ctx, req, version, JSON_TYPE, scopes => scopes.includes('profile'));
  if ('status' in caller) return caller;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return drfResponse(405, { detail: `Method "${req.method}" not allowed.` }, JSON_TYPE, {
      allow: 'GET, HEAD, OPTIONS',
    });
  }
  const b = caller.bene;
  const res = drfResponse(200, {
    sub: caller.patientId,
    name: `${b.given} ${b.family}`,
    given_name: b.given,
    family_name: b.family,
    email: b.email,
    iat: b.createdAt,
    patient: caller.patientId,
  });
  res.rateLimit = caller.rateLimit;
  return res;
}

/** Discovery documents are plain Django `JsonResponse`s. */
export function discoveryResponse(doc: Json): EmuResponse {
  return pyJsonResponse(200, doc);
}
