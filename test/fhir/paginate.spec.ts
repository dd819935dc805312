import type { Bundle } from 'fhir/r4.js';
import { PaginationError } from 'nestjs-bluebutton';
import { delay, lastValueFrom, mergeMap, of, tap, throwError, timer, toArray } from 'rxjs';
import { paginate, type PaginateOptions } from '../../lib/fhir/paginate.js';
import { planPages, routeRemainingPages, type PageSize } from '../../lib/fhir/page-plan.js';
import { entryCount } from '../../lib/fhir/page-run.js';
import { fakeToken } from '../support/bluebutton.js';

/** The paginator and its planner as units: no HTTP, a fetcher that answers at once. */

const token = fakeToken();
const BASE = 'https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit';

/** The page a BFD-style server gives for `url`, out of `total` entries (at most `maxCount`). */
function pageAt(url: URL, total: number, maxCount = 50): Bundle {
  const start = Number(url.searchParams.get('startIndex') ?? 0);
  const count = Math.min(maxCount, Number(url.searchParams.get('_count') ?? 10));
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
function syncOptions(
  total: number,
  concurrency: number,
  fetched: string[],
  {
    pageSize = 'server',
    maxCount = 50,
    delayMs,
  }: {
    pageSize?: PageSize;
    maxCount?: number;
    /** Answer later (ms, by startIndex) instead of at once. */
    delayMs?: (start: number) => number;
  } = {},
): PaginateOptions {
  return {
    fetchPage: url => {
      fetched.push(`${url.searchParams.get('startIndex')}/${url.searchParams.get('_count')}`);
      const start = Number(url.searchParams.get('startIndex'));
      // BFD refuses a startIndex past the end.
      const answer =
        start >= total
          ? throwError(() => new Error(`startIndex ${start} past the end`))
          : of({ token, data: pageAt(url, total, maxCount), status: 200 });
      return delayMs ? timer(delayMs(start)).pipe(mergeMap(() => answer)) : answer;
    },
    resolve: link => new URL(link),
    concurrency,
    pageSize,
    maxPages: 100_000,
    failAtMaxPages: true,
  };
}

const allIds = (total: number) => Array.from({ length: total }, (_, i) => `eob-${i}`);
const idsOf = (pages: { data: Bundle }[]) =>
  pages.flatMap(p => p.data.entry!.map(e => e.resource!.id));

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
      expect(idsOf(pages)).toEqual(allIds(45));
      expect(fetched).toEqual(['10/10', '20/10', '30/10', '40/10']);
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

describe('the default plan at _count=50, checked page by page', () => {
  it.each([1, 4])('re-pages a search paged at 10 (pageConcurrency %i)', async concurrency => {
    const fetched: string[] = [];
    const first = pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 145);
    const options = syncOptions(145, concurrency, fetched, { pageSize: 50 });
    const pages = await lastValueFrom(paginate(first, token, options).pipe(toArray()));
    expect(idsOf(pages)).toEqual(allIds(145));
    expect(fetched).toEqual(['10/50', '60/50', '110/50']);
  });

  it('a server that caps _count at 20: its first short page hands over to its next links', async () => {
    const fetched: string[] = [];
    const first = pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 145);
    const options = syncOptions(145, 4, fetched, { pageSize: 50, maxCount: 20 });
    const pages = await lastValueFrom(paginate(first, token, options).pipe(toArray()));
    expect(idsOf(pages)).toEqual(allIds(145));
    // Answered at once, the plan's first page (20 entries, not 50) hands over to its next links.
    expect(fetched).toEqual(['10/50', '30/20', '50/20', '70/20', '90/20', '110/20', '130/20']);
  });

  it('a total too large: pages planned past the end fail, and their errors are dropped', async () => {
    const fetched: string[] = [];
    const first = { ...pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 75), total: 1000 };
    // Later pages answer first: the errors of 110 and 160 arrive before the short page 60.
    const options = syncOptions(75, 4, fetched, { pageSize: 50, delayMs: s => 20 - s / 10 });
    const pages = await lastValueFrom(paginate(first, token, options).pipe(toArray()));
    expect(idsOf(pages)).toEqual(allIds(75));
    expect(fetched).toEqual(['10/50', '60/50', '110/50', '160/50']);
  });

  it('an error on a page the search still needs fails the search, in its turn', async () => {
    const fetched: string[] = [];
    const first = pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 145);
    // 60 fails first; the search emits page 10 (slower) before failing, and starts nothing more.
    const options = syncOptions(145, 2, fetched, {
      pageSize: 50,
      delayMs: s => (s === 10 ? 15 : 1),
    });
    const fetchPage = options.fetchPage;
    options.fetchPage = (url, t) =>
      url.searchParams.get('startIndex') === '60'
        ? (fetched.push('60/50'), throwError(() => new Error('page 60 failed')).pipe(delay(1)))
        : fetchPage(url, t);
    const emitted: number[] = [];
    const search = paginate(first, token, options).pipe(tap(p => emitted.push(entryCount(p.data))));
    await expect(lastValueFrom(search)).rejects.toThrow('page 60 failed');
    expect([emitted, fetched]).toEqual([
      [10, 50],
      ['10/50', '60/50'],
    ]);
  });
});

/** Where `routeRemainingPages` sends a 45-entry search whose first page links to `next`. */
const route = (next: string, total: number | undefined, pageSize: PageSize = 50) => {
  const first = { ...pageAt(new URL(`${BASE}?_count=10&startIndex=0`), 45), total };
  const r = routeRemainingPages(first, new URL(`${BASE}?${next}`), { pageSize, concurrency: 4 });
  return 'plan' in r
    ? { plan: Array.from({ length: r.plan.length }, (_, i) => r.plan.url(i).search) }
    : { next: r.next.search };
};

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

  it('plans a startIndex-paged search with a total, re-sized to pageSize', () => {
    expect(route('_count=10&startIndex=10', 45)).toEqual({
      plan: ['?_count=50&startIndex=10'],
    });
    expect(route('_count=10&startIndex=10', 45, 'server')).toEqual({
      plan: [
        '?_count=10&startIndex=10',
        '?_count=10&startIndex=20',
        '?_count=10&startIndex=30',
        '?_count=10&startIndex=40',
      ],
    });
  });

  it('follows next links when the search cannot be planned', () => {
    // No total (BB2: "do not rely on Bundle.total"): re-sized, followed.
    expect(route('_count=10&startIndex=10', undefined)).toEqual({
      next: '?_count=50&startIndex=10',
    });
    // A total that leaves nothing after a page linking to more: the link wins.
    expect(route('_count=10&startIndex=10', 10)).toEqual({ next: '?_count=50&startIndex=10' });
    // v3 pages by _offset (and gives its total on the last page only): re-sized, followed.
    expect(route('_count=10&_offset=10', 45)).toEqual({ next: '?_count=50&_offset=10' });
    // A cursor, or an offset link without _count under 'server': as given.
    expect(route('cursor=abc&_count=10', 45)).toEqual({ next: '?cursor=abc&_count=10' });
    expect(route('startIndex=10', 45, 'server')).toEqual({ next: '?startIndex=10' });
  });

  it("refuses a link's impossible numbers, whatever the page size asked for", () => {
    for (const next of [
      '_count=x&startIndex=10',
      '_count=0&startIndex=10',
      '_count=10&_offset=-1',
    ]) {
      expect(() => route(next, 45)).toThrow(PaginationError);
    }
  });
});
