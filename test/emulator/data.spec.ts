import { readFileSync } from 'node:fs';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { patientIdForUsername } from '../../lib/testing/data/beneficiaries.js';
import { bb2FixturePath, hasBb2Fixtures, missingFixturesMessage } from '../support/fixtures.js';
import { getWith } from './helpers.js';

const EOB = '/v2/fhir/ExplanationOfBenefit';
const cdf = (xs: number[], v: number) => xs.filter(x => x <= v).length / xs.length;
const withoutIds = (bundle: any) => ({ ...bundle, id: undefined });

describe('emulator: synthetic data', () => {
  it('maps BBUserNNNNN to the published patient ids', () => {
    expect(patientIdForUsername('BBUser00000')).toBe('-19990000000001');
    expect(patientIdForUsername('BBUser09999')).toBe('-19990000010000');
    expect(patientIdForUsername('BBUser10000')).toBe('-20000000000001');
    expect(patientIdForUsername('BBUser29999')).toBe('-20140000010000');
    expect(patientIdForUsername('alice')).toBeUndefined();
  });

  it('is deterministic for a seed, and changes with the seed', async () => {
    const [a, b, c] = await Promise.all([
      BlueButtonEmulator.start({ seed: 7 }),
      BlueButtonEmulator.start({ seed: 7 }),
      BlueButtonEmulator.start({ seed: 8 }),
    ]);
    try {
      const page = async (emu: BlueButtonEmulator) => {
        const t = await emu.getToken({ user: 'BBUser00123' });
        const r = await getWith(emu, `${EOB}?_count=50`, t.access_token);
        const links = r.json().link.map((l: any) => l.url.replace(emu.baseUrl, ''));
        const patient = (
          await getWith(emu, `/v2/fhir/Patient/${t.patient}`, t.access_token)
        ).json();
        return { bundle: { ...withoutIds(r.json()), link: links }, patient };
      };
      const [pa, pb, pc] = await Promise.all([page(a), page(b), page(c)]);
      expect(pa).toEqual(pb);
      expect(pa.bundle.entry).not.toEqual(pc.bundle.entry);
      expect(pa.patient.name).not.toEqual(undefined);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  describe('BBUser00000 mirrors the sandbox capture by default', () => {
    let emu: BlueButtonEmulator;
    beforeAll(async () => {
      emu = await BlueButtonEmulator.start();
    });
    afterAll(() => emu.close());

    it('has 52 EOBs: 14 carrier + 38 outpatient', async () => {
      expect(emu.beneficiary('BBUser00000')).toMatchObject({
        eobCount: 52,
        claimCounts: { carrier: 14, outpatient: 38 },
        password: 'PW00000!',
      });
      const t = await emu.getToken();
      const total = async (q: string) =>
        (await getWith(emu, `${EOB}?${q}`, t.access_token)).json().total;
      expect([
        await total(''),
        await total('type=carrier'),
        await total('type=outpatient'),
      ]).toEqual([52, 14, 38]);
    });

    it.skipIf(!hasBb2Fixtures)(
      'serves the captured claim ids in the captured order, page by page',
      async () => {
        const t = await emu.getToken();
        for (let i = 0; i < 6; i++) {
          const captured = JSON.parse(readFileSync(bb2FixturePath(`eob_p${i}.json`), 'utf8'));
          const ours = (await getWith(emu, `${EOB}?startIndex=${i * 10}`, t.access_token)).json();
          expect(ours.entry.map((e: any) => e.resource.id)).toEqual(
            captured.entry.map((e: any) => e.resource.id),
          );
          expect(ours.entry.map((e: any) => e.resource.billablePeriod.start)).toEqual(
            captured.entry.map((e: any) => e.resource.billablePeriod.start),
          );
          expect(ours.entry.map((e: any) => e.resource.payment.amount.value)).toEqual(
            captured.entry.map((e: any) => e.resource.payment.amount.value),
          );
        }
      },
    );
  });

  describe('claim counts', () => {
    const csvPath = bb2FixturePath('synthetic_users_by_claim_count_full.csv');
    if (!hasBb2Fixtures) console.warn(missingFixturesMessage);

    it('draws totals from the CSV histogram without the file (mean ≈ 32.6, range 3..76)', async () => {
      const emu = await BlueButtonEmulator.start();
      try {
        const counts: number[] = [];
        for (let n = 1; n < 3000; n++) {
          const b = emu.beneficiary(`BBUser${String(n).padStart(5, '0')}`)!;
          expect(b.claimCounts.pde ?? 0).toBe(0);
          counts.push(b.eobCount);
        }
        const mean = counts.reduce((s, x) => s + x, 0) / counts.length;
        expect(mean).toBeGreaterThan(31.5);
        expect(mean).toBeLessThan(33.7);
        expect(Math.min(...counts)).toBeGreaterThanOrEqual(3);
        expect(Math.max(...counts)).toBeLessThanOrEqual(76);

        if (hasBb2Fixtures) {
          // Kolmogorov–Smirnov distance between our draws and the real CSV.
          const real = readFileSync(csvPath, 'utf8')
            .split('\n')
            .slice(1)
            .map(l => Number(l.split(',')[3]))
            .filter(x => x > 0);
          let ks = 0;
          for (let v = 3; v <= 76; v++) ks = Math.max(ks, Math.abs(cdf(counts, v) - cdf(real, v)));
          expect(ks).toBeLessThan(0.04);
        }
      } finally {
        await emu.close();
      }
    });

    it.skipIf(!hasBb2Fixtures)('follows the CSV exactly with claimCountsCsv', async () => {
      const emu = await BlueButtonEmulator.start({ claimCountsCsv: csvPath });
      try {
        const rows = new Map(
          readFileSync(csvPath, 'utf8')
            .split('\n')
            .slice(1)
            .filter(Boolean)
            .map(l => l.split(','))
            .filter(c => c[1])
            .map(c => [c[1] as string, c]),
        );
        for (const user of [
          'BBUser00001',
          'BBUser02239',
          'BBUser09338',
          'BBUser04321',
          'BBUser10000',
        ]) {
          const row = rows.get(user)!;
          const info = emu.beneficiary(user)!;
          expect([user, info.patientId]).toEqual([user, `-${row[0]}`]);
          expect(info.eobCount).toBe(Number(row[3]));
          const t = await emu.getToken({ user });
          const total = async (q: string) =>
            (await getWith(emu, `${EOB}?${q}`, t.access_token)).json().total;
          expect([
            await total(''),
            await total('type=carrier'),
            await total('type=inpatient'),
            await total('type=pde'),
          ]).toEqual([Number(row[3]), Number(row[5]), Number(row[7]), Number(row[9])]);
        }
      } finally {
        await emu.close();
      }
    });
  });

  describe('configured beneficiaries', () => {
    let emu: BlueButtonEmulator;
    beforeAll(async () => {
      emu = await BlueButtonEmulator.start({
        beneficiaries: [
          { username: 'BBUser20000', eobCount: 10_000 },
          { username: 'BBUser20001', eobCount: 20_000 },
          {
            username: 'BBUser00007',
            claimCounts: { snf: 2, hospice: 1 },
            given: 'Ada',
            family: 'Lovelace',
            birthDate: '1940-12-10',
          },
        ],
      });
    });
    afterAll(() => emu.close());

    it('serves 10,000 and 20,000 EOBs with exact totals and a last page', async () => {
      for (const [user, n] of [
        ['BBUser20000', 10_000],
        ['BBUser20001', 20_000],
      ] as const) {
        const t = await emu.getToken({ user });
        const first = (await getWith(emu, `${EOB}?_count=50`, t.access_token)).json();
        expect([first.total, first.entry.length]).toEqual([n, 50]);
        const last = first.link.find((l: any) => l.relation === 'last').url;
        expect(new URL(last).searchParams.get('startIndex')).toBe(String(n - 50));
        const tail = (await getWith(emu, last, t.access_token)).json();
        expect(tail.entry).toHaveLength(50);
        expect(tail.link.map((l: any) => l.relation)).toEqual([
          'first',
          'previous',
          'last',
          'self',
        ]);
        const ids = [...first.entry, ...tail.entry].map((e: any) => e.resource.id);
        expect(new Set(ids).size).toBe(100);
      }
    });

    it('spreads a heavy user over every claim type', async () => {
      const info = emu.beneficiary('BBUser20000')!;
      expect(Object.keys(info.claimCounts).sort()).toEqual([
        'carrier',
        'dme',
        'hha',
        'hospice',
        'inpatient',
        'outpatient',
        'pde',
        'snf',
      ]);
    });

    it('applies per-user claim types and demographics', async () => {
      const t = await emu.getToken({ user: 'BBUser00007' });
      const b = (await getWith(emu, EOB, t.access_token)).json();
      expect(b.entry.map((e: any) => e.resource.id.split('-')[0]).sort()).toEqual([
        'hospice',
        'snf',
        'snf',
      ]);
      const p = (await getWith(emu, `/v2/fhir/Patient/${t.patient}`, t.access_token)).json();
      expect([p.name[0].family, p.name[0].given[0], p.birthDate]).toEqual([
        'Lovelace',
        'Ada',
        '1940-12-10',
      ]);
      expect(Object.keys(p.address[0]).sort()).toEqual(['postalCode', 'state']);
      const me = (await getWith(emu, '/v2/connect/userinfo', t.access_token)).json();
      expect(me.name).toBe('Ada Lovelace');
    });
  });
});
