import { CLAIM_TYPES, type ClaimType } from '../data/claim-counts.js';
import { EOB_TYPE_SYSTEM } from '../data/codes.js';

/** A `lt|le|gt|ge` date filter as a half-open range [lo, hi) of epoch ms. */
export interface DateFilter {
  op: 'lt' | 'le' | 'gt' | 'ge';
  lo: number;
  hi: number;
}

/** Search parameters after BB2's voluptuous schema (unknown ones dropped). */
export interface SearchQuery {
  count: number;
  startIndex: number;
  /** Accepted filters as the client spelled them, in request order, to repeat in links. */
  echo: Array<[string, string]>;
  lastUpdated: DateFilter[];
  serviceDate: DateFilter[];
  types?: ClaimType[];
  id?: string;
  identifier?: string;
  patient?: string;
  beneficiary?: string;
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
const V3_EOB = ['_tag', '_source', '_security:not', '_offset'];

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** FHIR date/dateTime → [lo, hi) at its own precision; undefined when malformed. */
export function parseDateRange(value: string): { lo: number; hi: number } | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, tz] = m;
  const year = Number(y);
  if (mo === undefined) return { lo: Date.UTC(year, 0, 1), hi: Date.UTC(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (month < 0 || month > 11) return undefined;
  if (d === undefined) return { lo: Date.UTC(year, month, 1), hi: Date.UTC(year, month + 1, 1) };
  const day = Number(d);
  const lo = Date.UTC(year, month, day);
  if (new Date(lo).getUTCDate() !== day) return undefined;
  if (hh === undefined) return { lo, hi: lo + 86400000 };
  let offset = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    offset = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  }
  const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
  const t =
    Date.UTC(year, month, day, Number(hh), Number(mi), ss === undefined ? 0 : Number(ss)) +
    ms -
    offset;
  if (Number.isNaN(t)) return undefined;
  return { lo: t, hi: t + (ss === undefined ? 60000 : frac ? 1 : 1000) };
}

/** True when `value` (epoch ms) passes every filter. */
export function passes(value: number, filters: readonly DateFilter[]): boolean {
  for (const f of filters) {
    const ok =
      f.op === 'lt'
        ? value < f.lo
        : f.op === 'le'
          ? value < f.hi
          : f.op === 'gt'
            ? value >= f.hi
            : value >= f.lo;
    if (!ok) return false;
  }
  return true;
}

function intParam(v: string): number | undefined {
  return /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

function dateFilters(values: string[], name: string): { filters: DateFilter[] } | ParamError {
  const filters: DateFilter[] = [];
  for (const v of values) {
    const m = /^(lt|le|gt|ge)(.*)$/.exec(v);
    if (!m) return { detail: `the ${name} operator is not valid` };
    const range = parseDateRange(m[2] as string);
    if (!range) {
      return { detail: `Invalid date/time format: "${m[2] as string}"`, upstream: true };
    }
    filters.push({ op: m[1] as DateFilter['op'], ...range });
  }
  return { filters };
}

/** Validates and normalises a search query exactly as BB2 does (reference §3.2). */
export function parseSearch(
  query: URLSearchParams,
  resource: SearchResource,
  v3: boolean,
): SearchQuery | ParamError {
  const allowed = new Set(ALLOWED[resource]);
  if (v3 && resource === 'ExplanationOfBenefit') for (const k of V3_EOB) allowed.add(k);
  const unknown = [...new Set([...query.keys()].filter(k => !allowed.has(k)))];

  const countRaw = query.get('_count') ?? query.get('count');
  let count = 10;
  if (countRaw !== null) {
    const n = intParam(countRaw);
    if (n === undefined) return { detail: 'expected int' };
    if (n > 50) return { detail: 'value must be at most 50' };
    if (n < 0) return { detail: 'value must be at least 0' };
    count = n;
  }
  const startRaw = query.get('startIndex') ?? (v3 ? query.get('_offset') : null);
  let startIndex = 0;
  if (startRaw !== null) {
    const n = intParam(startRaw);
    if (n === undefined) return { detail: 'expected int' };
    if (n < 0) return { detail: 'value must be at least 0' };
    startIndex = n;
  }

  const echo: Array<[string, string]> = [];
  const lu = allowed.has('_lastUpdated') ? query.getAll('_lastUpdated') : [];
  const luParsed = dateFilters(lu, '_lastUpdated');
  if ('detail' in luParsed) return luParsed;
  for (const v of lu) echo.push(['_lastUpdated', v]);

  const sd = allowed.has('service-date') ? query.getAll('service-date') : [];
  const sdParsed = dateFilters(sd, 'service-date');
  if ('detail' in sdParsed) return sdParsed;
  for (const v of sd) echo.push(['service-date', v]);

  let types: ClaimType[] | undefined;
  const typeRaw = allowed.has('type') ? query.get('type') : null;
  if (typeRaw !== null) {
    types = [];
    for (const part of typeRaw.split(',')) {
      let t = part.trim().toLowerCase();
      const prefix = `${EOB_TYPE_SYSTEM}|`.toLowerCase();
      if (t.startsWith(prefix)) t = t.slice(prefix.length);
      if (!(CLAIM_TYPES as readonly string[]).includes(t)) {
        return { detail: 'the type parameter value is not valid' };
      }
      types.push(t as ClaimType);
    }
    echo.push(['type', typeRaw]);
  }

  const single = (k: string) => (allowed.has(k) ? (query.get(k) ?? undefined) : undefined);
  for (const k of ['_id', 'identifier', '_tag', '_source', '_security:not']) {
    const v = single(k);
    if (v !== undefined) echo.push([k, v]);
  }
  return {
    count,
    startIndex,
    echo,
    lastUpdated: luParsed.filters,
    serviceDate: sdParsed.filters,
    types,
    id: single('_id'),
    identifier: single('identifier'),
    patient: single('patient'),
    beneficiary: single('beneficiary'),
    unknown,
  };
}
