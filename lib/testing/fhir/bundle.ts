import { randomUUID } from 'node:crypto';
import { fhirInstant, fhirInstantUtc } from '../data/format.js';

type Json = Record<string, unknown>;

/** What a searchset page needs. */
export interface PageSpec {
  /** `{base}/vN/fhir/{Resource}` (no trailing slash). */
  resourceUrl: string;
  /** Accepted client filters, repeated on every link. */
  filters: Array<[string, string]>;
  /** Parameters BB2 injects to bind the search to the token's patient. */
  binding: Array<[string, string]>;
  startIndex: number;
  count: number;
  total: number;
  lastUpdated: number;
}

const FORMAT: [string, string] = ['_format', 'application/fhir+json'];

function qs(pairs: Array<[string, string]>): string {
  return new URLSearchParams(pairs).toString();
}

/**
 * BFD `OffsetLinkBuilder` links, in its order: first, next (if more), previous (if not at 0),
 * last, then HAPI's self link (the request URL, keys sorted, with the trailing slash BB2 sends).
 */
export function pageLinks(p: PageSpec): Array<{ relation: string; url: string }> {
  const at = (start: number) =>
    `${p.resourceUrl}?${qs([
      FORMAT,
      ...p.filters,
      ['startIndex', String(start)],
      ['_count', String(p.count)],
      ...p.binding,
    ])}`;
  const links = [{ relation: 'first', url: at(0) }];
  if (p.startIndex + p.count < p.total) {
    links.push({ relation: 'next', url: at(p.startIndex + p.count) });
  }
  if (p.startIndex > 0) {
    links.push({ relation: 'previous', url: at(Math.max(p.startIndex - p.count, 0)) });
  }
  const last = p.total > 0 ? Math.floor((p.total - 1) / p.count) * p.count : 0;
  links.push({ relation: 'last', url: at(last) });
  const self: Array<[string, string]> = [
    ['_count', String(p.count)],
    FORMAT,
    ...p.filters,
    ...p.binding,
    ['startIndex', String(p.startIndex)],
  ];
  self.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  links.push({ relation: 'self', url: `${p.resourceUrl}/?${qs(self)}` });
  return links;
}

/** A searchset Bundle (no `entry` key when the page is empty, no `fullUrl` on entries). */
export function searchset(p: PageSpec, resources: Json[]): Json {
  const bundle: Json = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: fhirInstant(p.lastUpdated) },
    type: 'searchset',
    total: p.total,
    link: pageLinks(p),
  };
  if (resources.length > 0) bundle.entry = resources.map(resource => ({ resource }));
  return bundle;
}

/** What a BFD v3 searchset page needs. */
export interface V3PageSpec {
  /** `{base}/v3/fhir/{Resource}` (no trailing slash). */
  resourceUrl: string;
  /** The parameters BB2 sent BFD, in order (the self link repeats them). */
  forwarded: Array<[string, string]>;
  offset: number;
  count: number;
  /** True when another page follows (BFD v3 fetched one entry more than the page). */
  hasMore: boolean;
  /** The newest load (BFD v3's `LoadProgress` maximum). */
  lastUpdated: number;
}

/**
 * A BFD v3 searchset (`FhirUtil.getBundle` and HAPI's root properties): `next`/`previous` links
 * carry `_offset` (dropped at 0), HAPI's `self` link repeats the request, and `total` is given
 * only on the last page, where it counts that page's entries; an empty result has no `total`.
 */
export function searchsetV3(p: V3PageSpec, resources: Json[]): Json {
  const paging = p.forwarded.filter(([k]) => k !== '_offset' && k !== 'startIndex');
  const at = (offset: number) =>
    `${p.resourceUrl}/?${qs(offset === 0 ? paging : [...paging, ['_offset', String(offset)]])}`;
  const link: Array<{ relation: string; url: string }> = [];
  if (p.hasMore) link.push({ relation: 'next', url: at(Math.max(0, p.offset + p.count)) });
  if (p.offset > 0) link.push({ relation: 'previous', url: at(Math.max(0, p.offset - p.count)) });
  link.push({ relation: 'self', url: `${p.resourceUrl}/?${qs(p.forwarded)}` });
  const bundle: Json = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: fhirInstantUtc(p.lastUpdated) },
    type: 'searchset',
  };
  if (!p.hasMore && resources.length > 0) bundle.total = resources.length;
  bundle.link = link;
  if (resources.length > 0) bundle.entry = resources.map(resource => ({ resource }));
  return bundle;
}
