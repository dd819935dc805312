import { buildCoverage } from '../data/coverage.builder.js';
import { buildEob } from '../data/eob.builder.js';
import { buildPatient, DATA_LOADED_AT } from '../data/patient.builder.js';
import type { EmuResponse } from '../http/response.js';
import { NOT_FOUND, PERMISSION_DENIED } from '../oauth/messages.js';
import { searchset, searchsetV3 } from './bundle.js';
import { ok, setParam, type Call } from './call.js';
import { lastUpdatedMatches, serviceDateMatches } from './dates.js';
import { detail, upstream400 } from './errors.js';
import type { SearchQuery, SearchResource } from './params.js';
import { bb2V3Parameters, parseV3EobFilter, v3EobMatches } from './v3-eob.js';

type Json = Record<string, unknown>;

/** v1/v2 paging (BFD v2's `OffsetLinkBuilder`): `items` are cheap records, `build` makes resources. */
function pageV2<T>(
  call: Call,
  resource: SearchResource,
  q: SearchQuery,
  items: readonly T[],
  binding: Array<[string, string]>,
  filters: Array<[string, string]>,
  updatedAt: (item: T) => number,
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
  // BFD v2 `createBundle`: the newest of the load time and the page's own resources.
  let lastUpdated = call.ctx.claims.lastLoadAt;
  for (const item of slice) lastUpdated = Math.max(lastUpdated, updatedAt(item));
  const spec = {
    resourceUrl: `${call.fhirBase}/${resource}`,
    filters,
    binding,
    startIndex: q.startIndex,
    count: q.count,
    total,
    lastUpdated,
  };
  return ok(call, searchset(spec, slice.map(build)));
}

/** A v3 search without paging (BFD v3 Patient and Coverage): `self` link only, `total` = entries. */
function unpagedV3(
  call: Call,
  resource: SearchResource,
  q: SearchQuery,
  resources: Json[],
): EmuResponse {
  const forwarded = [...q.forwarded];
  setParam(forwarded, '_format', 'application/fhir+json');
  return ok(
    call,
    searchsetV3(
      {
        resourceUrl: `${call.fhirBase}/${resource}`,
        forwarded,
        offset: 0,
        count: resources.length,
        hasMore: false,
        lastUpdated: call.ctx.claims.lastLoadAt,
      },
      resources,
    ),
  );
}

/** `Patient` search: the token's own patient, by `_id` or `identifier` (BB2 adds `_id`). */
export function searchPatient(call: Call, q: SearchQuery): EmuResponse {
  const { caller, version } = call;
  const v3 = version === 'v3';
  // v1/v2 answer 404 before calling BFD; v3 leaves it to BFD, which finds no such patient here.
  if (q.id !== undefined && q.id !== caller.patientId && !v3) return detail(call, 404, NOT_FOUND);
  const patient = buildPatient(caller.bene, v3);
  let items = lastUpdatedMatches(DATA_LOADED_AT, q.lastUpdated) ? [patient] : [];
  if (q.id !== undefined && q.id !== caller.patientId) items = [];
  if (q.identifier !== undefined) {
    const wanted = q.identifier.includes('|') ? q.identifier.split('|') : [undefined, q.identifier];
    const ids = patient.identifier as Array<{ system: string; value: string }>;
    const hit = ids.some(i => i.value === wanted[1] && (!wanted[0] || i.system === wanted[0]));
    if (!hit) items = [];
  }
  if (v3) {
    if (q.id === undefined && q.identifier === undefined)
      q.forwarded.push(['_id', caller.patientId]);
    return unpagedV3(call, 'Patient', q, items);
  }
  const binding: Array<[string, string]> =
    q.id === undefined && q.identifier === undefined ? [['_id', caller.patientId]] : [];
  return pageV2(
    call,
    'Patient',
    q,
    items,
    binding,
    q.echo,
    () => DATA_LOADED_AT,
    r => r,
  );
}

