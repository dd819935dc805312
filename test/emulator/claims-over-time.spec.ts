import { BlueButtonEmulator, ClaimLoadError } from 'nestjs-bluebutton/testing';
import { BASE_LOAD_AT } from '../../lib/testing/data/claims.js';
import { basic, call, getWith, postForm } from './helpers.js';

const EOB2 = '/v2/fhir/ExplanationOfBenefit';
const EOB3 = '/v3/fhir/ExplanationOfBenefit';
const SCOPE = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs';
const T = Date.parse('2026-03-02T12:00:00.000Z');
const q = (s: string) => encodeURIComponent(s);
const at = (ms: number) => q(new Date(ms).toISOString());

describe('emulator: claims that change over time', () => {
  let emu: BlueButtonEmulator;
  let now = T;
  let v2: string;
  let v3: string;
  const json = (c: string, body: unknown) =>
    call(`${emu.baseUrl}/__emulator/${c}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    // A frozen clock: every load lands on an exact, known instant.
    emu = await BlueButtonEmulator.start({ v3Enabled: true, clock: { now: () => now } });
    // A second app: a new authorization deletes the (app, beneficiary) pair's earlier tokens.
    emu.registerClient({
      clientId: 'V'.repeat(40),
      clientSecret: 'v3-secret',
      redirectUris: ['http://localhost:3000/callback'],
      v3EarlyAdopter: true,
    });
  });
  beforeEach(async () => {
    emu.reset();
    now = T;
    v2 = emu.issueToken({ user: 'BBUser00001' }).access_token;
    v3 = emu.issueToken({
      user: 'BBUser00001',
      clientId: 'V'.repeat(40),
      version: 'v3',
      scope: SCOPE,
    }).access_token;
  });
  afterAll(() => emu.close());

  it('adds and updates claims and reloads Coverage at the clock’s time; _lastUpdated=gt finds exactly those', async () => {
    const before = (await getWith(emu, `${EOB2}?_count=50`, v2)).json();
    expect(Date.parse(before.meta.lastUpdated)).toBe(BASE_LOAD_AT);
    const oldest = before.entry
      .map((e: any) => e.resource)
      .sort((a: any, b: any) => Date.parse(a.meta.lastUpdated) - Date.parse(b.meta.lastUpdated))[0];

    const load = emu.loadClaims({
      user: 'BBUser00001',
      add: { carrier: 2, pde: 1 },
      update: 1,
      coverage: ['part-d'],
    });
    expect([load.loadedAtMs, load.loadedAt]).toEqual([T, '2026-03-02T08:00:00.000-04:00']);
    const [mine] = load.beneficiaries;
    expect(mine!.added.map(c => c.type)).toEqual(['carrier', 'carrier', 'pde']);
    expect(mine!.updated.map(c => c.id)).toEqual([oldest.id]);
    expect(mine!.coverage).toEqual(['part-d--19990000000002']);

    const delta = (
      await getWith(emu, `${EOB2}?_lastUpdated=gt${q(before.meta.lastUpdated)}`, v2)
    ).json();
    expect(Date.parse(delta.meta.lastUpdated)).toBe(T);
    expect(delta.entry.map((e: any) => e.resource.id).sort()).toEqual(
      [...mine!.added.map(c => c.id), oldest.id].sort(),
    );
    const updated = delta.entry.find((e: any) => e.resource.id === oldest.id).resource;
    expect(updated.meta.lastUpdated).toBe('2026-03-02T08:00:00.000-04:00');
    expect(updated.payment.amount.value).not.toBe(oldest.payment.amount.value);
    // Claims are dated one to two weeks back.
    const added = delta.entry.find((e: any) => e.resource.id === mine!.added[0]!.id).resource;
    expect(T - Date.parse(added.billablePeriod.start)).toBeGreaterThanOrEqual(7 * 86400000);

    const v3delta = (
      await getWith(emu, `${EOB3}?_lastUpdated=gt${q(before.meta.lastUpdated)}`, v3)
    ).json();
    expect(v3delta.meta.lastUpdated).toBe('2026-03-02T12:00:00.000+00:00');
    expect(v3delta.entry.map((e: any) => e.resource.id).sort()).toEqual(
      [...mine!.added.map(c => c.v3Id), mine!.updated[0]!.v3Id].sort(),
    );
    const cov = (await getWith(emu, `/v2/fhir/Coverage?_lastUpdated=ge2026-01-01`, v2)).json();
    expect(cov.entry.map((e: any) => [e.resource.id, e.resource.meta.lastUpdated])).toEqual([
      ['part-d--19990000000002', '2026-03-02T08:00:00.000-04:00'],
    ]);
    expect(emu.beneficiary('BBUser00001')!.eobCount).toBe(before.total + 3);
  });

  it('compares _lastUpdated as BFD does (HAPI 8 bounds: gt adds one unit, lt takes one ms, dates widen)', async () => {
    emu.loadClaims({ user: 'BBUser00001', add: { carrier: 1 } });
    const total = async (qs: string) => (await getWith(emu, `${EOB2}?${qs}`, v2)).json().total;
    expect([
      await total(`_lastUpdated=ge${at(T)}`),
      await total(`_lastUpdated=gt${at(T - 2)}`),
      // gt adds one millisecond to the bound and then compares with ">": T itself is out.
      await total(`_lastUpdated=gt${at(T - 1)}`),
      await total(`_lastUpdated=le${at(T)}&_lastUpdated=gt2026-01-01`),
      // lt takes one millisecond off and compares with "<".
      await total(`_lastUpdated=lt${at(T + 1)}&_lastUpdated=gt2026-01-01`),
      // A bare date widens to its earliest instant anywhere (00:00 at GMT+14, 10:00Z the day
      // before), so ge the next day and even gt the same day still include noon UTC.
      await total('_lastUpdated=ge2026-03-03'),
      await total('_lastUpdated=gt2026-03-02'),
      await total('_lastUpdated=gt2026-03-03'),
    ]).toEqual([1, 1, 0, 1, 0, 1, 1, 0]);
  });

  it('compares service-date on the through date as BFD does (le includes the next day, ge the day before)', async () => {
    const load = emu.loadClaims({
      user: 'BBUser00001',
      add: { carrier: 1 },
      serviceDate: '2026-02-10',
    });
    const id = load.beneficiaries[0]!.added[0]!.id;
    const ids = async (qs: string) =>
      ((await getWith(emu, `${EOB2}?_count=50&${qs}`, v2)).json().entry ?? []).map(
        (e: any) => e.resource.id,
      );
    expect(await ids('service-date=le2026-02-09&_lastUpdated=gt2026-01-01')).toEqual([id]);
    expect(await ids('service-date=lt2026-02-10&_lastUpdated=gt2026-01-01')).toEqual([]);
    expect(await ids('service-date=ge2026-02-11&_lastUpdated=gt2026-01-01')).toEqual([id]);
    expect(await ids('service-date=gt2026-02-10&_lastUpdated=gt2026-01-01')).toEqual([]);
  });

  it('reports the newest load as every Bundle’s meta.lastUpdated (a load is global, as BFD’s LoadProgress)', async () => {
    now = T + 60_000;
    emu.loadClaims({ user: 'BBUser00002', add: { outpatient: 1 } });
    expect(emu.lastLoadAt).toBe(T + 60_000);
    expect((await getWith(emu, '/v2/fhir/Patient', v2)).json().meta.lastUpdated).toBe(
      '2026-03-02T08:01:00.000-04:00',
    );
    expect((await getWith(emu, EOB3, v3)).json().meta.lastUpdated).toBe(
      '2026-03-02T12:01:00.000+00:00',
    );
  });

  it('lands a scheduled load between two searches of one pass, and an "after" hook after its request', async () => {
    const pass = async () => {
      const eob = (await getWith(emu, `${EOB2}?_count=50`, v2)).json();
      const cov = (await getWith(emu, '/v2/fhir/Coverage', v2)).json();
      return { eob, cov };
    };
    emu.scheduleLoad(
      { path: '/v2/fhir/Coverage', method: 'GET' },
      { user: 'BBUser00001', add: { dme: 1 }, coverage: true },
    );
    const first = await pass();
    // The EOB search ran before the load; the Coverage search after it.
    expect(Date.parse(first.eob.meta.lastUpdated)).toBe(BASE_LOAD_AT);
    expect(first.cov.entry.every((e: any) => Date.parse(e.resource.meta.lastUpdated) === T)).toBe(
      true,
    );
    const missed = (
      await getWith(emu, `${EOB2}?_lastUpdated=gt${q(first.eob.meta.lastUpdated)}`, v2)
    ).json();
    expect(missed.entry.map((e: any) => e.resource.id.split('-')[0])).toEqual(['dme']);

    // Over HTTP, keyed on the request count: the 2nd EOB search triggers it, after its answer.
    now = T + 1000;
    const scheduled = await json('claims/schedule', {
      path: '/v2/fhir/ExplanationOfBenefit',
      method: 'GET',
      nth: 2,
      phase: 'after',
      loads: [{ user: 'BBUser00001', add: { hha: 1 } }],
    });
    expect(scheduled.status).toBe(204);
    const a = (await getWith(emu, EOB2, v2)).json().total;
    const b = (await getWith(emu, EOB2, v2)).json().total;
    const c = (await getWith(emu, EOB2, v2)).json().total;
    expect([b - a, c - b]).toEqual([0, 1]);
  });

  it('serves loads, tokens and grants over HTTP for tests in another process', async () => {
    const bad = await json('claims', {
      loads: [{ user: 'BBUser00001', add: { carrier: 1 } }, { user: 'nobody' }],
    });
    expect([bad.status, bad.json()]).toEqual([400, { detail: 'unknown beneficiary "nobody"' }]);
    expect(emu.beneficiary('BBUser00001')!.eobCount).toBe(
      (await getWith(emu, EOB2, v2)).json().total,
    );
    const ok = await json('claims', { user: 'BBUser00001', add: { carrier: 1 } });
    expect(ok.json().loadedAt).toBe('2026-03-02T08:00:00.000-04:00');
    expect((await call(`${emu.baseUrl}/__emulator/claims`)).json()).toEqual({
      lastLoadAt: '2026-03-02T08:00:00.000-04:00',
      lastLoadAtMs: T,
    });
    expect(() => emu.loadClaims({ user: 'BBUser00001', update: ['carrier--1'] })).toThrow(
      ClaimLoadError,
    );

    const tokens = await json('tokens', {
      tokens: [{ user: 'BBUser00007' }, { user: 'BBUser00008' }],
    });
    const [t7] = tokens.json().tokens;
    expect((await getWith(emu, '/v2/fhir/Patient', t7.access_token)).status).toBe(200);
    const expired = await json('grants/expire', { user: 'BBUser00007' });
    expect(expired.json()).toEqual({ changed: 1 });
    const refresh = await postForm(
      `${emu.baseUrl}/v2/o/token/`,
      { grant_type: 'refresh_token', refresh_token: t7.refresh_token },
      basic(emu.client.clientId, emu.client.clientSecret),
    );
    expect([refresh.status, refresh.json().error_description]).toEqual([
      401,
      'User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data.',
    ]);
    const info = await call(`${emu.baseUrl}/__emulator/beneficiaries/BBUser00008`);
    expect(info.json().patientId).toBe('-19990000000009');
  });

  it('enrols 1,000 beneficiaries in one control call, and a load touches only the chosen ones', async () => {
    const users = Array.from(
      { length: 1000 },
      (_, i) => `BBUser${String(1000 + i).padStart(5, '0')}`,
    );
    const tokens = (await json('tokens', { tokens: users.map(user => ({ user })) })).json().tokens;
    expect(tokens).toHaveLength(1000);
    const watermark = (await getWith(emu, EOB2, tokens[0].access_token)).json().meta.lastUpdated;
    emu.loadClaims(users.slice(0, 10).map(user => ({ user, add: { carrier: 1 } })));
    const counts: number[] = [];
    for (const i of [0, 5, 9, 10, 500, 999]) {
      const r = await getWith(
        emu,
        `${EOB2}?_lastUpdated=gt${q(watermark)}`,
        tokens[i].access_token,
      );
      counts.push(r.json().total);
    }
    expect(counts).toEqual([1, 1, 1, 0, 0, 0]);
  });
});
