import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { basic, call, getWith, postForm } from './helpers.js';

const REDIRECT = 'http://localhost:3000/callback';

/** A multipart/form-data POST whose body Node's FormData builds (fields in the given order). */
function postMultipart(
  url: string,
  fields: Array<[string, string]>,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, v);
  return call(url, { method: 'POST', body: form, headers });
}

const exchangeFields = (a: { code: string; codeVerifier: string }): Array<[string, string]> => [
  ['grant_type', 'authorization_code'],
  ['code', a.code],
  ['redirect_uri', REDIRECT],
  ['code_verifier', a.codeVerifier],
];

describe('emulator: multipart/form-data on the token and revoke endpoints (Django request.POST)', () => {
  let emu: BlueButtonEmulator;
  let tokenUrl: string;
  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ v3Enabled: true, redirectUris: [REDIRECT] });
    tokenUrl = `${emu.baseUrl}/v2/o/token/`;
  });
  afterAll(() => emu.close());

  it('exchanges a code with client_secret in the body, and records the parsed fields', async () => {
    const a = await emu.authorize();
    const r = await postMultipart(tokenUrl, [
      ['client_id', emu.client.clientId],
      ['client_secret', emu.client.clientSecret],
      ...exchangeFields(a),
    ]);
    expect(r.status).toBe(200);
    expect(r.json().patient).toBe('-19990000000001');
    const seen = emu.requestsTo('/v2/o/token/', 'POST').at(-1)!;
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.form).toMatchObject({ grant_type: 'authorization_code', code: a.code });
  });

  it('exchanges a code with Basic client authentication', async () => {
    const a = await emu.authorize();
    const r = await postMultipart(
      tokenUrl,
      exchangeFields(a),
      basic(emu.client.clientId, emu.client.clientSecret),
    );
    expect(r.status).toBe(200);
  });

  it('accepts a padded PKCE verifier (the Python SDK’s 44 characters ending in "=")', async () => {
    const verifier = Buffer.from('k'.repeat(32)).toString('base64url') + '=';
    expect(verifier).toHaveLength(44);
    const a = await emu.authorize({ codeVerifier: verifier });
    const r = await postMultipart(tokenUrl, [
      ['client_id', emu.client.clientId],
      ['client_secret', emu.client.clientSecret],
      ...exchangeFields(a),
    ]);
    expect(r.status).toBe(200);
  });

  it('refreshes with multipart on v2, rotating the refresh token', async () => {
    const t = await emu.getToken();
    const r = await postMultipart(
      tokenUrl,
      [
        ['client_id', emu.client.clientId],
        ['grant_type', 'refresh_token'],
        ['refresh_token', t.refresh_token],
      ],
      basic(emu.client.clientId, emu.client.clientSecret),
    );
    expect(r.status).toBe(200);
    expect(r.json().refresh_token).not.toBe(t.refresh_token);
    expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(401);
  });

  it('revokes by /revoke_token/ and /revoke/ with multipart bodies', async () => {
    const a = await emu.getToken();
    const r1 = await postMultipart(`${emu.baseUrl}/v2/o/revoke_token/`, [
      ['token', a.access_token],
      ['client_id', emu.client.clientId],
      ['client_secret', emu.client.clientSecret],
    ]);
    expect(r1.status).toBe(200);
    expect((await getWith(emu, '/v2/fhir/Patient', a.access_token)).status).toBe(401);

    const b = await emu.getToken({ user: 'BBUser00001' });
    const r2 = await postMultipart(
      `${emu.baseUrl}/v2/o/revoke/`,
      [['token', b.refresh_token]],
      basic(emu.client.clientId, emu.client.clientSecret),
    );
    expect(r2.status).toBe(200);
    const refresh = await postForm(
      tokenUrl,
      { grant_type: 'refresh_token', refresh_token: b.refresh_token },
      basic(emu.client.clientId, emu.client.clientSecret),
    );
    // /revoke/ also deleted the grant.
    expect([refresh.status, refresh.json().error]).toEqual([403, 'invalid_grant']);
  });

  it('keeps file parts out of the form, as Django keeps them in request.FILES', async () => {
    const a = await emu.authorize();
    const form = new FormData();
    form.append('client_id', emu.client.clientId);
    form.append('client_secret', new Blob(['not a field']), 'secret.txt');
    for (const [k, v] of exchangeFields(a)) form.append(k, v);
    const r = await call(tokenUrl, { method: 'POST', body: form });
    expect([r.status, r.json()]).toEqual([401, { error: 'invalid_client' }]);
  });

  it('answers Django’s 400 handler (DRF bad_request) to a multipart body without a boundary', async () => {
    const r = await call(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'grant_type=authorization_code',
    });
    expect([r.status, r.text]).toEqual([400, '{"error": "Bad Request (400)"}']);
  });

  describe('v3 refresh gate (TokenView._validate_v3_token_call parses the raw body with parse_qs)', () => {
    const SCOPE = 'patient/Patient.rs patient/ExplanationOfBenefit.rs';
    const v3Token = `/v3/o/token/`;

    it('a multipart v3 code exchange works (the gate only guards refresh_token grants)', async () => {
      const a = await emu.authorize({ version: 'v3', scope: SCOPE });
      const r = await postMultipart(`${emu.baseUrl}${v3Token}`, [
        ['client_id', emu.client.clientId],
        ['client_secret', emu.client.clientSecret],
        ...exchangeFields(a),
      ]);
      expect(r.status).toBe(200);
    });

    it('a multipart v3 refresh finds no refresh_token in the raw body: 403 "Request denied"', async () => {
      const t = await emu.getToken({ version: 'v3', scope: SCOPE });
      const auth = basic(emu.client.clientId, emu.client.clientSecret);
      const fields: Array<[string, string]> = [
        ['client_id', emu.client.clientId],
        ['grant_type', 'refresh_token'],
        ['refresh_token', t.refresh_token],
      ];
      const denied = await postMultipart(`${emu.baseUrl}${v3Token}`, fields, auth);
      expect([denied.status, denied.text]).toEqual([
        403,
        '{"status_code": 403, "message": "Request denied"}',
      ]);
      // The same fields urlencoded pass the gate, and the refused attempt changed nothing.
      const ok = await postForm(`${emu.baseUrl}${v3Token}`, Object.fromEntries(fields), auth);
      expect(ok.status).toBe(200);
    });
  });
});
