import type { Bundle } from 'fhir/r4.js';
import { once } from 'node:events';
import { PaginationError, type AuthorizationToken } from 'nestjs-bluebutton';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { HostileServer, type Answer } from '../support/hostile-server.js';
import { SecretLedger } from '../support/secret-ledger.js';
import { bootAgainst, failure, recordWireSecrets, type HostileApp } from './harness.js';

/**
 * Families 2 and 3: a first page cannot make the planner do unbounded work, and no server can
 * keep a paginator going: the page cap ends a search with PaginationError, and so does a page that
 * promises more but adds no new resource. (The memory side is in memory.spec.ts.)
 */

const EOB = '/v2/fhir/ExplanationOfBenefit';
const ledger = new SecretLedger();
let server: HostileServer;
let app: HostileApp;
let token: AuthorizationToken;

beforeAll(async () => {
  server = await HostileServer.start();
  app = await bootAgainst(server, ledger);
});
afterEach(() => recordWireSecrets(server, ledger));
beforeEach(() => {
  server.reset();
  token = ledger.token();
});
afterAll(async () => {
  await app?.close();
  await server?.close();
  ledger.expectClean('pagination');
});

const eob = (id: string) => ({ resource: { resourceType: 'ExplanationOfBenefit' as const, id } });

/** A searchset page with these resource ids and, optionally, a next link. */
function page(ids: string[], next?: string, total?: number): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total !== undefined && { total }),
    entry: ids.map(eob),
    link: next ? [{ relation: 'next', url: next }] : [],
  };
}

/** Serves `build(n)` (n counts the requests from 0) as a JSON page. */
const pages =
  (build: (n: number) => Bundle): Answer =>
  (_req, res, n) => {
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(build(n)));
  };

const nextUrl = (query: string) => `${server.baseUrl}${EOB}?${query}`;

describe('the page plan (family 2)', () => {
  it.each([
    ['total 1e9 with _count=1', '_count=1&startIndex=1', 1e9],
    ['total 2^60', '_count=10&startIndex=10', 2 ** 60],
    ['a fractional total', '_count=10&startIndex=10', 25.5],
    ['a negative total', '_count=10&startIndex=10', -5],
    ['startIndex=-1e9', '_count=10&startIndex=-1000000000', 100],
    ['startIndex=1.5', '_count=10&startIndex=1.5', 100],
    ['_count=0', '_count=0&startIndex=10', 100],
    ['_count=-10', '_count=-10&startIndex=10', 100],
  ])('a first page with %s → PaginationError before any request', async (_, query, total) => {
    server.route(
      EOB,
      pages(n => page([`eob-${n + 1}`])),
    );
    const first = page(['eob-0'], nextUrl(query), total);
    const error = ledger.error(
      await failure(() => lastValueFrom(app.fhir.pages(first, token).pipe(toArray()))),
    );
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as Error).message).toMatch(/no page was fetched/);
    expect(server.requestsTo(EOB)).toHaveLength(0);
  });

  it('plans lazily: a per-call maxPages of 3 on a 4,999,999-page plan sends 2 requests and completes', async () => {
    server.route(EOB, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify(page([`eob-${req.url.searchParams.get('startIndex')}`])));
    });
    const first = page(['eob-0'], nextUrl('_count=1&startIndex=1'), 5_000_000);
    // pageSize 'server': the plan at the link's own _count=1 (this server ignores _count).
    const got = await lastValueFrom(
      app.fhir
        .pages(first, token, { maxPages: 3, pageConcurrency: 2, pageSize: 'server' })
        .pipe(toArray()),
    );
    expect(got.map(p => p.data.entry?.[0]?.resource?.id)).toEqual(['eob-0', 'eob-1', 'eob-2']);
    expect(server.requestsTo(EOB)).toHaveLength(2);
  });
});

