import type { Bundle, ExplanationOfBenefit } from 'fhir/r4.js';
import { PaginationError, type AuthorizationToken } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import {
  bootBlueButton,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let token: AuthorizationToken;
let first: Bundle<ExplanationOfBenefit>;

beforeAll(async () => {
  emu = await startEmulator({ beneficiaries: [{ username: 'BBUser20000', eobCount: 120 }] });
  bb = await bootBlueButton(emu);
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(async () => {
  emu.faults.clear();
  token = await login(bb.auth);
  first = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token))).data;
  emu.clearRequests();
});

const pageGets = () => emu.requestsTo('/v2/fhir/ExplanationOfBenefit', 'GET');
const ids = (pages: Bundle[]) => pages.flatMap(p => (p.entry ?? []).map(e => e.resource!.id));

/** The reference: follow `next` by hand, one page at a time. */
async function followNextByHand(bundle: Bundle, t: AuthorizationToken): Promise<Bundle[]> {
  const pages = [bundle];
  for (let link = bundle.link?.find(l => l.relation === 'next')?.url; link;) {
    const page = (await firstValueFrom(bb.fhir.getCustomData<Bundle>(link, t))).data;
    pages.push(page);
    link = page.link?.find(l => l.relation === 'next')?.url;
  }
  return pages;
}

it('getPages on the 52-EOB beneficiary matches sequential next-following, refreshing an expiring token once', async () => {
  const reference = await followNextByHand(first, token);
  expect(reference).toHaveLength(6);
  emu.clearRequests();

  const { pages, token: after } = await lastValueFrom(bb.fhir.getPages(first, expiredCopy(token)));
  expect(ids(pages)).toEqual(ids(reference));
  expect(ids(pages)).toHaveLength(52);
  expect(emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST')).toHaveLength(1);
  expect(after.accessToken).not.toBe(token.accessToken);
  // Every page after the refresh went out with the new token.
  expect(new Set(pageGets().map(r => r.headers.authorization))).toEqual(
    new Set([`Bearer ${after.accessToken}`]),
  );
});

it('fetches pageConcurrency pages at once and still emits them in order', async () => {
  const heavy = await login(bb.auth, { user: 'BBUser20000' });
  const start = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(heavy))).data;
  emu.clearRequests();
  // Requests the server holds at once: counted from arrival until the answer is written.
  const target = { path: '/v2/fhir/ExplanationOfBenefit', method: 'GET' } as const;
  let open = 0;
  let mostOpen = 0;
  const stopCounting = [
    emu.onRequest(target, () => void (mostOpen = Math.max(mostOpen, ++open)), { times: Infinity }),
    emu.onRequest(target, () => void open--, { phase: 'after', times: Infinity }),
  ];
  emu.faults.setLatency(target, 120);
  try {
    const pages = await lastValueFrom(
      bb.fhir.pages(start, heavy, { pageConcurrency: 4, pageSize: 'server' }).pipe(toArray()),
    );
    expect(
      pages.map(
        p => p.data.link?.find(l => l.relation === 'self')?.url.match(/startIndex=(\d+)/)?.[1],
      ),
    ).toEqual(Array.from({ length: 12 }, (_, i) => String(i * 10)));
    // 11 requests, each held 120 ms by the server: 4 of them at once at most, never more.
    expect([pageGets().length, mostOpen]).toEqual([11, 4]);
  } finally {
    for (const stop of stopCounting) stop();
    emu.faults.setLatency(target, null);
  }
});

it("follows next strictly with pageConcurrency 1 and pageSize 'server'", async () => {
  const pages = await lastValueFrom(
    bb.fhir.pages(first, token, { pageConcurrency: 1, pageSize: 'server' }).pipe(toArray()),
  );
  expect(pages).toHaveLength(6);
  expect(pageGets().map(r => new URL(r.url, 'http://x').searchParams.get('startIndex'))).toEqual([
    '10',
    '20',
    '30',
    '40',
    '50',
  ]);
});

it('streams resources in order with resources(), each with the token in force', async () => {
  const streamed = await lastValueFrom(
    bb.fhir.resources<ExplanationOfBenefit>(first, token).pipe(toArray()),
  );
  expect(streamed.map(r => r.resource.id)).toEqual(ids(await followNextByHand(first, token)));
  expect(streamed.every(r => r.token.accessToken === token.accessToken)).toBe(true);
});

it('stops after maxPages, counting pages of the size asked for', async () => {
  const heavy = await login(bb.auth, { user: 'BBUser20000' });
  const start = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(heavy))).data;
  emu.clearRequests();
  const pages = await lastValueFrom(bb.fhir.pages(start, heavy, { maxPages: 2 }).pipe(toArray()));
  expect(pages.map(p => p.data.entry?.length)).toEqual([10, 50]);
  expect(pageGets()).toHaveLength(1);
  emu.clearRequests();
  const small = await lastValueFrom(
    bb.fhir.pages(first, token, { maxPages: 3, pageSize: 'server' }).pipe(toArray()),
  );
  expect([small.length, pageGets().length]).toEqual([3, 2]);
});

it('detects a next link that loops', async () => {
  const looping = {
    ...first,
    total: undefined,
    link: [
      {
        relation: 'next',
        url: `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit?_count=10&startIndex=0`,
      },
    ],
  };
  // Page at startIndex=0 links (next) to startIndex=10, which the emulator serves normally; force a loop
  // by making the server answer the second request with a page whose next link repeats the first URL.
  // Each page brings a resource of its own, so only the repeated URL gives the loop away.
  const loopPage = (id: string) => ({
    status: 200,
    body: {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'ExplanationOfBenefit', id } }],
      link: [
        { relation: 'next', url: looping.link[0].url.replace('startIndex=0', 'startIndex=5') },
      ],
    },
  });
  emu.faults.enqueue('/v2/fhir/ExplanationOfBenefit', [loopPage('loop-a'), loopPage('loop-b')]);
  await expect(
    lastValueFrom(bb.fhir.pages(looping, token, { pageConcurrency: 1 })),
  ).rejects.toBeInstanceOf(PaginationError);
  expect(pageGets()).toHaveLength(2);
});

it('cancels the requests in flight when the subscriber unsubscribes', async () => {
  const heavy = await login(bb.auth, { user: 'BBUser20000' });
  const start = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(heavy))).data;
  emu.clearRequests();
  emu.faults.setLatency({ path: '/v2/fhir/ExplanationOfBenefit', method: 'GET' }, 100);
  try {
    // Take the first page and one more; the paginator has 4 requests in flight when the second arrives.
    const pages = await lastValueFrom(
      bb.fhir
        .pages(start, heavy, { pageConcurrency: 4, pageSize: 'server' })
        .pipe(take(2), toArray()),
    );
    expect(pages).toHaveLength(2);
    await new Promise(r => setTimeout(r, 250));
    // Without cancellation all 11 remaining pages would have been requested by now.
    expect(pageGets().length).toBeLessThanOrEqual(8);
  } finally {
    emu.faults.setLatency({ path: '/v2/fhir/ExplanationOfBenefit', method: 'GET' }, null);
  }
});
