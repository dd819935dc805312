import type { Bundle, ExplanationOfBenefit } from 'fhir/r4.js';
import { BlueButtonConfigError, type AuthorizationToken } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ClaimPages } from '../../docs/examples/claim-pages.js';
import {
  bootBlueButton,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/**
 * Issue 16: the pages after the first are fetched at _count=50 (BB2's largest), planned from the
 * first page, whatever size the first page used; `pageSize: 'server'` keeps the server's pages;
 * `next` links take over wherever the plan cannot be trusted.
 */

const EOB = '/v2/fhir/ExplanationOfBenefit';
let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let token: AuthorizationToken;

beforeAll(async () => {
  emu = await startEmulator({
    v3Enabled: true,
    beneficiaries: [
      { username: 'BBUser20000', eobCount: 120 },
      { username: 'BBUser20001', eobCount: 2000 },
    ],
  });
  bb = await bootBlueButton(emu);
  token = await login(bb.auth, { user: 'BBUser20000' });
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  emu.clearRequests();
});

const ids = (pages: Bundle[]) => pages.flatMap(p => (p.entry ?? []).map(e => e.resource!.id!));
/** `startIndex/_count` of every page GET, in the order they reached the emulator. */
const pageGets = (path = EOB) =>
  emu.requestsTo(path, 'GET').map(r => `${r.query.get('startIndex')}/${r.query.get('_count')}`);
/** The same by startIndex: requests sent together may reach the emulator in any order. */
const sortedGets = () => pageGets().sort((a, b) => parseInt(a, 10) - parseInt(b, 10));

/** The first page at `_count`, then the requests log cleared. */
async function firstPage(count: number, t = token): Promise<Bundle<ExplanationOfBenefit>> {
  const first = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(t, { _count: count })))
    .data;
  emu.clearRequests();
  return first;
}

/** The reference order: the server's own pages of 10, followed one by one. */
async function serverOrder(): Promise<string[]> {
  const first = await firstPage(10);
  const { pages } = await lastValueFrom(
    bb.fhir.getPages(first, token, { pageSize: 'server', pageConcurrency: 1 }),
  );
  emu.clearRequests();
  return ids(pages);
}

it('2,000 EOBs whose first page used _count=10: 1 + 40 requests instead of 200, in the server’s order', async () => {
  const heavy = await login(bb.auth, { user: 'BBUser20001' });
  const first = await firstPage(10, heavy);
  const { pages } = await lastValueFrom(bb.fhir.getPages(first, heavy));
  expect(sortedGets()).toEqual(Array.from({ length: 40 }, (_, i) => `${10 + 50 * i}/50`));
  expect(ids(pages)).toHaveLength(2000);
  expect(new Set(ids(pages)).size).toBe(2000);
  // The emulator sorts EOBs as BFD does (by claim id, then type): the same order, end to end.
  const sorted = [...ids(pages)].sort((a, b) => {
    const [ta, ca] = a.split('--');
    const [tb, cb] = b.split('--');
    return ca! < cb! ? -1 : ca! > cb! ? 1 : ta! < tb! ? -1 : ta! > tb! ? 1 : 0;
  });
  expect(ids(pages)).toEqual(sorted);
});

it('no gap and no duplicate when the first page used 10: the rest starts at startIndex=10 with _count=50', async () => {
  const reference = await serverOrder();
  const first = await firstPage(10);
  const got = await lastValueFrom(bb.fhir.resources(first, token).pipe(toArray()));
  expect(sortedGets()).toEqual(['10/50', '60/50', '110/50']);
  expect(got.map(r => (r.resource as ExplanationOfBenefit).id)).toEqual(reference);
  expect(reference).toHaveLength(120);
});

it('continues from where any first page ended (_count=7: startIndex=7, then steps of 50)', async () => {
  const reference = await serverOrder();
  const { pages } = await lastValueFrom(bb.fhir.getPages(await firstPage(7), token));
  expect(sortedGets()).toEqual(['7/50', '57/50', '107/50']);
  expect(pages.map(p => p.entry?.length)).toEqual([7, 50, 50, 13]);
  expect(ids(pages)).toEqual(reference);
});

it('the README example (docs/examples/claim-pages.ts): 1 + 3 requests, or the server’s 6 pages of 20', async () => {
  const example = new ClaimPages(bb.fhir);
  const all = await example.all(token);
  expect(emu.requestsTo(EOB, 'GET')).toHaveLength(4);
  emu.clearRequests();
  const served = await example.asServed(token);
  expect(served.pages.map(p => p.entry?.length)).toEqual(Array(6).fill(20));
  expect(ids(served.pages)).toEqual(ids(all.pages));
});

it("pageSize: 'server' keeps the server's pages exactly: 11 more pages of 10", async () => {
  const first = await firstPage(10);
  const { pages } = await lastValueFrom(bb.fhir.getPages(first, token, { pageSize: 'server' }));
  expect(sortedGets()).toEqual(Array.from({ length: 11 }, (_, i) => `${10 * (i + 1)}/10`));
  expect(pages.map(p => p.entry?.length)).toEqual(Array(12).fill(10));
});

