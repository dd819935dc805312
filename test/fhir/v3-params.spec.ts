import { AuthorizationToken, FhirHttpError, type FhirService } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { bootBlueButton, startEmulator, type BlueButtonHarness } from '../support/bluebutton.js';

const SYSTEM_TYPE = 'https://bluebutton.cms.gov/fhir/CodeSystem/System-Type';
const FINAL_ACTION = 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action';
const SCOPES = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let strictBb: BlueButtonHarness;
let token: AuthorizationToken;

beforeAll(async () => {
  emu = await startEmulator({
    v3Enabled: true,
    // 30 NCH claims, 6 Part D events (DDPS), 2 shared-system claims (every BBUserNNNN3), 2 of the
    // NCH claims labelled 42CFRPart2.
    beneficiaries: [
      {
        username: 'BBUser00013',
        claimCounts: { carrier: 20, outpatient: 10, pde: 6 },
        samhsaClaims: 2,
      },
    ],
  });
  bb = await bootBlueButton(emu);
  strictBb = await bootBlueButton(emu, { strict: true });
  const issued = emu.issueToken({ user: 'BBUser00013', version: 'v3', scope: SCOPES });
  token = AuthorizationToken.fromTokenResponse(issued, Date.now(), undefined, 3);
});
afterAll(async () => {
  await bb.close();
  await strictBb.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

/** How many claims one v3 EOB search page answers (at most 50). */
async function count(
  fhir: FhirService,
  params: Parameters<FhirService['getExplanationOfBenefitData']>[1],
) {
  const res = await firstValueFrom(
    fhir.getExplanationOfBenefitData(token, { _count: 50, ...params }),
  );
  return res.data.entry?.length ?? 0;
}

describe('typed v3 search parameters', () => {
  it('_source: comma-separated ORs, sent as given', async () => {
    expect(await count(bb.fhir, {})).toBe(36);
    emu.clearRequests();
    expect(await count(bb.fhir, { _source: 'FISS,MCS' })).toBe(2);
    expect(emu.requests[0]!.query.getAll('_source')).toEqual(['FISS,MCS']);
  });

  it('_tag: a list repeats the parameter (AND)', async () => {
    const tags = [`${SYSTEM_TYPE}|NationalClaimsHistory`, `${FINAL_ACTION}|FinalAction`];
    expect(await count(bb.fhir, { _tag: tags })).toBe(30);
    expect(emu.requests[0]!.query.getAll('_tag')).toEqual(tags);
  });

  it("_security:not: the modifier form, as BB2's schema takes it", async () => {
    expect(await count(bb.fhir, { '_security:not': '42CFRPart2' })).toBe(34);
    expect(emu.requests[0]!.url).toMatch(/[?&]_security%3Anot=42CFRPart2(&|$)/);
  });

  it('_offset: the v3 paging offset', async () => {
    expect(await count(bb.fhir, { _offset: 30, _count: 10 })).toBe(6);
    expect(emu.requests[0]!.query.get('_offset')).toBe('30');
  });
});

/** The `Prefer` header of each recorded request. */
const prefer = () => emu.requests.map(r => r.headers.prefer ?? '-');

describe('strict handling (Prefer: handling=strict)', () => {
  it('per call: an unknown parameter fails loudly instead of being dropped', async () => {
    const params = { _count: 5, bogus: 'x' };
    const lenient = await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token, params));
    const error = await firstValueFrom(
      bb.fhir.getExplanationOfBenefitData(token, params, { strict: true }),
    ).catch(e => e);
    expect(lenient.data.entry).toHaveLength(5);
    expect(error).toBeInstanceOf(FhirHttpError);
    expect([error.status, error.body]).toEqual([400, { error: "Invalid parameters: ['bogus']" }]);
    expect(prefer()).toEqual(['-', 'handling=strict']);
  });

  it('documents what BB2 does with a plain _security: dropped, or refused when strict', async () => {
    const error = await firstValueFrom(
      bb.fhir.getExplanationOfBenefitData(token, { _security: '42CFRPart2' }, { strict: true }),
    ).catch(e => e);
    expect([error.status, error.body]).toEqual([
      400,
      { error: "Invalid parameters: ['_security']" },
    ]);
  });

  it('module-wide: on every data request, next pages included; a call may opt out', async () => {
    const first = await firstValueFrom(
      strictBb.fhir.getExplanationOfBenefitData(token, { _count: 10 }),
    );
    // The server's own pages of 10, so that each next link is one request to check.
    const { pages } = await firstValueFrom(
      strictBb.fhir.getPages(first.data, first.token, { pageSize: 'server' }),
    );
    await firstValueFrom(strictBb.fhir.getCoverageData(token, {}, { strict: false }));
    expect(pages).toHaveLength(4);
    expect(prefer()).toEqual([...Array(4).fill('handling=strict'), '-']);
  });
});
