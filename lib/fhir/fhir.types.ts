import type { AuthorizationToken } from '../auth/authorization-token.js';

/** Every data call answers with the data, its HTTP status, and the token in force after the call. */
export interface FhirResponse<T> {
  /** The token in force after the call: the one given, or its refreshed successor. */
  token: AuthorizationToken;
  /** The parsed JSON body. */
  data: T;
  /** The HTTP status (2xx). */
  status: number;
}

/** One resource of a paginated search, with the token in force when its page arrived. */
export interface FhirResource<T> {
  resource: T;
  token: AuthorizationToken;
}

/** The claim types Blue Button accepts in the EOB `type` parameter. */
export type ClaimType =
  'carrier' | 'pde' | 'dme' | 'hha' | 'hospice' | 'inpatient' | 'outpatient' | 'snf';

/** A query parameter value; arrays repeat the parameter (except `type`, which is comma-joined). */
export type SearchValue = string | number | boolean | readonly (string | number)[] | undefined;

/** Parameters every search accepts. */
export interface CommonSearchParams {
  /** Page size, 0–50 (Blue Button's default is 10). */
  _count?: number;
  /** Offset of the first entry. */
  startIndex?: number;
  /** `lt|le|gt|ge` + a date, repeatable for a range, e.g. `['ge2024-01-01', 'lt2025-01-01']`. */
  _lastUpdated?: string | readonly string[];
  /** Any other parameter (Blue Button drops the ones it does not know). */
  [name: string]: SearchValue;
}

/** ExplanationOfBenefit search parameters (the `_`-prefixed ones after `service-date`: API v3 only). */
export interface EobSearchParams extends CommonSearchParams {
  /** Claim types, OR-ed: `'carrier'`, `['inpatient', 'outpatient']`, or the eob-type `system|code` form. */
  type?: ClaimType | readonly ClaimType[] | string;
  /** `lt|le|gt|ge` + a date on the billable period, repeatable for a range. */
  'service-date'?: string | readonly string[];
  /**
   * v3: claim sources, comma-separated ORs, repeated ANDs: `'NCH,DDPS'` (BB2's default when
   * neither `_source` nor `_tag` is given), `'FISS,MCS'` for claims still in a shared system.
   */
  _source?: string | readonly string[];
  /**
   * v3: `system|code` tags, comma-separated ORs, repeated ANDs, e.g.
   * `https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action|FinalAction`.
   */
  _tag?: string | readonly string[];
  /** v3: security labels to exclude, e.g. `'42CFRPart2'` (substance-use-disorder claims). */
  '_security:not'?: string;
  /**
   * v3: security labels to match. BB2's schema forwards only the `:not` form today, so it drops
   * this one silently, or answers 400 with `strict`.
   */
  _security?: string | readonly string[];
  /** v3: offset of the first entry (BFD v3's paging; `startIndex` on v1/v2). */
  _offset?: number;
}

/** Per-call options of the data calls. */
export interface FhirCallOptions {
  /**
   * Send `Prefer: handling=strict`: Blue Button then answers 400 to a parameter it does not know
   * instead of dropping it (honoured on API v3). Default: the module's `strict` option.
   */
  strict?: boolean;
}

/** The `connect/userinfo` profile (needs the `profile` scope). */
export interface UserInfo {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  /** Account creation time, an ISO string. */
  iat?: string;
  patient: string;
}

/** Options of the paginators. */
export interface PageOptions {
  /** Pages fetched at once (default: the configured `pageConcurrency`, 4); 1 follows `next` links one by one. */
  pageConcurrency?: number;
  /**
   * The `_count` of the pages after the first when the search pages by offset (`startIndex`, or
   * v3's `_offset`): default 50, BB2's largest, so 2,000 claims paged at 10 take 1 + 40 requests
   * instead of 200. `'server'` keeps the size of the server's `next` links: pages exactly as the
   * server returns them.
   */
  pageSize?: number | 'server';
  /**
   * Stop quietly after this many pages (the first included; the others hold `pageSize` entries).
   * Without it the module's `maxPages` cap (default 1000) applies, and a search with more pages
   * ends with `PaginationError`.
   */
  maxPages?: number;
}

/** Serializes search parameters: arrays repeat the parameter, `type` lists are comma-joined. */
export function toSearchParams(params: Record<string, SearchValue> = {}): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (key === 'type') out.append(key, value.join(','));
      else for (const v of value) out.append(key, String(v));
    } else out.append(key, String(value));
  }
  return out;
}
