import { randomUUID } from 'node:crypto';
import { fhirInstant } from '../data/format.js';

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
