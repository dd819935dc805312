import type { Bundle } from 'fhir/r4.js';
import { PaginationError } from '../errors/bluebutton.errors.js';

/**
 * Largest `total` believed. One beneficiary's claims over a lifetime are in the tens of thousands;
 * ten million is far beyond any real search and far below what would make the plan arithmetic
 * imprecise. A first page claiming more is refused before anything is fetched.
 */
export const MAX_PLAUSIBLE_TOTAL = 10_000_000;

/**
 * The remaining pages of a startIndex-paged search (BFD's offset paging). Nothing is materialized:
 * the URL of page `index` is computed when asked for, so a plan of any length costs the same.
 */
export interface PagePlan {
  /** How many pages remain after the first. */
  readonly length: number;
  /** The URL of remaining page `index` (0-based): the template with its `startIndex` and `_count`. */
  url(index: number): URL;
}

/** Where the remaining pages start, how many entries each holds, and how many entries there are. */
export interface PagePlanParams {
  total: number;
  start: number;
  count: number;
}

/**
 * The plan of a search whose first page states its `total` and whose `next` link pages by
 * `startIndex` and `_count`; undefined when it does not (then `next` links are followed one by
 * one). Throws `PaginationError` when those numbers are impossible.
 */
export function planFromFirstPage(first: Bundle, next: URL): PagePlan | undefined {
  if (first.total === undefined || !next.searchParams.has('startIndex')) return undefined;
  if (!next.searchParams.has('_count')) return undefined;
  return planPages(next, {
    total: first.total,
    start: numberParam(next, 'startIndex'),
    count: numberParam(next, '_count'),
  });
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
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new PaginationError(
      'The next link has a negative or non-integer startIndex; no page was fetched',
    );
  }
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PLAUSIBLE_TOTAL) {
    throw new PaginationError(
      'The next link has a _count that is not a whole number of at least 1; no page was fetched',
    );
  }
  const length = start >= total ? 0 : Math.ceil((total - start) / count);
  return {
    length,
    url(index: number): URL {
      if (!Number.isInteger(index) || index < 0 || index >= length)
        throw new RangeError(`PagePlan.url: no page ${index} in a plan of ${length}`);
      const url = new URL(template);
      url.searchParams.set('startIndex', String(start + index * count));
      url.searchParams.set('_count', String(count));
      return url;
    },
  };
}

/** A query parameter as a number (NaN when it is not one). */
function numberParam(url: URL, name: string): number {
  const value = url.searchParams.get(name) ?? '';
  return /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
}
