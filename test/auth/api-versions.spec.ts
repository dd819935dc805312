import { Test } from '@nestjs/testing';
import { BlueButtonConfigError, BlueButtonModule } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  consent,
  emulatorOptions,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

const V3_SCOPES = ['openid', 'patient/Patient.rs', 'patient/Coverage.rs'];

let emu: BlueButtonEmulator;
/** A v2 module (the default version) without configured scopes. */
let bb: BlueButtonHarness;

beforeAll(async () => {
  emu = await startEmulator({ v3Enabled: true });
  bb = await bootBlueButton(emu);
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

const posts = () => emu.requests.filter(r => r.method === 'POST').map(r => r.path);

describe('a v3 authorization always asks for scopes', () => {
  it('stops the boot of a version 3 module without scopes, naming the key', async () => {
    const compile = Test.createTestingModule({
      imports: [BlueButtonModule.forRoot(emulatorOptions(emu, { version: 3 }))],
    }).compile();
    const error = await compile.catch(e => e);
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect(error.issues.map((i: { key: string }) => i.key)).toEqual(['scopes']);
    expect(error.message).toMatch(/scopes: is required when version is 3/);
  });

  it('refuses startAuthorization({ version: 3 }) without scopes, storing and sending nothing', async () => {
    const error = await firstValueFrom(bb.auth.startAuthorization({ version: 3 })).catch(e => e);
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect(error.message).toMatch(/scopes: is required on API v3/);
    expect(emu.requests).toEqual([]);
  });

  it('sends them on the v3 authorize URL when given per call', async () => {
    const { url } = await firstValueFrom(
      bb.auth.startAuthorization({ version: 3, scopes: V3_SCOPES }),
    );
    const authorize = new URL(url);
    expect([authorize.pathname, authorize.searchParams.get('scope')]).toEqual([
      '/v3/o/authorize/',
      V3_SCOPES.join(' '),
    ]);
  });

  it.each([4, '3', 0])('refuses version %j with BlueButtonConfigError', version => {
    expect(() => bb.auth.generateAuthData({ version: version as never })).toThrow(
      /version: must be 1, 2 or 3/,
    );
  });
});

describe('the version of a login is the version of its token', () => {
  it('completeAuthorization exchanges at the version the login was started for', async () => {
    const v3 = await login(bb.auth, {}, { version: 3, scopes: V3_SCOPES });
    const v2 = await login(bb.auth);
    expect([v3.version, v2.version]).toEqual([3, 2]);
    expect(posts()).toEqual(['/v3/o/token/', '/v2/o/token/']);
  });

  it('the seed flow: generateAuthData({ version }) drives the authorize URL and the exchange', async () => {
    const authData = bb.auth.generateAuthData({ version: 3 });
    const url = bb.auth.generateAuthorizeUrl(authData, { scopes: V3_SCOPES });
    expect(new URL(url).pathname).toBe('/v3/o/authorize/');
    const callback = await consent(url);
    const token = await firstValueFrom(
      bb.auth.getAuthorizationToken(
        authData,
        callback.searchParams.get('code')!,
        callback.searchParams.get('state')!,
      ),
    );
    expect(token.version).toBe(3);
    expect(posts()).toEqual(['/v3/o/token/']);
  });

  it('AuthData without a version (saved by version 0.1) uses the configured version', async () => {
    const { version: _, ...legacy } = bb.auth.generateAuthData();
    const callback = await consent(bb.auth.generateAuthorizeUrl(legacy));
    const token = await firstValueFrom(
      bb.auth.getAuthorizationToken(legacy, callback.searchParams.get('code')!, legacy.state),
    );
    expect([callback.searchParams.get('state'), token.version]).toEqual([legacy.state, 2]);
    expect(posts()).toEqual(['/v2/o/token/']);
  });

  it("refreshes and revokes each token at its own version's endpoints", async () => {
    const v3 = await login(bb.auth, {}, { version: 3, scopes: V3_SCOPES });
    const v2 = await login(bb.auth, { user: 'BBUser00001' });
    emu.clearRequests();
    const [r3, r2] = await Promise.all([
      firstValueFrom(bb.auth.refreshAuthToken(expiredCopy(v3))),
      firstValueFrom(bb.auth.refreshAuthToken(expiredCopy(v2))),
    ]);
    expect([r3.version, r2.version]).toEqual([3, 2]);
    await firstValueFrom(bb.auth.revoke(r3));
    await firstValueFrom(bb.auth.revoke(r2, { tokenOnly: true }));
    const seen = emu.requests.map(r => `${r.path} ${r.form?.refresh_token ?? r.form?.token}`);
    expect(seen.sort()).toEqual(
      [
        `/v2/o/revoke_token/ ${r2.accessToken}`,
        `/v2/o/token/ ${v2.refreshToken}`,
        `/v3/o/revoke/ ${r3.accessToken}`,
        `/v3/o/token/ ${v3.refreshToken}`,
      ].sort(),
    );
  });

  it('passes the v3 token endpoint that refuses unknown body fields (BB2, Oct 2025–Mar 2026)', async () => {
    const strict = await startEmulator({ v3Enabled: true, strictV3TokenBody: true });
    const app = await bootBlueButton(strict, { scopes: V3_SCOPES });
    try {
      const token = await login(app.auth, {}, { version: 3 });
      const refreshed = await firstValueFrom(app.auth.refreshAuthToken(expiredCopy(token)));
      await firstValueFrom(app.auth.revoke(refreshed));
      expect(strict.requests.filter(r => r.method === 'POST').map(r => r.path)).toEqual([
        '/v3/o/token/',
        '/v3/o/token/',
        '/v3/o/revoke/',
      ]);
    } finally {
      await app.close();
      await strict.close();
    }
  });
});
