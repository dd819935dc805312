import { CLAIM_TYPES, type ClaimType } from '../data/claim-counts.js';
import { EOB_TYPE_SYSTEM } from '../data/codes.js';
import { dateRange, type DatePrefix, type DateRange } from './dates.js';

/** Search parameters after BB2's voluptuous schema (unknown ones dropped). */
export interface SearchQuery {
  count: number;
  startIndex: number;
  /** v3 `_offset` (BFD v3 prefers it to `startIndex`). */
  offset?: number;
  /** Accepted filters as the client spelled them, in request order, to repeat in v1/v2 links. */
  echo: Array<[string, string]>;
  lastUpdated: DateRange;
  serviceDate: DateRange;
  types?: ClaimType[];
  id?: string;
  identifier?: string;
  patient?: string;
  beneficiary?: string;
  /** v3 `_tag` values (each an AND group of comma-separated ORs). */
  tags: string[];
  /** v3 `_source` values (likewise). */
  sources: string[];
  /** v3 `_security:not` (voluptuous `str`: the last value). */
  securityNot?: string;
  /** What BB2 forwards to BFD (its filtered client parameters), for v3 links. */
  forwarded: Array<[string, string]>;
  /** Names of parameters the schema does not know (for `Prefer: handling=strict` on v3). */
  unknown: string[];
}

/** A 400 from BB2's own validation (`detail`) or one relayed from BFD (`upstream`). */
export interface ParamError {
  detail: string;
  upstream?: boolean;
}

/** The three searchable resource types. */
export type SearchResource = 'Patient' | 'Coverage' | 'ExplanationOfBenefit';

const COMMON = ['_count', 'count', 'startIndex', '_lastUpdated'];
const ALLOWED: Record<SearchResource, string[]> = {
  Patient: [...COMMON, '_id', 'identifier'],
  Coverage: [...COMMON, 'beneficiary'],
  ExplanationOfBenefit: [...COMMON, 'service-date', 'type', 'patient'],
};
/** In BB2's EOB schema for every version; only BFD v3 knows them, so v1/v2 ignore them here. */
const V3_EOB = ['_tag', '_source', '_security:not', '_offset'];

function intParam(v: string): number | undefined {
  return /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

function dates(values: string[], name: string): DateRange | ParamError {
  const parsed: Array<{ prefix: DatePrefix; raw: string }> = [];
  for (const v of values) {
    const m = /^(lt|le|gt|ge)(.+)$/.exec(v);
    if (!m) return { detail: `the ${name} operator is not valid` };
    parsed.push({ prefix: m[1] as DatePrefix, raw: m[2] as string });
  }
  const range = dateRange(parsed);
  return 'diagnostics' in range ? { detail: range.diagnostics, upstream: true } : range;
}

function parseTypes(raw: string): ClaimType[] | ParamError {
  const types: ClaimType[] = [];
  for (const part of raw.split(',')) {
    let t = part.trim().toLowerCase();
    const prefix = `${EOB_TYPE_SYSTEM}|`.toLowerCase();
    if (t.startsWith(prefix)) t = t.slice(prefix.length);
    if (!(CLAIM_TYPES as readonly string[]).includes(t)) {
      return { detail: 'the type parameter value is not valid' };
    }
    types.push(t as ClaimType);
  }
  return types;
}

function pagingInts(
  query: URLSearchParams,
  v3: boolean,
): { count: number; startIndex: number; offset?: number } | ParamError {
  const countRaw = query.get('_count') ?? query.get('count');
  let count = 10;
  if (countRaw !== null) {
    const n = intParam(countRaw);
    if (n === undefined) return { detail: 'expected int' };
    if (n > 50) return { detail: 'value must be at most 50' };
    if (n < 0) return { detail: 'value must be at least 0' };
    count = n;
  }
  const startRaw = query.get('startIndex');
  let startIndex = 0;
  if (startRaw !== null) {
    const n = intParam(startRaw);
    if (n === undefined) return { detail: 'expected int' };
    // v1/v2 have always refused a negative startIndex; v3 forwards it (BFD v3 then fails).
    if (n < 0 && !v3) return { detail: 'value must be at least 0' };
    startIndex = n;
  }
  const offsetRaw = v3 ? query.get('_offset') : null;
  if (offsetRaw === null) return { count, startIndex };
  const offset = intParam(offsetRaw);
  if (offset === undefined) return { detail: 'expected int' };
  return { count, startIndex, offset };
}

/**
 * Validates and normalises a search query exactly as BB2 does
 * (https://github.com/CMSgov/bluebutton-web-server/blob/master/apps/fhir/bluebutton/views/search.py).
 */
export function parseSearch(
  query: URLSearchParams,
  resource: SearchResource,
  v3: boolean,
): SearchQuery | ParamError {
  const allowed = new Set(ALLOWED[resource]);
  if (v3 && resource === 'ExplanationOfBenefit') for (const k of V3_EOB) allowed.add(k);
  const unknown = [...new Set([...query.keys()].filter(k => !allowed.has(k)))];
  const paging = pagingInts(query, v3);
  if ('detail' in paging) return paging;

  const echo: Array<[string, string]> = [];
  const lu = query.getAll('_lastUpdated');
  const lastUpdated = dates(lu, '_lastUpdated');
  if ('detail' in lastUpdated) return lastUpdated;
  for (const v of lu) echo.push(['_lastUpdated', v]);

  const sd = allowed.has('service-date') ? query.getAll('service-date') : [];
  const serviceDate = dates(sd, 'service-date');
  if ('detail' in serviceDate) return serviceDate;
  for (const v of sd) echo.push(['service-date', v]);

  let types: ClaimType[] | undefined;
  const typeRaw = allowed.has('type') ? query.get('type') : null;
  if (typeRaw !== null) {
    const t = parseTypes(typeRaw);
    if ('detail' in t) return t;
    types = t;
    echo.push(['type', typeRaw]);
  }

  const single = (k: string) =>
    allowed.has(k) ? (query.getAll(k).at(-1) ?? undefined) : undefined;
  for (const k of ['_id', 'identifier', '_tag', '_source', '_security:not']) {
    const v = single(k);
    if (v !== undefined) echo.push([k, v]);
  }
  const forwarded = [...query].filter(([k]) => allowed.has(k) && k !== 'count');
  if (!forwarded.some(([k]) => k === '_count')) forwarded.push(['_count', String(paging.count)]);
  return {
    ...paging,
    echo,
    lastUpdated,
    serviceDate,
    types,
    id: single('_id'),
    identifier: single('identifier'),
    patient: single('patient'),
    beneficiary: single('beneficiary'),
    tags: allowed.has('_tag') ? query.getAll('_tag') : [],
    sources: allowed.has('_source') ? query.getAll('_source') : [],
    securityNot: single('_security:not'),
    forwarded,
    unknown,
  };
}
