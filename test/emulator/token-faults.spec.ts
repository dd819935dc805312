import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { basic, getWith, postForm } from './helpers.js';

describe('emulator: the token endpoint’s upstream failure', () => {
  let emu: BlueButtonEmulator;
  beforeAll(async () => {
    emu = await BlueButtonEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.faults.clear());

  const refresh = (refreshToken: string) =>
    postForm(
      `${emu.baseUrl}/v2/o/token/`,
      { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: emu.client.clientId },
      basic(emu.client.clientId, emu.client.clientSecret),
    );

  it('a bare 502 fault on /o/token/ answers BB2’s "Failed to retrieve data from data source." and changes nothing', async () => {
    const t = await emu.getToken();
    emu.faults.enqueue({ path: '/v2/o/token', method: 'POST' }, { status: 502 });
    const failed = await refresh(t.refresh_token);
    expect([failed.status, failed.headers.get('content-type'), failed.text]).toEqual([
      502,
      'application/json',
      '{"status_code": 502, "message": "Failed to retrieve data from data source."}',
    ]);
    // The refresh did not happen: the old pair still works, and the refresh token can be used.
    expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(200);
    expect((await refresh(t.refresh_token)).status).toBe(200);
  });

  it('keeps the DRF upstream body for a 502 on FHIR paths', async () => {
    const t = await emu.getToken();
    emu.faults.enqueue('/v2/fhir/Patient', { status: 502 });
    const r = await getWith(emu, '/v2/fhir/Patient', t.access_token);
    expect([r.status, r.text]).toEqual([
      502,
      '{"detail":"A failure occurred contacting the upstream server"}',
    ]);
  });
});
