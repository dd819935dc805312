import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { CLAIM_TYPES } from '../../lib/testing/data/claim-counts.js';
import { hasBb2Fixtures, missingFixturesMessage, readBb2Fixture } from '../support/fixtures.js';
import { allPages, call, fhirErrors, getWith } from './helpers.js';

const EOB = '/v2/fhir/ExplanationOfBenefit';
if (!hasBb2Fixtures) console.warn(missingFixturesMessage);

describe('emulator: every served resource validates against the FHIR R4 JSON schema', () => {
  let emu: BlueButtonEmulator;

  beforeAll(async () => {
    // Compile the schema first: seconds of blocked event loop would otherwise outlast the
    // server's 5-second keep-alive while a pooled connection is idle (a racy ECONNRESET).
    fhirErrors({ resourceType: 'Basic' });
    emu = await BlueButtonEmulator.start({
      v3Enabled: true,
      beneficiaries: [
        {
          username: 'BBUser00011',
          claimCounts: Object.fromEntries(CLAIM_TYPES.map(t => [t, 3])),
          samhsaClaims: 2,
          sharedSystemClaims: 2,
        },
        { username: 'BBUser20000', eobCount: 10_000 },
      ],
    });
  });
  afterAll(() => emu.close());

  it('the validator is not vacuous: an EOB without provider is rejected', async () => {
    const t = await emu.getToken({ user: 'BBUser00011' });
    const eob = (await getWith(emu, `${EOB}?_count=1`, t.access_token)).json().entry[0].resource;
    expect(fhirErrors(eob)).toEqual([]);
    const { provider: _dropped, ...withoutProvider } = eob;
    expect(fhirErrors(withoutProvider).length).toBeGreaterThan(0);
  });

  it.skipIf(!hasBb2Fixtures)('the real capture lacks provider, which R4 requires', () => {
    const captured = readBb2Fixture<any>('eob_p0.json').entry[0].resource;
    expect(captured).not.toHaveProperty('provider');
    expect(fhirErrors(captured).length).toBeGreaterThan(0);
  });

  it('every claim type, as search entries and as reads', async () => {
    const t = await emu.getToken({ user: 'BBUser00011' });
    const pages = await allPages(emu, `${emu.baseUrl}${EOB}?_count=50`, t.access_token);
    const eobs = pages.flatMap(p => p.entry.map((e: any) => e.resource));
    expect(eobs).toHaveLength(24);
    const seen = new Set<string>();
    for (const page of pages) expect(fhirErrors(page)).toEqual([]);
    for (const eob of eobs) {
      const type = eob.id.split('-')[0];
      expect([type, fhirErrors(eob)]).toEqual([type, []]);
      if (!seen.has(type)) {
        seen.add(type);
        const read = (await getWith(emu, `${EOB}/${eob.id}`, t.access_token)).json();
        expect(fhirErrors(read)).toEqual([]);
      }
    }
    expect([...seen].sort()).toEqual([...CLAIM_TYPES].sort());
  });

  it('Patient and Coverage searches and reads, and the CapabilityStatement', async () => {
    const t = await emu.getToken({ user: 'BBUser00011' });
    const results = [
      (await getWith(emu, '/v2/fhir/Patient', t.access_token)).json(),
      (await getWith(emu, `/v2/fhir/Patient/${t.patient}`, t.access_token)).json(),
      (await getWith(emu, '/v2/fhir/Coverage', t.access_token)).json(),
      (await call(`${emu.baseUrl}/v2/fhir/metadata`)).json(),
    ];
    for (const part of ['a', 'b', 'c', 'd']) {
      results.push(
        (await getWith(emu, `/v2/fhir/Coverage/part-${part}-${t.patient}`, t.access_token)).json(),
      );
    }
    for (const r of results) expect([r.resourceType, fhirErrors(r)]).toEqual([r.resourceType, []]);
  });

  it('pages of the 10,000-EOB beneficiary (start, middle, end)', async () => {
    const t = await emu.getToken({ user: 'BBUser20000' });
    for (const start of [0, 5_000, 9_950]) {
      const b = (await getWith(emu, `${EOB}?_count=50&startIndex=${start}`, t.access_token)).json();
      expect(b.entry).toHaveLength(50);
      expect(fhirErrors(b)).toEqual([]);
    }
  });

  it('v3 resources: EOBs, the insurance card and OperationOutcome errors', async () => {
    const t = await emu.getToken({
      user: 'BBUser00011',
      version: 'v3',
      scope: 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs',
    });
    const results = [
      (await getWith(emu, '/v3/fhir/ExplanationOfBenefit?_count=50', t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/Patient/$generate-insurance-card', t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/ExplanationOfBenefit/not-a-number', t.access_token)).json(),
    ];
    expect(results.map(r => r.resourceType)).toEqual(['Bundle', 'Bundle', 'OperationOutcome']);
    for (const r of results) expect(fhirErrors(r)).toEqual([]);
  });

  it('v3: every claim type (labelled, shared-system, Part D), Patient, Coverage, AuditEvent, loads', async () => {
    const t = emu.issueToken({
      user: 'BBUser00011',
      version: 'v3',
      scope:
        'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs patient/AuditEvent.rs',
    });
    emu.loadClaims({ user: 'BBUser00011', add: { carrier: 1, pde: 1 }, update: 2, coverage: true });
    const all = '/v3/fhir/ExplanationOfBenefit?_count=50&_source=NCH,DDPS,FISS,MCS';
    const pages = await allPages(emu, `${emu.baseUrl}${all}`, t.access_token);
    const eobs = pages.flatMap(p => p.entry.map((e: any) => e.resource));
    expect(eobs).toHaveLength(8 * 3 + 2 + 2);
    expect(eobs.filter((e: any) => e.meta.security)).toHaveLength(2);
    for (const page of pages) expect(fhirErrors(page)).toEqual([]);
    const results = [
      (await getWith(emu, `/v3/fhir/ExplanationOfBenefit/${eobs[0].id}`, t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/Patient', t.access_token)).json(),
      (await getWith(emu, `/v3/fhir/Patient/${t.patient}`, t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/Coverage', t.access_token)).json(),
      (await getWith(emu, `/v3/fhir/Coverage/part-a-${t.patient}`, t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/AuditEvent', t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/ExplanationOfBenefit?_offset=999', t.access_token)).json(),
      (await getWith(emu, '/v3/fhir/ExplanationOfBenefit/-1', t.access_token)).json(),
    ];
    const audit = results[5].entry[0].resource;
    results.push((await getWith(emu, `/v3/fhir/AuditEvent/${audit.id}`, t.access_token)).json());
    for (const r of results) expect([r.resourceType, fhirErrors(r)]).toEqual([r.resourceType, []]);
  });
});