describe('pagination that never ends (family 3)', () => {
  it('the module cap (maxPages) ends a 50-page plan with PaginationError after its pages, having sent maxPages − 1 requests', async () => {
    const capped = await bootAgainst(server, ledger, { maxPages: 5 });
    try {
      server.route(EOB, (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
        res.end(JSON.stringify(page([`eob-${req.url.searchParams.get('startIndex')}`])));
      });
      const first = page(['eob-0'], nextUrl('_count=1&startIndex=1'), 50);
      const seen: string[] = [];
      const error = ledger.error(
        await failure(() =>
          lastValueFrom(
            capped.fhir
              .pages(first, token, { pageSize: 'server' })
              .pipe(tap(p => seen.push(p.data.entry![0]!.resource!.id!))),
          ),
        ),
      );
      expect(error).toBeInstanceOf(PaginationError);
      expect((error as Error).message).toMatch(/more than 5 pages \(maxPages\)/);
      expect(seen).toEqual(['eob-0', 'eob-1', 'eob-2', 'eob-3', 'eob-4']);
      expect(server.requestsTo(EOB)).toHaveLength(4);
    } finally {
      await capped.close();
    }
  });

  it.each([
    ['the same resources', (n: number) => page(['eob-0', 'eob-1'], nextUrl(`dummy=${n + 1}`))],
    ['no resources at all', (n: number) => page([], nextUrl(`dummy=${n + 1}`))],
  ])(
    'next links that change a dummy parameter, pages with %s → PaginationError after 1 request',
    async (_, build) => {
      server.route(EOB, pages(build));
      const first = page(['eob-0', 'eob-1'], nextUrl('dummy=0'));
      const error = ledger.error(
        await failure(() => lastValueFrom(app.fhir.getPages(first, token))),
      );
      expect(error).toBeInstanceOf(PaginationError);
      expect((error as Error).message).toMatch(
        /adds no resource .* the server is paging in a loop/,
      );
      expect(server.requestsTo(EOB)).toHaveLength(1);
    },
  );

  it('planned pages that repeat the first page → PaginationError once the first planned page arrives (4 requests in flight)', async () => {
    server.route(
      EOB,
      pages(() => page(['eob-0'])),
    );
    const first = page(['eob-0'], nextUrl('_count=1&startIndex=1'), 100);
    const error = ledger.error(
      await failure(() =>
        lastValueFrom(app.fhir.pages(first, token, { pageConcurrency: 4, pageSize: 'server' })),
      ),
    );
    expect(error).toBeInstanceOf(PaginationError);
    expect(server.requestsTo(EOB)).toHaveLength(4);
  });

  it('still pages normally: 3 pages of distinct resources, the last without a next link', async () => {
    server.route(
      EOB,
      pages(n => page([`eob-${n + 1}`], n < 1 ? nextUrl(`page=${n + 2}`) : undefined)),
    );
    const { pages: got } = await lastValueFrom(
      app.fhir.getPages(page(['eob-0'], nextUrl('page=1')), token),
    );
    expect(got.map(p => p.entry?.[0]?.resource?.id)).toEqual(['eob-0', 'eob-1', 'eob-2']);
    expect(server.requestsTo(EOB)).toHaveLength(2);
  });
});

/** A BFD-like server: entries `startIndex`…`startIndex + _count − 1` of `total`, and next links. */
const offsetPages =
  (total: number): Answer =>
  (req, res) => {
    const start = Number(req.url.searchParams.get('startIndex'));
    const count = Number(req.url.searchParams.get('_count'));
    const ids = Array.from(
      { length: Math.min(count, total - start) },
      (_, i) => `eob-${start + i}`,
    );
    const more = start + count < total;
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(
      JSON.stringify(
        page(ids, more ? nextUrl(`_count=${count}&startIndex=${start + count}`) : undefined, total),
      ),
    );
  };

describe('the default plan, re-paged at _count=50 (issue 16)', () => {
  it('keeps the module cap: maxPages 5 on a 100,000-entry search sends 4 requests of 50, then PaginationError', async () => {
    const capped = await bootAgainst(server, ledger, { maxPages: 5 });
    try {
      server.route(EOB, offsetPages(100_000));
      const ids = Array.from({ length: 10 }, (_, i) => `eob-${i}`);
      const first = page(ids, nextUrl('_count=10&startIndex=10'), 100_000);
      const seen: string[] = [];
      const error = ledger.error(
        await failure(() =>
          lastValueFrom(
            capped.fhir
              .pages(first, token)
              .pipe(tap(p => seen.push(...p.data.entry!.map(e => e.resource!.id!)))),
          ),
        ),
      );
      expect(error).toBeInstanceOf(PaginationError);
      expect(seen).toEqual(Array.from({ length: 210 }, (_, i) => `eob-${i}`));
      expect(server.requestsTo(EOB).map(r => r.url.search)).toEqual([
        '?_count=50&startIndex=10',
        '?_count=50&startIndex=60',
        '?_count=50&startIndex=110',
        '?_count=50&startIndex=160',
      ]);
    } finally {
      await capped.close();
    }
  });

  it('planned pages that repeat the first page → PaginationError at the first one (2 requests)', async () => {
    server.route(
      EOB,
      pages(() => page(['eob-0'])),
    );
    const first = page(['eob-0'], nextUrl('_count=1&startIndex=1'), 100);
    const error = ledger.error(await failure(() => lastValueFrom(app.fhir.pages(first, token))));
    expect(error).toBeInstanceOf(PaginationError);
    expect(server.requestsTo(EOB)).toHaveLength(2);
  });

  it('a server that ignores _count: its short page ends the plan, and the page planned past it is cancelled', async () => {
    let bothArrived!: () => void;
    const arrived = new Promise<void>(resolve => (bothArrived = resolve));
    let cancelled!: Promise<unknown>;
    server.route(EOB, async (req, res) => {
      if (req.url.searchParams.get('startIndex') === '1') {
        await arrived;
        res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
        res.end(JSON.stringify(page(['eob-1'])));
      } else {
        cancelled = once(res, 'close');
        bothArrived();
      }
    });
    const first = page(['eob-0'], nextUrl('_count=1&startIndex=1'), 100);
    const { pages: got } = await lastValueFrom(app.fhir.getPages(first, token));
    expect(got.map(p => p.entry?.map(e => e.resource?.id))).toEqual([['eob-0'], ['eob-1']]);
    await cancelled;
    const cut = server.seen.map((r, i) => [r.url.search, server.answers[i]!.cutShort]);
    expect(cut.sort()).toEqual([
      ['?_count=50&startIndex=1', false],
      ['?_count=50&startIndex=51', true],
    ]);
  });
});
