import type { Bundle } from 'fhir/r4.js';
import { PaginationError } from 'nestjs-bluebutton';
import { lastValueFrom, of, toArray } from 'rxjs';
import { paginate, type PaginateOptions } from '../../lib/fhir/paginate.js';
import { planFromFirstPage, planPages } from '../../lib/fhir/page-plan.js';
import { fakeToken } from '../support/bluebutton.js';

/** The paginator and its planner as units: no HTTP, a fetcher that answers at once. */

const token = fakeToken();
const BASE = 'https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit';

/** The page a BFD-style server gives for `url`, out of `total` entries. */
function pageAt(url: URL, total: number): Bundle {
  const start = Number(url.searchParams.get('startIndex') ?? 0);
  const count = Number(url.searchParams.get('_count') ?? 10);
  const ids = Array.from(
    { length: Math.max(0, Math.min(count, total - start)) },
    (_, i) => start + i,
  );
  const next =
    start + count < total ? `${BASE}?_count=${count}&startIndex=${start + count}` : undefined;
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    entry: ids.map(id => ({ resource: { resourceType: 'ExplanationOfBenefit', id: `eob-${id}` } })),
    link: next ? [{ relation: 'next', url: next }] : [],
  };
}

/** Options with a synchronous fetcher (a cache, a test double) that records what it was asked. */
function syncOptions(total: number, concurrency: number, fetched: string[]): PaginateOptions {
  return {
    fetchPage: url => {
      fetched.push(url.searchParams.get('startIndex')!);
      return of({ token, data: pageAt(url, total), status: 200 });
    },
    resolve: link => new URL(link),
    concurrency,
    maxPages: 100_000,
    failAtMaxPages: true,
  };
}

describe('paginate with a fetcher that answers synchronously', () => {
  // Issue 12's latent bug: the concurrent path read its own subscription (`sub`) before it was
  // assigned when the fetch completed synchronously — an out-of-band ReferenceError, and a stream
  // that never completed.
  it.each([1, 2, 4])(
    'completes with every page in order, each fetched once (pageConcurrency %i)',
    async concurrency => {
      const fetched: string[] = [];
      const first = pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 45);
      const pages = await lastValueFrom(
        paginate(first, token, syncOptions(45, concurrency, fetched)).pipe(toArray()),
      );
      expect(pages.flatMap(p => p.data.entry!.map(e => e.resource!.id))).toEqual(
        Array.from({ length: 45 }, (_, i) => `eob-${i}`),
      );
      expect(fetched).toEqual(['10', '20', '30', '40']);
    },
  );

  it.each([1, 4])(
    'does not recurse per page: 20,000 synchronous pages (pageConcurrency %i)',
    async concurrency => {
      const fetched: string[] = [];
      const first = pageAt(new URL(`${BASE}?_count=1&startIndex=0`), 20_000);
      const pages = await lastValueFrom(
        paginate(first, token, syncOptions(20_000, concurrency, fetched)).pipe(toArray()),
      );
      expect([pages.length, fetched.length]).toEqual([20_000, 19_999]);
    },
  );
});

describe('the page plan', () => {
  it('costs nothing until a URL is asked for: a 10,000,000-page plan', () => {
    const plan = planPages(new URL(`${BASE}?_count=1&startIndex=0&patient=-1`), {
      total: 10_000_000,
      start: 0,
      count: 1,
    });
    expect(plan.length).toBe(10_000_000);
    expect(plan.url(9_999_999).search).toBe('?_count=1&startIndex=9999999&patient=-1');
    expect(() => plan.url(10_000_000)).toThrow(RangeError);
  });

  it('can re-page a search at another _count (what a paginator fetching at _count=50 needs)', () => {
    const plan = planPages(new URL(`${BASE}?_count=10&startIndex=10`), {
      total: 120,
      start: 10,
      count: 50,
    });
    expect(Array.from({ length: plan.length }, (_, i) => plan.url(i).search)).toEqual([
      '?_count=50&startIndex=10',
      '?_count=50&startIndex=60',
      '?_count=50&startIndex=110',
    ]);
  });

  it('leaves searches that are not startIndex-paged to next-following', () => {
    const first = pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 45);
    expect(
      planFromFirstPage({ ...first, total: undefined }, new URL(`${BASE}?_count=10&startIndex=10`)),
    ).toBeUndefined();
    expect(planFromFirstPage(first, new URL(`${BASE}?cursor=abc`))).toBeUndefined();
    expect(() => planFromFirstPage(first, new URL(`${BASE}?_count=x&startIndex=10`))).toThrow(
      PaginationError,
    );
  });
});
