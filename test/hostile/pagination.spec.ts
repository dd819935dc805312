import type { Bundle } from 'fhir/r4.js';
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
    const got = await lastValueFrom(
      app.fhir.pages(first, token, { maxPages: 3, pageConcurrency: 2 }).pipe(toArray()),
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
              .pages(first, token)
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
      await failure(() => lastValueFrom(app.fhir.pages(first, token, { pageConcurrency: 4 }))),
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