it('a numeric pageSize sets the size of the remaining pages; a size BB2 would refuse is a config error', async () => {
  const first = await firstPage(10);
  await lastValueFrom(bb.fhir.getPages(first, token, { pageSize: 25 }));
  expect(sortedGets()).toEqual(['10/25', '35/25', '60/25', '85/25', '110/25']);
  for (const pageSize of [0, 51, 2.5]) {
    const error = await firstValueFrom(bb.fhir.pages(first, token, { pageSize })).catch(e => e);
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect(error.message).toContain(`pageSize: must be 'server' or a whole number from 1 to 50`);
  }
});

it('with pageConcurrency 1, the re-sized next links are followed one by one', async () => {
  const first = await firstPage(10);
  await lastValueFrom(bb.fhir.getPages(first, token, { pageConcurrency: 1 }));
  expect(pageGets()).toEqual(['10/50', '60/50', '110/50']);
});

describe('when the first page’s total cannot be trusted (“do not rely on Bundle.total”)', () => {
  it('no total: the re-sized next links are followed one at a time', async () => {
    const reference = await serverOrder();
    const first = { ...(await firstPage(10)), total: undefined };
    emu.faults.setLatency({ path: EOB, method: 'GET' }, 30);
    const { pages } = await lastValueFrom(bb.fhir.getPages(first, token));
    expect(ids(pages)).toEqual(reference);
    const gets = emu.requestsTo(EOB, 'GET');
    expect(gets.map(r => r.query.get('startIndex'))).toEqual(['10', '60', '110']);
    // One at a time: each request arrived after the previous one's 30 ms answer.
    expect(gets.every((r, i) => i === 0 || r.receivedAt - gets[i - 1]!.receivedAt >= 25)).toBe(
      true,
    );
  });

  it('a total too small: the page that disagrees with the plan hands over to its next link', async () => {
    const reference = await serverOrder();
    const first = { ...(await firstPage(10)), total: 70 };
    const { pages } = await lastValueFrom(bb.fhir.getPages(first, token));
    // Planned: 10 and 60 (a page of 10 expected: 70 − 60); 60 brought 50 entries, so its next
    // link (110) follows.
    expect(sortedGets()).toEqual(['10/50', '60/50', '110/50']);
    expect(ids(pages)).toEqual(reference);
  });

  it('a total too large: the short page ends the search; later pages (400s past the end) are dropped', async () => {
    const reference = await serverOrder();
    const first = { ...(await firstPage(10)), total: 400 };
    const { pages } = await lastValueFrom(bb.fhir.getPages(first, token));
    expect(ids(pages)).toEqual(reference);
    // The first 4 were sent at once; 160 got a 400 (startIndex ≥ 120), after 110 ended the search.
    expect(pageGets().slice(0, 4).sort()).toEqual(['10/50', '110/50', '160/50', '60/50']);
  });
});

/** An enqueued emulator answer: a one-entry page linking to `next`. */
const cursorPage = (id: string, next?: string) => ({
  status: 200,
  body: {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [{ resource: { resourceType: 'ExplanationOfBenefit', id } }],
    link: next ? [{ relation: 'next', url: next }] : [],
  },
});

describe('links that are not startIndex-shaped: next links are followed', () => {
  it('v3 pages by _offset and gives no total: followed one by one, re-sized to _count=50', async () => {
    const v3 = await bootBlueButton(emu, {
      version: 3,
      scopes: ['patient/ExplanationOfBenefit.rs'],
    });
    try {
      const t3 = await login(v3.auth, { user: 'BBUser20000' });
      const first = (await firstValueFrom(v3.fhir.getExplanationOfBenefitData(t3))).data;
      expect([first.total, first.link?.find(l => l.relation === 'next')?.url]).toEqual([
        undefined,
        expect.stringMatching(/[?&]_offset=10(&|$)/),
      ]);
      emu.clearRequests();
      const all = await lastValueFrom(v3.fhir.getPages(first, t3));
      const gets = emu.requestsTo('/v3/fhir/ExplanationOfBenefit', 'GET');
      expect(gets.map(r => `${r.query.get('_offset')}/${r.query.get('_count')}`)).toEqual([
        '10/50',
        '60/50',
        '110/50',
      ]);
      const byServer = await lastValueFrom(v3.fhir.getPages(first, t3, { pageSize: 'server' }));
      expect(ids(all.pages)).toEqual(ids(byServer.pages));
      expect(new Set(ids(all.pages)).size).toBe(ids(all.pages).length);
    } finally {
      await v3.close();
    }
  });

  it('a cursor link is followed as given, its _count untouched', async () => {
    const cursor = (n: number) => `${emu.baseUrl}${EOB}?_count=10&cursor=c${n}`;
    const first: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 30,
      entry: [{ resource: { resourceType: 'ExplanationOfBenefit', id: 'eob-0' } }],
      link: [{ relation: 'next', url: cursor(1) }],
    };
    emu.faults.enqueue(EOB, [cursorPage('eob-1', cursor(2)), cursorPage('eob-2')]);
    const { pages } = await lastValueFrom(bb.fhir.getPages(first, token));
    expect(ids(pages)).toEqual(['eob-0', 'eob-1', 'eob-2']);
    expect(emu.requestsTo(EOB, 'GET').map(r => r.url)).toEqual([
      `${EOB}?_count=10&cursor=c1`,
      `${EOB}?_count=10&cursor=c2`,
    ]);
  });
});