/** `Coverage` search: the four Parts, each with its own `meta.lastUpdated` (loads reload them). */
export function searchCoverage(call: Call, q: SearchQuery): EmuResponse {
  const { caller, version, ctx } = call;
  if (q.beneficiary !== undefined) {
    const owns = new RegExp(`(^|/)${caller.patientId}$`).test(q.beneficiary.trim());
    if (!owns) return detail(call, 403, PERMISSION_DENIED);
  }
  const v3 = version === 'v3';
  const parts = ctx.claims
    .coverageTimes(caller.bene)
    .filter(p => lastUpdatedMatches(p.lastUpdated, q.lastUpdated));
  const build = (p: (typeof parts)[number]) =>
    buildCoverage(caller.bene, p.part, v3, p.lastUpdated);
  if (v3) {
    setParam(q.forwarded, 'beneficiary', `Patient/${caller.patientId}`);
    return unpagedV3(call, 'Coverage', q, parts.map(build));
  }
  const binding: Array<[string, string]> = [['beneficiary', `Patient/${caller.patientId}`]];
  return pageV2(call, 'Coverage', q, parts, binding, q.echo, p => p.lastUpdated, build);
}

/** `ExplanationOfBenefit` search on v1/v2 (BFD v2) or v3 (BFD v3, with BB2's v3 parameters). */
export function searchEob(call: Call, q: SearchQuery): EmuResponse {
  const { ctx, caller, version } = call;
  if (q.patient !== undefined && q.patient !== caller.patientId) {
    return detail(call, 403, PERMISSION_DENIED);
  }
  const index = ctx.claims.index(caller.bene);
  const types = q.types ? new Set(q.types) : undefined;
  const common = (h: (typeof index.sorted)[number]) =>
    (!types || types.has(h.type)) &&
    serviceDateMatches(h.endMs, q.serviceDate) &&
    lastUpdatedMatches(h.lastUpdated, q.lastUpdated);
  const v3 = version === 'v3';
  const build = (h: (typeof index.sorted)[number]) =>
    buildEob(h, { seed: ctx.seed, bene: caller.bene, v3 });
  if (!v3) {
    const headers = index.sorted.filter(common);
    const binding: Array<[string, string]> = [['patient', caller.patientId]];
    return pageV2(
      call,
      'ExplanationOfBenefit',
      q,
      headers,
      binding,
      q.echo,
      h => h.lastUpdated,
      build,
    );
  }
  const bb2 = bb2V3Parameters(q, caller.token, call.req.search.slice(1));
  const filter = parseV3EobFilter(bb2);
  if ('diagnostics' in filter) return upstream400(call, filter.diagnostics);
  const offset = q.offset ?? q.startIndex;
  // BFD v3 skips a negative offset with Stream.skip, which throws: its 500 is not JSON, so BB2 fails.
  if (offset < 0) throw new RangeError(`negative offset ${offset}`);
  const headers = index.sortedV3.filter(h => common(h) && v3EobMatches(h, filter));
  const forwarded = [...q.forwarded];
  setParam(forwarded, '_format', 'application/fhir+json');
  setParam(forwarded, 'patient', caller.patientId);
  for (const [k, v] of bb2.added) setParam(forwarded, k, v);
  if (caller.token.partDEobOnly) {
    for (let i = forwarded.length - 1; i >= 0; i--)
      if (forwarded[i]?.[0] === '_tag') forwarded.splice(i, 1);
  }
  const page = headers.slice(offset, offset + q.count);
  return ok(
    call,
    searchsetV3(
      {
        resourceUrl: `${call.fhirBase}/ExplanationOfBenefit`,
        forwarded,
        offset,
        count: q.count,
        hasMore: headers.length > offset + q.count,
        lastUpdated: ctx.claims.lastLoadAt,
      },
      page.map(build),
    ),
  );
}
