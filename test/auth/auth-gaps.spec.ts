import { AuthorizationToken, TokenRefreshError } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  CALLBACK_URL,
  consent,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;

beforeAll(async () => {
  emu = await startEmulator();
  bb = await bootBlueButton(emu);
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  emu.clearRequests();
});

const tokenPosts = () => emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST');

describe('a client_id with URL metacharacters', () => {
  // Space, "&", "=" and "+": each would change the query (or the Basic credentials) if sent raw.
  const clientId = 'my app&x=1+y';
  const clientSecret = 'secret+with/odd=chars%20';
  let app: BlueButtonHarness;
  beforeAll(async () => {
    emu.registerClient({ clientId, clientSecret, redirectUris: [CALLBACK_URL] });
    app = await bootBlueButton(emu, { clientId, clientSecret });
  });
  afterAll(() => app.close());

  it('is percent-encoded in the authorize URL, and Blue Button accepts it', async () => {
    const authData = app.auth.generateAuthData();
    const url = app.auth.generateAuthorizeUrl(authData);
    expect(new URL(url).search).toBe(
      '?client_id=my%20app%26x%3D1%2By' +
        `&redirect_uri=${encodeURIComponent(CALLBACK_URL)}` +
        `&state=${authData.state}&response_type=code&code_challenge_method=S256` +
        `&code_challenge=${authData.codeChallenge}`,
    );
    const callback = await consent(url);
    expect([callback.searchParams.get('state'), callback.searchParams.get('code')]).toEqual([
      authData.state,
      expect.stringMatching(/^\w{30}$/),
    ]);
  });

  it('goes through the code exchange and a refresh (HTTP Basic, form-encoded per RFC 6749 §2.3.1)', async () => {
    const token = await login(app.auth);
    const fresh = await firstValueFrom(app.auth.refreshAuthToken(token));
    expect(fresh.accessToken).not.toBe(token.accessToken);
    const [exchange, refresh] = tokenPosts();
    expect([exchange.form?.client_id, exchange.form?.client_secret]).toEqual([
      clientId,
      clientSecret,
    ]);
    expect(refresh.form?.client_id).toBe(clientId);
    expect(refresh.headers.authorization).toBe(
      `Basic ${Buffer.from('my+app%26x%3D1%2By:secret%2Bwith%2Fodd%3Dchars%2520').toString('base64')}`,
    );
  });
});

describe('a refresh that times out', () => {
  it('fails with TokenRefreshError after timeoutMs, POSTs once, and leaves the token as it was', async () => {
    const quick = await bootBlueButton(emu, { timeoutMs: 150 });
    try {
      const token = await login(quick.auth);
      const before = JSON.stringify(token.toJSON());
      emu.clearRequests();
      emu.faults.enqueue({ path: '/v2/o/token', method: 'POST' }, { latencyMs: 1500 });
      const started = Date.now();
      const error = await firstValueFrom(quick.auth.refreshAuthToken(token)).catch(e => e);
      expect(error).toBeInstanceOf(TokenRefreshError);
      expect(error.message).toMatch(/timed out after 150 ms/);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(tokenPosts()).toHaveLength(1);
      expect(JSON.stringify(token.toJSON())).toBe(before);
    } finally {
      await quick.close();
    }
  });
});

describe('the refresh row "BFD/SLSx failure during the refresh"', () => {
  it('502 {"status_code":502,"message":…} is a transient TokenRefreshError, not a logout', async () => {
    const token: AuthorizationToken = await login(bb.auth);
    emu.faults.enqueue({ path: '/v2/o/token', method: 'POST' }, { status: 502 });
    const error = await firstValueFrom(bb.auth.refreshAuthToken(token)).catch(e => e);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect([error.status, error.detail]).toEqual([502, 'Blue Button answered HTTP 502']);
  });
});
