import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { hasBb2Fixtures, missingFixturesMessage, readBb2Fixture } from '../support/fixtures.js';
import { getWith } from './helpers.js';

type Json = Record<string, any>;

/** Dotted paths of an object (array items merged as `[]`), up to a depth. */
function paths(value: unknown, depth = 3, prefix = ''): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, p: string, d: number) => {
    if (d === 0 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, `${p}[]`, d);
      return;
    }
    for (const [k, child] of Object.entries(v)) {
      const key = p ? `${p}.${k}` : k;
      out.add(key);
      walk(child, key, d - 1);
    }
  };
  walk(value, prefix, depth);
  return out;
}

/** Fields a client reads from each resource (what the official SDKs read). */
const EOB_CLIENT_PATHS = [
  'resourceType',
  'id',
  'meta.lastUpdated',
  'meta.profile',
  'identifier[].system',
  'identifier[].value',
  'status',
  'type.coding[].system',
  'type.coding[].code',
  'use',
  'patient.reference',
  'billablePeriod.start',
  'billablePeriod.end',
  'created',
  'insurer.identifier',
  'outcome',
  'careTeam[].sequence',
  'careTeam[].provider',
  'careTeam[].role',
  'supportingInfo[].category',
  'insurance[].focal',
  'insurance[].coverage',
  'item[].sequence',
  'item[].productOrService',
  'item[].adjudication',
];

const captured = (): Json[] =>
  [0, 1, 2, 3, 4, 5].flatMap(i =>
    readBb2Fixture<Json>(`eob_p${i}.json`).entry.map((e: Json) => e.resource),
  );

