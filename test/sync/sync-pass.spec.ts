/**
 * `FhirService.sync()` against the emulator over HTTP: exact results, the wire of an incremental
 * pass, loads landing mid-pass, BFD's `_lastUpdated` edge cases, and watermark handling.
 */
import { SyncWatermarkError } from 'nestjs-bluebutton';
import { type BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { BASE_LOAD_AT } from '../../lib/testing/data/claims.js';
import { lastValueFrom } from 'rxjs';
import { bootBlueButton, startEmulator, type BlueButtonHarness } from '../support/bluebutton.js';
import { emulatorData, tokenFor } from './support/emulator-data.js';
import { pass } from './support/pass.js';

const FHIR = '/v2/fhir/';
const T0 = Date.parse('2026-03-02T12:00:00.000Z');

describe('FhirService.sync(): one beneficiary, incremental passes', () => {
  let emu: BlueButtonEmulator;
  let bb: BlueButtonHarness;
  let now = T0;

  beforeAll(async () => {
    // A frozen clock, so that loads land on known instants (and several on one millisecond).
    emu = await startEmulator({
      clock: { now: () => now },
      beneficiaries: [{ username: 'BBUser20010', eobCount: 120 }],
    });
    bb = await bootBlueButton(emu);
  });
  beforeEach(() => {
    emu.reset();
    now = T0;
  });
  afterAll(async () => {
    await bb?.close();
    await emu?.close();
  });

  const fhirGets = () => emu.requestsTo(FHIR, 'GET');
  const queryOf = (path: string) => fhirGets().filter(r => r.path.startsWith(`${FHIR}${path}`));

  it('first pass: exactly the emulator’s resources, pages of 50, no _lastUpdated', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    const { changed, done, emitted } = await pass(bb.fhir, token);
    const sent = fhirGets();
    const expected = await emulatorData(emu.baseUrl, token.accessToken);
    expect(changed).toEqual(expected);
    expect(emitted).toBe(expected.size);
    // 120 EOBs = 3 pages, then 1 Coverage and 1 Patient search; each first search asks for 50.
    expect(done.report).toEqual({
      ExplanationOfBenefit: { changed: 120, duplicates: 0, pages: 3, full: true },
      Coverage: { changed: 4, duplicates: 0, pages: 1, full: true },
      Patient: { changed: 1, duplicates: 0, pages: 1, full: true },
    });
    expect(sent).toHaveLength(5);
    const firsts = sent.filter(r => !r.query.has('startIndex'));
    expect(firsts.map(r => [r.path, r.query.get('_count'), r.query.has('_lastUpdated')])).toEqual([
      ['/v2/fhir/ExplanationOfBenefit/', '50', false],
      ['/v2/fhir/Coverage/', '50', false],
      ['/v2/fhir/Patient/', '50', false],
    ]);
  });

  it('next pass: exactly the added and updated claims and the reloaded Coverage, one request per type', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    const first = await pass(bb.fhir, token);
    now = T0 + 60_000;
    const load = emu.loadClaims({
      user: 'BBUser20010',
      add: { carrier: 2, pde: 1 },
      update: 2,
      coverage: ['part-d'],
    }).beneficiaries[0]!;
    emu.clearRequests();

    const second = await pass(bb.fhir, token, { since: first.done.watermark });
    const expected = new Map([
      ...[...load.added, ...load.updated].map(c => [`ExplanationOfBenefit/${c.id}`, now] as const),
      ...load.coverage.map(id => [`Coverage/${id}`, now] as const),
    ]);
    expect(second.changed).toEqual(expected);
    expect(second.emitted).toBe(6);
    // One GET per type, each from the first pass's watermark (the server's newest load when it
    // searched: the base data) minus the overlap, to the millisecond in UTC.
    const bound = [`ge${new Date(BASE_LOAD_AT - 300_000).toISOString()}`];
    expect(fhirGets().map(r => [r.path, r.query.getAll('_lastUpdated')])).toEqual([
      ['/v2/fhir/ExplanationOfBenefit/', bound],
      ['/v2/fhir/Coverage/', bound],
      ['/v2/fhir/Patient/', bound],
    ]);

    // Nothing changed since: three requests, nothing delivered, the overlap recognized.
    emu.clearRequests();
    const third = await pass(bb.fhir, token, { since: second.done.watermark });
    expect([third.emitted, fhirGets().length]).toEqual([0, 3]);
    expect(third.done.report.ExplanationOfBenefit).toMatchObject({ changed: 0, duplicates: 5 });
  });

  it('a load landing between two searches of a pass is delivered once, by that pass or the next', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    const first = await pass(bb.fhir, token);
    now = T0 + 60_000;
    // The load lands when the pass's Coverage search arrives: the EOB search was sent before it.
    let landed: string[] = [];
    emu.onRequest({ path: '/v2/fhir/Coverage', method: 'GET' }, () => {
      const b = emu.loadClaims({ user: 'BBUser20010', add: { dme: 2 }, coverage: true })
        .beneficiaries[0]!;
      landed = [
        ...b.added.map(c => `ExplanationOfBenefit/${c.id}`),
        ...b.coverage.map(id => `Coverage/${id}`),
      ];
    });
    const second = await pass(bb.fhir, token, { since: first.done.watermark });
    expect(second.changed.has('Coverage/part-a--20140000000011')).toBe(true);
    const third = await pass(bb.fhir, token, { since: second.done.watermark });
    const fourth = await pass(bb.fhir, token, { since: third.done.watermark });
    expect(landed).toHaveLength(6);
    for (const key of landed) {
      const times = [second, third].filter(p => p.changed.get(key) === now).length;
      expect(times, key).toBe(1);
    }
    expect(fourth.emitted).toBe(0);
    // Everything the emulator has was delivered, across the passes, in its current version.
    const all = new Map([...first.changed, ...second.changed, ...third.changed]);
    expect(all).toEqual(await emulatorData(emu.baseUrl, token.accessToken));
  });

  it('a load landing between two pages of one search is not lost, nor delivered twice later', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    now = T0 + 60_000;
    // The load lands when the 2nd EOB page is asked for, once page 1 was served: it updates the
    // three least recently updated claims, wherever they sit in the 3 pages, and adds one.
    let landed: string[] = [];
    emu.onRequest(
      { path: '/v2/fhir/ExplanationOfBenefit', method: 'GET' },
      () => {
        const l = emu.loadClaims({ user: 'BBUser20010', update: 3, add: { hha: 1 } });
        const b = l.beneficiaries[0]!;
        landed = [...b.added, ...b.updated].map(c => `ExplanationOfBenefit/${c.id}`);
      },
      { nth: 2 },
    );
    const first = await pass(bb.fhir, token, { pageConcurrency: 1 });
    expect(landed).toHaveLength(4);
    const second = await pass(bb.fhir, token, { since: first.done.watermark });
    const third = await pass(bb.fhir, token, { since: second.done.watermark });
    // Each landed version reached the consumer exactly once, in the first pass or the second.
    for (const id of landed) {
      const got = [first.changed.get(id), second.changed.get(id)].filter(v => v === now);
      expect(got, id).toHaveLength(1);
    }
    expect(third.emitted).toBe(0);
    const latest = new Map([...first.changed, ...second.changed]);
    expect(latest).toEqual(await emulatorData(emu.baseUrl, token.accessToken));
  });

  it('BFD’s gt hazard: loads in the watermark’s own millisecond and the next one are delivered', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    emu.loadClaims({ user: 'BBUser20010', add: { carrier: 1 } });
    const first = await pass(bb.fhir, token);
    // Same millisecond as the watermark (the clock is frozen), then one millisecond later.
    const same = emu.loadClaims({ user: 'BBUser20010', add: { outpatient: 1 } });
    const second = await pass(bb.fhir, token, { since: first.done.watermark });
    now += 1;
    const next = emu.loadClaims({ user: 'BBUser20010', add: { snf: 1 } });
    const third = await pass(bb.fhir, token, { since: second.done.watermark });
    expect([...second.changed.keys()]).toEqual([
      `ExplanationOfBenefit/${same.beneficiaries[0]!.added[0]!.id}`,
    ]);
    expect([...third.changed.keys()]).toEqual([
      `ExplanationOfBenefit/${next.beneficiaries[0]!.added[0]!.id}`,
    ]);
  });

  it('never sends a _lastUpdated before 2020-02-12: a bound that would be earlier searches in full', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    // An overlap reaching back before the floor (and remembering everything it covers).
    const overlapMs = emu.lastLoadAt - Date.parse('2020-02-11T00:00:00Z');
    const first = await pass(bb.fhir, token, { overlapMs });
    emu.clearRequests();
    const again = await pass(bb.fhir, token, { since: first.done.watermark, overlapMs });
    expect(fhirGets().some(r => r.query.has('_lastUpdated'))).toBe(false);
    // Nothing is new: the resources the watermark remembered (those updated after the floor)
    // are recognized; only the older ones, which the watermark never covers, come out again.
    const floorBound = emu.lastLoadAt - overlapMs;
    const older = [...first.changed.values()].filter(t => t < floorBound).length;
    expect(again.done.report.ExplanationOfBenefit?.full).toBe(true);
    expect(again.emitted).toBe(older);
    expect(older).toBeLessThan(first.emitted);
  });

  it('Patient only with the demographic scope; claim types filter the EOB search', async () => {
    const token = tokenFor(
      emu,
      'BBUser20010',
      'patient/Coverage.rs patient/ExplanationOfBenefit.rs openid',
    );
    const { done, changed } = await pass(bb.fhir, token, { claimTypes: ['pde'] });
    expect(done.skipped).toEqual(['Patient']);
    expect(queryOf('Patient')).toHaveLength(0);
    expect(queryOf('ExplanationOfBenefit')[0]!.query.get('type')).toBe('pde');
    expect(
      [...changed.keys()].every(k => /^(ExplanationOfBenefit\/pde--|Coverage\/)/.test(k)),
    ).toBe(true);
    // Another filter makes the EOB watermark void: that search starts over, Coverage does not.
    emu.clearRequests();
    const wider = await pass(bb.fhir, token, { since: done.watermark });
    expect(wider.done.report.ExplanationOfBenefit?.full).toBe(true);
    expect(wider.done.report.Coverage?.full).toBe(false);
  });

  it('the watermark is an opaque string that survives JSON; a bad one is a typed error and sends nothing', async () => {
    const token = tokenFor(emu, 'BBUser20010');
    const { done } = await pass(bb.fhir, token);
    const stored = JSON.parse(JSON.stringify({ w: done.watermark })).w as string;
    expect(stored).toMatch(/^bbsync\.1\.[A-Za-z0-9_-]+$/);
    emu.clearRequests();
    expect((await pass(bb.fhir, token, { since: stored })).emitted).toBe(0);

    const body = stored.slice('bbsync.1.'.length);
    const cases: Array<[unknown, string]> = [
      ['', 'malformed'],
      ['2026-03-01T00:00:00Z', 'malformed'],
      [`bbsync.1.${body.slice(0, -7)}`, 'malformed'],
      [`bbsync.2.${body}`, 'unsupported-version'],
      [JSON.stringify({ at: 1 }), 'malformed'],
      [42, 'malformed'],
      [tokenFor(emu, 'BBUser00001').accessToken, 'malformed'],
    ];
    emu.clearRequests();
    for (const [since, problem] of cases) {
      const error = await lastValueFrom(bb.fhir.sync(token, { since: since as string })).catch(
        (e: unknown) => e,
      );
      expect(error, String(since)).toBeInstanceOf(SyncWatermarkError);
      expect((error as SyncWatermarkError).problem).toBe(problem);
      // The message never quotes the watermark.
      expect((error as Error).message).not.toContain(body.slice(0, 12));
    }
    // Another beneficiary's watermark is refused rather than applied to this one.
    const other = await lastValueFrom(
      bb.fhir.sync(tokenFor(emu, 'BBUser00001'), { since: stored }),
    ).catch((e: unknown) => e);
    expect((other as SyncWatermarkError).problem).toBe('other-beneficiary');
    expect(fhirGets()).toHaveLength(0);
  });
});
