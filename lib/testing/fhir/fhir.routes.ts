import type { EmulatorContext } from '../context.js';
import { buildCoverage, COVERAGE_PARTS, parseCoverageId } from '../data/coverage.builder.js';
import { buildEob } from '../data/eob.builder.js';
import { buildInsuranceCard } from '../data/insurance-card.builder.js';
import { buildPatient, DATA_LOADED_AT } from '../data/patient.builder.js';
import { header, type EmuRequest } from '../http/request.js';
import { negotiate } from '../http/negotiation.js';
import { drfResponse, FHIR_JSON, pyJsonResponse, type EmuResponse } from '../http/response.js';
import { pyListRepr } from '../http/json.js';
import { NOT_FOUND, PERMISSION_DENIED } from '../oauth/messages.js';
import { allows, type ScopedResource } from '../oauth/scopes.js';
import type { ApiVersion } from '../oauth/store.js';
import { searchset } from './bundle.js';
import { authorizeCall, type Caller } from './guard.js';
import { capabilityStatement } from './metadata.js';
import { parseSearch, passes, type SearchQuery, type SearchResource } from './params.js';
import { smartConfiguration } from '../connect.routes.js';

type Json = Record<string, unknown>;

const RESOURCES: readonly ScopedResource[] = ['Patient', 'Coverage', 'ExplanationOfBenefit'];
const EOB_ID = /^(carrier|pde|dme|hha|hospice|inpatient|outpatient|snf)-(-?\d+)$/;
const INSURANCE_CARD = '$generate-insurance-card';

interface Call {
  ctx: EmulatorContext;
  req: EmuRequest;
  version: ApiVersion;
  contentType: string;
  caller: Caller;
  fhirBase: string;
}

function detail(call: Pick<Call, 'contentType'>, status: number, text: string): EmuResponse {
  return drfResponse(status, { detail: text }, call.contentType);
}

/** A 4xx relayed from BFD: BB2's `{msg}:{diagnostics}` on v1/v2, the OperationOutcome on v3. */
function upstream400(
  call: Pick<Call, 'contentType' | 'version'>,
  diagnostics: string,
): EmuResponse {
  if (call.version === 'v3') {
    return drfResponse(
      400,
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'processing', diagnostics }],
      },
      call.contentType,
    );
  }
  return detail(call, 400, `An error occurred contacting the upstream server:${diagnostics}`);
}

function ok(call: Call, body: Json): EmuResponse {
  const res = drfResponse(200, body, call.contentType);
  res.rateLimit = call.caller.rateLimit;
  return res;
}

/** Paging shared by the three searches; `items` are cheap records, `build` makes the resources. */
function page<T>(
  call: Call,
  resource: SearchResource,
  q: SearchQuery,
  items: readonly T[],
  binding: Array<[string, string]>,
  filters: Array<[string, string]>,
  lastUpdated: number,
  build: (item: T) => Json,
): EmuResponse {
  if (q.count === 0) return upstream400(call, "Invalid pageSize '0'");
  const total = items.length;
  if (total > 0 && q.startIndex >= total) {
    return upstream400(
      call,
      `Value for startIndex (${q.startIndex}) must be less than than result size (${total})`,
    );
  }
  const slice = items.slice(q.startIndex, q.startIndex + q.count);
  return ok(
    call,
    searchset(
      {
        resourceUrl: `${call.fhirBase}/${resource}`,
        filters,
        binding,
        startIndex: q.startIndex,
        count: q.count,
        total,
        lastUpdated,
      },
      slice.map(build),
    ),
  );
}

function searchPatient(call: Call, q: SearchQuery): EmuResponse {
  const { caller, version } = call;
  if (q.id !== undefined && q.id !== caller.patientId) return detail(call, 404, NOT_FOUND);
  const patient = buildPatient(caller.bene, version === 'v3');
  let items = passes(DATA_LOADED_AT, q.lastUpdated) ? [patient] : [];
  if (q.identifier !== undefined) {
    const wanted = q.identifier.includes('|') ? q.identifier.split('|') : [undefined, q.identifier];
    const ids = patient.identifier as Array<{ system: string; value: string }>;
    const hit = ids.some(i => i.value === wanted[1] && (!wanted[0] || i.system === wanted[0]));
    if (!hit) items = [];
  }
  const binding: Array<[string, string]> =
    q.id === undefined && q.identifier === undefined ? [['_id', caller.patientId]] : [];
  return page(call, 'Patient', q, items, binding, q.echo, DATA_LOADED_AT, r => r);
}

