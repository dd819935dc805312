import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { call } from './helpers.js';
import { PythonSdk } from './python-sdk.js';

const CALLBACK = 'http://localhost:3000/api/bluebutton/callback/';

/** The beneficiary's part: follow the SDK's authorize URL and consent (emulator shortcut). */
async function consent(emu: BlueButtonEmulator, url: string, extra = ''): Promise<URL> {
  const first = await call(url);
  // The SDK's slashless /authorize relies on Django's APPEND_SLASH redirect.
  expect([first.status, first.headers.get('location')]).toEqual([
    301,
    url.replace(/\/authorize\?/, '/authorize/?').replace(emu.baseUrl, ''),
  ]);
  const answer = await call(
    `${emu.baseUrl}${first.headers.get('location')}&emulator_user=BBUser00000${extra}`,
  );
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location') as string);
}

describe('emulator: the official Python SDK 1.0.5, request for request (multipart token calls)', () => {
  let emu: BlueButtonEmulator;
  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ v3Enabled: true, redirectUris: [CALLBACK] });
  });
  afterAll(() => emu.close());

  it('exchange, Patient, Coverage, every EOB page, userinfo, then the refresh of an expired token', async () => {
    const c = emu.client;
    const sdk = new PythonSdk(emu.baseUrl, 2, c.clientId, c.clientSecret, CALLBACK);
    const auth = PythonSdk.generateAuthData();
    expect([
      auth.verifier.length,
      auth.verifier.endsWith('='),
      auth.code_challenge.endsWith('='),
    ]).toEqual([44, true, true]);
    const cb = await consent(emu, sdk.authorizeUrl(auth));
    expect(cb.searchParams.get('state')).toBe(auth.state);

    const exchanged = await sdk.exchange(auth, cb.searchParams.get('code')!);
    expect(exchanged.status).toBe(200);
    const token = (await exchanged.json()) as {
      access_token: string;
      refresh_token: string;
      patient: string;
    };
    const post = emu.requestsTo('/v2/o/token/', 'POST').at(-1)!;
    expect(post.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect([post.headers['x-bluebutton-sdk'], post.headers['x-bluebutton-sdk-version']]).toEqual([
      'python',
      '1.0.5',
    ]);
    expect(Object.keys(post.form!)).toEqual([
      'client_id',
      'client_secret',
      'code',
      'grant_type',
      'redirect_uri',
      'code_verifier',
    ]);

    const reads = [
      await sdk.get(token.access_token, 'fhir/Patient/', {}),
      await sdk.get(token.access_token, 'fhir/Coverage/', {}),
      await sdk.get(token.access_token, 'connect/userinfo', {}),
    ];
    expect(reads.map(r => r.status)).toEqual([200, 200, 200]);
    expect(((await reads[2]!.json()) as { patient: string }).patient).toBe(token.patient);

    // get_pages: follow `next`, re-sending the first call's params on every page.
    const ids: string[] = [];
    let res = await sdk.get(token.access_token, 'fhir/ExplanationOfBenefit/', { _count: '10' });
    for (;;) {
      expect(res.status).toBe(200);
      const bundle = (await res.json()) as any;
      ids.push(...bundle.entry.map((e: any) => e.resource.id));
      const next = bundle.link.find((l: any) => l.relation === 'next')?.url;
      if (!next) break;
      res = await sdk.get(token.access_token, next, { _count: '10' });
    }
    expect([ids.length, new Set(ids).size]).toEqual([52, 52]);
    const page2 = emu.requestsTo('/v2/fhir/ExplanationOfBenefit', 'GET')[1]!;
    expect(page2.query.getAll('_count')).toEqual(['10', '10']);
    // The stale multipart content type of the exchange rides on every FHIR GET (SDK bug C1).
    expect(page2.headers['content-type']).toBe(post.headers['content-type']);

    // handle_expired(): the SDK refreshes (multipart + Basic) before its next call.
    const refreshed = await sdk.refresh(token.refresh_token);
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { access_token: string; refresh_token: string };
    const refreshPost = emu.requestsTo('/v2/o/token/', 'POST').at(-1)!;
    expect(Object.keys(refreshPost.form!)).toEqual(['client_id', 'grant_type', 'refresh_token']);
    expect(refreshPost.headers.authorization).toMatch(/^Basic /);
    expect((await sdk.get(next.access_token, 'fhir/Patient/', {})).status).toBe(200);
    expect((await sdk.get(token.access_token, 'fhir/Patient/', {})).status).toBe(401);
  });

  it('a second login of the same beneficiary leaks the deleted bearer into the exchange: BB2 answers 500', async () => {
    const c = emu.client;
    const sdk = new PythonSdk(emu.baseUrl, 2, c.clientId, c.clientSecret, CALLBACK);
    const first = PythonSdk.generateAuthData();
    const cb1 = await consent(emu, sdk.authorizeUrl(first));
    const t1 = (await (await sdk.exchange(first, cb1.searchParams.get('code')!)).json()) as any;
    expect((await sdk.get(t1.access_token, 'fhir/Patient/', {})).status).toBe(200);
    // Consent again: BB2 deletes the pair's earlier tokens (2e2d4da22), SDK_HEADERS still
    // holds the old bearer, and get_application_from_meta's AccessToken lookup raises.
    const again = PythonSdk.generateAuthData();
    const cb2 = await consent(emu, sdk.authorizeUrl(again));
    const r = await sdk.exchange(again, cb2.searchParams.get('code')!);
    expect([r.status, await r.text()]).toEqual([500, '{"error": "Server Error (500)"}']);
  });

  it('on v3 (scope appended as the official sample apps do): the exchange works, the multipart refresh is "Request denied"', async () => {
    const c = emu.client;
    const sdk = new PythonSdk(emu.baseUrl, 3, c.clientId, c.clientSecret, CALLBACK);
    const auth = PythonSdk.generateAuthData();
    const url = `${sdk.authorizeUrl(auth)}&scope=${PythonSdk.quote('patient/ExplanationOfBenefit.rs')}`;
    const cb = await consent(emu, url);
    const exchanged = await sdk.exchange(auth, cb.searchParams.get('code')!);
    expect(exchanged.status).toBe(200);
    const token = (await exchanged.json()) as { access_token: string; refresh_token: string };
    expect((await sdk.get(token.access_token, 'fhir/ExplanationOfBenefit/', {})).status).toBe(200);
    const refreshed = await sdk.refresh(token.refresh_token);
    expect([refreshed.status, await refreshed.text()]).toEqual([
      403,
      '{"status_code": 403, "message": "Request denied"}',
    ]);
  });
});