const layout = (u: string) => {
  const url = new URL(u);
  return [url.pathname.replace(/^.*\/v2\//, '/v2/'), [...url.searchParams.keys()]];
};

if (!hasBb2Fixtures) console.warn(missingFixturesMessage);

describe.skipIf(!hasBb2Fixtures)(
  'emulator: resources have the shape of the real sandbox captures',
  () => {
    let emu: BlueButtonEmulator;
    let token: string;
    let patientId: string;

    beforeAll(async () => {
      emu = await BlueButtonEmulator.start({
        beneficiaries: [{ username: 'BBUser00012', claimCounts: { pde: 2 } }],
      });
      const t = await emu.getToken();
      token = t.access_token;
      patientId = t.patient;
    });
    afterAll(() => emu.close());

    async function oursOfType(type: string, user = 'BBUser00000'): Promise<Json> {
      const t = user === 'BBUser00000' ? token : (await emu.getToken({ user })).access_token;
      const b = (
        await getWith(emu, `/v2/fhir/ExplanationOfBenefit?type=${type}&_count=1`, t)
      ).json();
      return b.entry[0].resource;
    }

    it.each(['carrier', 'outpatient', 'pde'])(
      '%s EOB: same profile, codings, id and reference patterns, client paths',
      async type => {
        const real =
          type === 'pde'
            ? readBb2Fixture<Json>('eob_bundle_bbuser29999.json').entry[0].resource
            : captured().find(r => r.id.startsWith(`${type}-`));
        const ours = await oursOfType(type, type === 'pde' ? 'BBUser00012' : 'BBUser00000');

        expect(ours.meta.profile).toEqual(real.meta.profile);
        const codings = (r: Json) => r.type.coding.map((c: Json) => [c.system, c.code]);
        expect(codings(ours)).toEqual(codings(real));
        expect(ours.id).toMatch(new RegExp(`^${type}--\\d+$`));
        expect(real.id).toMatch(new RegExp(`^${type}--\\d+$`));
        expect(ours.identifier.map((i: Json) => i.system)).toEqual(
          real.identifier.map((i: Json) => i.system),
        );
        expect(ours.patient.reference).toMatch(/^Patient\/-\d+$/);
        const owner = type === 'pde' ? emu.patientIdFor('BBUser00012') : patientId;
        expect(ours.insurance[0].coverage.reference).toBe(
          `${real.insurance[0].coverage.reference.replace(/-\d+$/, '')}${owner}`,
        );
        const mine = paths(ours);
        const theirs = paths(real);
        for (const p of EOB_CLIENT_PATHS) {
          expect([p, theirs.has(p)]).toEqual([p, true]);
          expect([p, mine.has(p)]).toEqual([p, true]);
        }
        for (const key of Object.keys(real)) expect([key, key in ours]).toEqual([key, true]);
        // R4 requires provider, which the captured professional claims lack.
        expect(ours.provider).toBeDefined();
      },
    );

    it('carrier/outpatient adjudication and totals use the same code systems', async () => {
      for (const type of ['carrier', 'outpatient']) {
        const real = captured().find(r => r.id.startsWith(`${type}-`))!;
        const ours = await oursOfType(type);
        const systems = (r: Json) =>
          new Set(
            r.item.flatMap((i: Json) =>
              i.adjudication.flatMap((a: Json) => a.category.coding.map((c: Json) => c.system)),
            ),
          );
        for (const s of systems(ours)) expect(systems(real).has(s)).toBe(true);
        expect(ours.total[0].amount.currency).toBe('USD');
        expect(typeof ours.payment.amount.value).toBe('number');
        expect(ours.careTeam[0].role.coding[0].system).toBe(real.careTeam[0].role.coding[0].system);
      }
    });

    it('Coverage: four parts with the captured keys, type, relationship, payor and class', async () => {
      const real = readBb2Fixture<Json>('coverage_bundle_bbuser29999.json').entry.map(
        (e: Json) => e.resource,
      );
      const ours = (await getWith(emu, '/v2/fhir/Coverage', token))
        .json()
        .entry.map((e: Json) => e.resource);
      expect(ours.map((c: Json) => c.id.replace(/-\d+$/, ''))).toEqual(
        real.map((c: Json) => c.id.replace(/-\d+$/, '')),
      );
      for (let i = 0; i < 4; i++) {
        expect(Object.keys(ours[i])).toEqual(Object.keys(real[i]));
        expect(ours[i].meta.profile).toEqual(real[i].meta.profile);
        expect(ours[i].type).toEqual(real[i].type);
        expect(ours[i].relationship).toEqual(real[i].relationship);
        expect(ours[i].payor).toEqual(real[i].payor);
        expect(ours[i].class).toEqual(real[i].class);
        expect(ours[i].beneficiary.reference).toBe(`Patient/${patientId}`);
      }
    });

    it('Patient: profile, identifier systems, name, gender, birthDate and a state/postalCode-only address', async () => {
      const real = readBb2Fixture<Json>('patient_bbuser29999.json');
      const ours = (await getWith(emu, `/v2/fhir/Patient/${patientId}`, token)).json();
      expect(ours.meta.profile).toEqual(real.meta.profile);
      expect(ours.identifier.map((i: Json) => i.system)).toEqual(
        real.identifier.map((i: Json) => i.system),
      );
      expect(ours.identifier.map((i: Json) => i.type.coding[0].code)).toEqual(['MB', 'MC']);
      expect(ours.identifier[1].value).toMatch(/^[1-9]S[0-9A-Z]{9}$/);
      expect(Object.keys(ours.name[0]).sort()).toEqual(Object.keys(real.name[0]).sort());
      expect(Object.keys(ours.address[0]).sort()).toEqual(Object.keys(real.address[0]).sort());
      for (const k of ['gender', 'birthDate']) expect(typeof ours[k]).toBe(typeof real[k]);
    });

    it('search Bundles: same envelope and link layout as the capture', async () => {
      const real = readBb2Fixture<Json>('eob_p0.json');
      const ours = (await getWith(emu, '/v2/fhir/ExplanationOfBenefit', token)).json();
      expect(Object.keys(ours)).toEqual(Object.keys(real));
      expect(ours.link.map((l: Json) => l.relation)).toEqual(
        real.link.map((l: Json) => l.relation),
      );
      expect(ours.link.map((l: Json) => layout(l.url))).toEqual(
        real.link.map((l: Json) => layout(l.url)),
      );
      expect(ours.entry[0]).not.toHaveProperty('fullUrl');
      expect(real.entry[0]).not.toHaveProperty('fullUrl');
    });
  },
);
