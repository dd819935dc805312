import { smartConfiguration } from '../oauth/connect.routes.js';
import type { EmulatorContext } from '../core/context.js';
import { buildInsuranceCard } from '../data/insurance-card.builder.js';
import { negotiate } from '../http/negotiation.js';
import { header, type EmuRequest } from '../http/request.js';
import { drfResponse, FHIR_JSON, pyJsonResponse, type EmuResponse } from '../http/response.js';
import { pyListRepr } from '../http/json.js';
import type { RegisteredClient } from '../core/clients.js';
import { appLacksScopes } from '../oauth/messages.js';
import { allows, type ScopedResource } from '../core/scopes.js';
import type { ApiVersion } from '../core/oauth-store.js';
import { parseQs } from '../oauth/token-client.js';
import { AUDIT_EVENT_SCOPE, readAuditEvent, searchAuditEvents } from './audit-event.routes.js';
import { ok, type Call } from './call.js';
import { detail, upstream400 } from './errors.js';
import { authorizeCall, type GuardOptions } from '../oauth/guard.js';
import { capabilityStatement } from './metadata.js';
import { parseSearch } from './params.js';
import { read } from './read.js';
import { searchCoverage, searchEob, searchPatient } from './search.js';

type Resource = ScopedResource | 'AuditEvent';
type Kind = 'read' | 'search' | 'card';

const RESOURCES: readonly Resource[] = [
  'Patient',
  'Coverage',
  'ExplanationOfBenefit',
  'AuditEvent',
];
const INSURANCE_CARD = '$generate-insurance-card';
const SEARCH_KEYS: Record<ScopedResource, string[]> = {
  Patient: ['startIndex', '_count', '_lastUpdated', '_id', 'identifier'],
  Coverage: ['startIndex', '_count', '_lastUpdated', 'beneficiary'],
  ExplanationOfBenefit: [
    'startIndex',
    '_count',
    '_lastUpdated',
    'type',
    'service-date',
    'patient',
    '_tag',
    '_source',
    '_security:not',
    '_offset',
  ],
};

/**
 * BB2's `Prefer: handling=strict` on v3 (07692d20c): an exact header match, then `parse_qs` of
 * the raw query (blank values dropped) against the view's schema; `count` and `_format` pass.
 * Views without a schema (reads, the insurance card, AuditEvent) accept no other parameter.
 */
function strictRefusal(
  req: EmuRequest,
  contentType: string,
  known: readonly string[],
): EmuResponse | undefined {
  if (header(req, 'prefer') !== 'handling=strict' || req.search.length <= 1) return undefined;
  const keys = [...parseQs(req.search.slice(1)).keys()];
  const invalid = keys.filter(k => !known.includes(k) && k !== 'count' && k !== '_format');
  if (invalid.length === 0) return undefined;
  return drfResponse(400, { error: `Invalid parameters: ${pyListRepr(invalid)}` }, contentType);
}

/** The insurance card needs a Patient read and a Coverage search scope. */
const cardScopes = (s: readonly string[]) =>
  allows(s, 'Patient', 'read') && allows(s, 'Coverage', 'search');

/** The view's permissions beyond the token: scopes, v3 early adopter, app scopes, v1/v2 SAMHSA. */
function guardFor(
  resource: Resource,
  kind: Kind,
): {
  hasScope: (scopes: readonly string[]) => boolean;
  opts: GuardOptions;
} {
  if (resource === 'AuditEvent') {
    // AuditEventView has no V3EarlyAdopterPermission; its read view (a ReadView) has.
    return {
      hasScope: s => s.includes(AUDIT_EVENT_SCOPE),
      opts: { earlyAdopter: kind === 'read' },
    };
  }
  if (kind === 'card') {
    return {
      hasScope: cardScopes,
      opts: {
        earlyAdopter: false,
        appScope: (c: RegisteredClient) =>
          cardScopes(c.allowedScopes)
            ? undefined
            : appLacksScopes(c.name, 'any', 'digital insurance card'),
      },
    };
  }
  const action = kind === 'read' ? 'read' : 'search';
  return {
    hasScope: s => allows(s, resource, action),
    opts: {
      appScope: c =>
        allows(c.allowedScopes, resource, action)
          ? undefined
          : appLacksScopes(c.name, action, resource),
      v2EobPermission: resource === 'ExplanationOfBenefit',
    },
  };
}

function dispatch(call: Call, resource: Resource, kind: Kind, id: string | undefined): EmuResponse {
  const { req, version, contentType, caller } = call;
  if (kind === 'card') {
    return (
      strictRefusal(req, contentType, []) ??
      ok(call, buildInsuranceCard(caller.bene, call.ctx.claims.lastLoadAt))
    );
  }
  if (resource === 'AuditEvent') {
    const refused = strictRefusal(req, contentType, []);
    if (refused) return refused;
    return id === undefined ? searchAuditEvents(call) : readAuditEvent(call, id);
  }
  if (id !== undefined) {
    const refused = version === 'v3' ? strictRefusal(req, contentType, []) : undefined;
    return refused ?? read(call, resource, id);
  }
  const q = parseSearch(req.query, resource, version === 'v3');
  if ('detail' in q) return q.upstream ? upstream400(call, q.detail) : detail(call, 400, q.detail);
  if (version === 'v3') {
    const refused = strictRefusal(req, contentType, SEARCH_KEYS[resource]);
    if (refused) return refused;
  }
  if (resource === 'Patient') return searchPatient(call, q);
  if (resource === 'Coverage') return searchCoverage(call, q);
  return searchEob(call, q);
}

/** Routes under `/vN/fhir/`. Returns undefined for paths that do not exist (HTML 404). */
export function handleFhir(
  ctx: EmulatorContext,
  req: EmuRequest,
  version: ApiVersion,
  rest: string,
): EmuResponse | undefined {
  const path = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (path === 'metadata') return pyJsonResponse(200, capabilityStatement(req.origin, version));
  if (path === '.well-known/smart-configuration') {
    return pyJsonResponse(200, smartConfiguration(req.origin, version));
  }
  const [name, rawId, ...more] = path.split('/');
  const resource = name as Resource;
  if (!RESOURCES.includes(resource) || more.length > 0) return undefined;
  if (resource === 'AuditEvent' && version !== 'v3') return undefined;
  const kind: Kind =
    version === 'v3' && resource === 'Patient' && rawId === INSURANCE_CARD
      ? 'card'
      : rawId !== undefined && rawId !== ''
        ? 'read'
        : 'search';
  const contentType = negotiate(header(req, 'accept'));
  if (!contentType) {
    return drfResponse(406, { detail: 'Could not satisfy the request Accept header.' }, FHIR_JSON);
  }
  const g = guardFor(resource, kind);
  const caller = authorizeCall(ctx, req, version, contentType, g.hasScope, g.opts);
  if ('status' in caller) return caller;
  const call: Call = {
    ctx,
    req,
    version,
    contentType,
    caller,
    fhirBase: `${req.origin}/${version}/fhir`,
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const res = detail(call, 405, `Method "${req.method}" not allowed.`);
    res.headers.allow = 'GET, HEAD, OPTIONS';
    return res;
  }
  return dispatch(
    call,
    resource,
    kind,
    kind === 'read' ? decodeURIComponent(rawId as string) : undefined,
  );
}