function searchCoverage(call: Call, q: SearchQuery): EmuResponse {
  const { caller, version } = call;
  if (q.beneficiary !== undefined) {
    const owns = new RegExp(`(^|/)${caller.patientId}$`).test(q.beneficiary.trim());
    if (!owns) return detail(call, 403, PERMISSION_DENIED);
  }
  const items = passes(DATA_LOADED_AT, q.lastUpdated) ? COVERAGE_PARTS : [];
  return page(
    call,
    'Coverage',
    q,
    items,
    [['beneficiary', `Patient/${caller.patientId}`]],
    q.echo,
    DATA_LOADED_AT,
    part => buildCoverage(caller.bene, part, version === 'v3'),
  );
}

function searchEob(call: Call, q: SearchQuery): EmuResponse {
  const { ctx, caller, version } = call;
  if (q.patient !== undefined && q.patient !== caller.patientId) {
    return detail(call, 403, PERMISSION_DENIED);
  }
  const index = ctx.claimIndex(caller.bene);
  const types = q.types ? new Set(q.types) : undefined;
  const headers = index.sorted.filter(
    h =>
      (!types || types.has(h.type)) &&
      passes(h.endMs, q.serviceDate) &&
      passes(h.lastUpdated, q.lastUpdated),
  );
  let lastUpdated = DATA_LOADED_AT;
  for (const h of headers) if (h.lastUpdated > lastUpdated) lastUpdated = h.lastUpdated;
  const filters = [...q.echo];
  if (version === 'v3') {
    // BB2 v3 forwards a default source filter and the SAMHSA exclusion chosen at consent.
    if (!filters.some(([k]) => k === '_tag' || k === '_source'))
      filters.push(['_source', 'NCH,DDPS']);
    if (!caller.token.shareSamhsa) filters.push(['_security:not', '42CFRPart2']);
  }
  const v3 = version === 'v3';
  return page(
    call,
    'ExplanationOfBenefit',
    q,
    headers,
    [['patient', caller.patientId]],
    filters,
    lastUpdated,
    h => buildEob(h, { seed: ctx.seed, bene: caller.bene, v3 }),
  );
}

function read(call: Call, resource: ScopedResource, id: string): EmuResponse {
  const { ctx, caller, version } = call;
  const v3 = version === 'v3';
  if (resource === 'Patient') {
    if (id !== caller.patientId) return detail(call, 404, NOT_FOUND);
    return ok(call, buildPatient(caller.bene, v3));
  }
  if (resource === 'Coverage') {
    const parsed = parseCoverageId(id);
    if (!parsed) {
      return upstream400(
        call,
        `Failed to call access method: java.lang.IllegalArgumentException: Unsupported ID pattern: ${id}`,
      );
    }
    if (parsed.patientId !== caller.patientId) return detail(call, 404, NOT_FOUND);
    return ok(call, buildCoverage(caller.bene, parsed.part, v3));
  }
  const index = ctx.claimIndex(caller.bene);
  let h = EOB_ID.test(id) ? index.byId.get(id) : undefined;
  if (!h && v3 && /^-?\d+$/.test(id)) h = index.byClaimId.get(id);
  if (!h && !EOB_ID.test(id) && !(v3 && /^-?\d+$/.test(id))) {
    return upstream400(
      call,
      `Failed to call access method: java.lang.IllegalArgumentException: Unsupported ID pattern: ${id}`,
    );
  }
  if (!h) return detail(call, 404, NOT_FOUND);
  return ok(call, buildEob(h, { seed: ctx.seed, bene: caller.bene, v3 }));
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
  const [resource, id, ...more] = path.split('/');
  if (!RESOURCES.includes(resource as ScopedResource) || more.length > 0) return undefined;
  const type = resource as ScopedResource;
  const card = version === 'v3' && type === 'Patient' && id === INSURANCE_CARD;
  const isRead = id !== undefined && id !== '' && !card;

  const contentType = negotiate(header(req, 'accept'));
  if (!contentType) {
    return drfResponse(406, { detail: 'Could not satisfy the request Accept header.' }, FHIR_JSON);
  }
  const caller = authorizeCall(ctx, req, version, contentType, scopes =>
    card
      ? allows(scopes, 'Patient', 'read') && allows(scopes, 'Coverage', 'search')
      : allows(scopes, type, isRead ? 'read' : 'search'),
  );
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
  if (card) return ok(call, buildInsuranceCard(caller.bene, call.fhirBase));
  if (isRead) return read(call, type, decodeURIComponent(id));

  const q = parseSearch(req.query, type, version === 'v3');
  if ('detail' in q) return q.upstream ? upstream400(call, q.detail) : detail(call, 400, q.detail);
  if (version === 'v3' && /handling\s*=\s*strict/i.test(header(req, 'prefer') ?? '')) {
    const unknown = q.unknown.filter(k => k !== '_format');
    if (unknown.length > 0) {
      return pyJsonResponse(400, { error: `Invalid parameters: ${pyListRepr(unknown)}` });
    }
  }
  if (type === 'Patient') return searchPatient(call, q);
  if (type === 'Coverage') return searchCoverage(call, q);
  return searchEob(call, q);
}
