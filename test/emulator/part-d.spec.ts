import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { isPartDUser } from '../../lib/testing/data/beneficiaries.js';
import { hasBb2Fixtures, missingFixturesMessage, readBb2Fixture } from '../support/fixtures.js';
import { allPages, getWith } from './helpers.js';

type Json = Record<string, any>;
const SCOPE = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs';
const variableOf = (c: Json) => String(c.code).split('/').at(-1);

if (!hasBb2Fixtures) console.warn(missingFixturesMessage);

describe('emulator: default data for the prescription-drug use case and the v3 labels', () => {
  let emu: BlueButtonEmulator;
  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ v3Enabled: true });
  });
  afterAll(() => emu.close());

  it('BBUser20000–BBUser29999 (the sandbox’s 2014 dataset) have Part D events; the CSV users do not', () => {
    expect([
      isPartDUser(19999),
      isPartDUser(20000),
      isPartDUser(29999),
      isPartDUser(30000),
    ]).toEqual([false, true, true, false]);
    const user = emu.beneficiary('BBUser29999')!;
    expect([user.patientId, user.password]).toEqual(['-20140000010000', 'PW29999!']);
    for (const name of ['BBUser20000', 'BBUser24242', 'BBUser29999']) {
      const pde = emu.beneficiary(name)!.claimCounts.pde ?? 0;
      expect([name, pde >= 8 && pde <= 40]).toEqual([name, true]);
    }
    expect(emu.beneficiary('BBUser00001')!.claimCounts.pde).toBeUndefined();
    expect(emu.beneficiary('BBUser30000')).toBeUndefined();
  });

  it('every Part D event carries what the official sample apps show: NDC code, drug name and cost', async () => {
    const t = await emu.getToken({ user: 'BBUser20000' });
    const pages = await allPages(
      emu,
      `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit?type=pde&_count=50`,
      t.access_token,
    );
    const eobs = pages.flatMap(p => p.entry.map((e: Json) => e.resource));
    expect(eobs).toHaveLength(emu.beneficiary('BBUser20000')!.claimCounts.pde!);
    for (const eob of eobs) {
      const item = eob.item[0];
      const ndc = item.productOrService.coding[0];
      const cost = item.adjudication.find(
        (a: Json) => variableOf(a.category.coding[1]) === 'tot_rx_cst_amt',
      );
      expect([
        ndc.system,
        /^\d{11}$/.test(ndc.code),
        typeof ndc.display,
        cost.amount.value > 0,
      ]).toEqual(['http://hl7.org/fhir/sid/ndc', true, 'string', true]);
    }
  });

  it.skipIf(!hasBb2Fixtures)(
    'is shaped like the sandbox’s Part D capture (BBUser29999)',
    async () => {
      const real = readBb2Fixture<Json>('eob_bundle_bbuser29999.json').entry[0].resource;
      const t = await emu.getToken({ user: 'BBUser29999' });
      const ours = (
        await getWith(emu, '/v2/fhir/ExplanationOfBenefit?type=pde&_count=1', t.access_token)
      ).json().entry[0].resource;
      const info = (r: Json) =>
        r.supportingInfo.map((s: Json) => variableOf(s.category.coding.at(-1)));
      expect(info(ours)).toEqual(info(real));
      const adjudications = (r: Json) =>
        r.item[0].adjudication.map((a: Json) => variableOf(a.category.coding[1]));
      expect(adjudications(ours)).toEqual(adjudications(real));
      expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
      expect(ours.insurance[0].coverage.extension.map((e: Json) => e.url)).toEqual(
        real.insurance[0].coverage.extension.map((e: Json) => e.url),
      );
    },
  );

  it('on v3 a Part D event has BFD v3’s meta (source DDPS, System-Type and Final-Action tags) and totals', async () => {
    const t = await emu.getToken({ user: 'BBUser20000', version: 'v3', scope: SCOPE });
    const eob = (
      await getWith(emu, '/v3/fhir/ExplanationOfBenefit?type=pde&_count=1', t.access_token)
    ).json().entry[0].resource;
    expect(eob.meta).toEqual({
      lastUpdated: eob.meta.lastUpdated,
      source: 'DDPS',
      profile: [
        'http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Pharmacy|2.1.0',
      ],
      tag: [
        { system: 'https://bluebutton.cms.gov/fhir/CodeSystem/System-Type', code: 'DDPS' },
        { system: 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action', code: 'FinalAction' },
      ],
    });
    expect(eob.total.map((x: Json) => x.category.coding[0].code)).toEqual([
      'submitted',
      'paidbypatient',
    ]);
  });

  it('BBUserNNNN5 users have two claims with a substance use disorder diagnosis, labelled 42CFRPart2 on v3', async () => {
    const v2 = await emu.getToken({ user: 'BBUser00025' });
    const eobs = (
      await allPages(emu, `${emu.baseUrl}/v2/fhir/ExplanationOfBenefit?_count=50`, v2.access_token)
    ).flatMap(p => p.entry.map((e: Json) => e.resource));
    const sud = eobs.filter(e =>
      /^(F1[0-2]20|30390|30400)$/.test(e.diagnosis?.[0].diagnosisCodeableConcept.coding[0].code),
    );
    expect(sud).toHaveLength(2);
    expect(eobs.every(e => e.meta.security === undefined)).toBe(true);
    const v3 = await emu.getToken({ user: 'BBUser00025', version: 'v3', scope: SCOPE });
    const labelled = (
      await allPages(emu, `${emu.baseUrl}/v3/fhir/ExplanationOfBenefit?_count=50`, v3.access_token)
    )
      .flatMap(p => p.entry.map((e: Json) => e.resource))
      .filter(e => e.meta.security);
    expect(labelled.map(e => e.id).sort()).toEqual(
      sud.map(e => e.id.split('-').slice(1).join('-')).sort(),
    );
    expect(labelled[0].meta.security).toEqual([
      {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
        code: '42CFRPart2',
        display: '42 CFR Part 2',
      },
    ]);
  });
});
