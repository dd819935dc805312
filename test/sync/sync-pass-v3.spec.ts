/** `FhirService.sync()` on API v3: BFD v3 paging (`_offset`) and ids, against the emulator. */
import { AuthorizationToken } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { bootBlueButton, startEmulator, type BlueButtonHarness } from '../support/bluebutton.js';
import { emulatorData } from './support/emulator-data.js';
import { pass } from './support/pass.js';

describe('FhirService.sync() on API v3', () => {
  let emu: BlueButtonEmulator;
  let bb: BlueButtonHarness;
  const SCOPE = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs openid';

  beforeAll(async () => {
    emu = await startEmulator({
      v3Enabled: true,
      beneficiaries: [{ username: 'BBUser20012', eobCount: 75 }],
    });
    bb = await bootBlueButton(emu, { version: 3, scopes: SCOPE.split(' ') });
  });
  afterAll(async () => {
    await bb?.close();
    await emu?.close();
  });

  it('pages by _offset, bounds by the newest load, and delivers exactly what a load changed', async () => {
    const token = AuthorizationToken.fromTokenResponse(
      emu.issueToken({ user: 'BBUser20012', version: 'v3', scope: SCOPE }),
      Date.now(),
      undefined,
      3,
    );
    const first = await pass(bb.fhir, token);
    expect(first.changed).toEqual(await emulatorData(emu.baseUrl, token.accessToken, 'v3'));
    expect(first.done.report.ExplanationOfBenefit).toMatchObject({ changed: 75, pages: 2 });
    const load = emu.loadClaims({ user: 'BBUser20012', add: { pde: 1 }, update: 1 });
    emu.clearRequests();
    const second = await pass(bb.fhir, token, { since: first.done.watermark });
    const b = load.beneficiaries[0]!;
    expect([...second.changed.keys()].sort()).toEqual(
      [...b.added, ...b.updated].map(c => `ExplanationOfBenefit/${c.v3Id}`).sort(),
    );
    expect(emu.requestsTo('/v3/fhir/', 'GET')).toHaveLength(3);
  });
});
