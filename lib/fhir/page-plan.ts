import type { Bundle } from 'fhir/r4.js';
import { BlueButtonConfigError, PaginationError } from '../errors/bluebutton.errors.js';

/**
 * Largest `total` believed. One beneficiary's claims over a lifetime are in the tens of thousands;
 * ten million is far beyond any real search and far below what would make the plan arithmetic
 * imprecise. A first page claiming more is refused before anything is fetched.
 */
export const MAX_PLAUSIBLE_TOTAL = 10_000_000;

/** BB2's largest `_count` (`MAX_PAGE_SIZE`), the default size of the pages after the first. */
export const MAX_PAGE_SIZE = 50;

/** The `_count` of the pages after the first: a number of entries, or `'server'` to keep the link's. */
export type PageSize = number | 'server';

/**
 * The remaining pages of a startIndex-paged search (BFD's offset paging). Nothing is materialized:
 * the URL of page `index` is computed when asked for, so a plan of any length costs the same.
 */
export interface PagePlan {
  /** How many pages remain after the first. */
  readonly length: number;
  /** The URL of remaining page `index` (0-based): the template with its `startIndex` and `_count`. */
  url(index: number): URL;
  /** How many entries page `index` holds if the `total` is right. */
  entries(index: number): number;
}

/** Where the remaining pages start, how many entries each holds, and how many entries there are. */
export interface PagePlanParams {
  total: number;
  start: number;
  count: number;
}

/**
 * How the pages after the first are fetched: a plan fetched several at a time, or `next` links
 * followed one by one from `next`.
 */
export type PagingRoute = { plan: PagePlan } | { next: URL };

/**
 * The route to the pages after `first`, whose `next` link is `next`. An offset-paged link
 * (`startIndex`, or v3's `_offset`) is re-sized to `pageSize` entries. A startIndex-paged search
 * whose first page states its `total` is planned when `concurrency` > 1; every other search
 * follows `next` (v3 gives `total` on its last page only, and a cursor link is followed as given).
 * Throws `PaginationError` when the link's or the first page's numbers are impossible.
 */
export function routeRemainingPages(
  first: Bundle,
  next: URL,
  { pageSize, concurrency }: { pageSize: PageSize; concurrency: number },
): PagingRoute {
  const offsetName = ['_offset', 'startIndex'].find(name => next.searchParams.has(name));
  if (!offsetName) return { next };
  const start = numberParam(next, offsetName);
  checkStart(start, offsetName);
  const linkCount = next.searchParams.has('_count') ? numberParam(next, '_count') : undefined;
  if (linkCount !== undefined) checkCount(linkCount);
  const count = pageSize === 'server' ? linkCount : pageSize;
  if (count === undefined) return { next };
  const resized = new URL(next);
  resized.searchParams.set('_count', String(count));
  if (offsetName !== 'startIndex' || concurrency < 2 || first.total === undefined) {
    return { next: resized };
  }
  const plan = planPages(resized, { total: first.total, start, count });
  // A total that leaves nothing after a page linking to more is wrong; the link wins.
  return plan.length > 0 ? { plan } : { next: resized };
}

/**
 * The plan of the pages from `start` to `total`, `count` entries each, built on `template` (any
 * search URL of the same query). Throws `PaginationError` for a negative or fractional start, a
 * count below 1, or an implausible total.
 */
export function planPages(template: URL, { total, start, count }: PagePlanParams): PagePlan {
  if (!Number.isSafeInteger(total) || total < 0 || total > MAX_PLAUSIBLE_TOTAL) {
    throw new PaginationError(
      `The first page claims an implausible total (not a whole number between 0 and ${MAX_PLAUSIBLE_TOTAL}); no page was fetched`,
    );
  }
  checkStart(start);
  checkCount(count);
  const length = start >= total ? 0 : Math.ceil((total - start) / count);
  const startOf = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= length)
      throw new RangeError(`PagePlan: no page ${index} in a plan of ${length}`);
    return start + index * count;
  };
  return {
    length,
    url(index: number): URL {
      const url = new URL(template);
      url.searchParams.set('startIndex', String(startOf(index)));
      url.searchParams.set('_count', String(count));
      return url;
    },
    entries: index => Math.min(count, total - startOf(index)),
  };
}

/** Checks the `pageSize` option: `'server'` or a whole number from 1 to BB2's maximum, 50. */
export function checkPageSize(pageSize: PageSize): void {
  if (pageSize === 'server') return;
  if (Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE) return;
  throw new BlueButtonConfigError(
    [
      {
        key: 'pageSize',
        reason: `must be 'server' or a whole number from 1 to ${MAX_PAGE_SIZE} (BB2's largest _count); got ${String(pageSize)}`,
      },
    ],
    undefined,
    'Invalid page options',
  );
}

function checkStart(start: number, name = 'startIndex'): void {
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new PaginationError(
      `The next link has a negative or non-integer ${name}; no page was fetched`,
    );
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PLAUSIBLE_TOTAL) {
    throw new PaginationError(
      'The next link has a _count that is not a whole number of at least 1; no page was fetched',
    );
  }
}

/** A query parameter as a number (NaN when it is not one). */
function numberParam(url: URL, name: string): number {
  const value = url.searchParams.get(name) ?? '';
  return /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
}
