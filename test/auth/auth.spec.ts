import { createHash } from 'node:crypto';
import {
  AuthorizationDeniedError,
  AuthorizationToken,
  BlueButtonClock,
  BlueButtonConfigError,
  OAuthError,
  ReauthorizationRequiredError,
  StateMismatchError,
  TokenRefreshError,
  type AuthData,
} from 'nestjs-bluebutton';
import packageJson from '../../package.json' with { type: 'json' };
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  bootBlueButton,
  CALLBACK_URL,
  consent,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;

beforeAll(async () => {
  emu = await startEmulator();
  // One clock for both sides: a test moves time with emu.clock.advance() instead of sleeping.
  bb = await bootBlueButton(emu, {
    extraProviders: [{ provide: BlueButtonClock, useValue: emu.clock }],
  });
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

const tokenPosts = () => emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST');

describe('the authorize URL', () => {
  it('has the exact path and every parameter percent-encoded, the callback query intact', () => {
    const authData: AuthData = bb.auth.generateAuthData();
    const url = new URL(
      bb.auth.generateAuthorizeUrl(authData, {
        scopes: ['patient/Patient.rs', 'profile'],
        lang: 'es',
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${emu.baseUrl}/v2/o/authorize/`);
    expect(url.search).toBe(
      `?client_id=${emu.client.clientId}` +
        `&redirect_uri=${encodeURIComponent(CALLBACK_URL)}` +
        `&state=${authData.state}&response_type=code&code_challenge_method=S256` +
        `&code_challenge=${authData.codeChallenge}&scope=patient%2FPatient.rs%20profile&lang=es`,
    );
    expect(authData.codeVerifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(authData.codeChallenge).toBe(
      createHash('sha256').update(authData.codeVerifier).digest('base64url'),
    );
  });

  it('is accepted by Blue Button, which redirects to the callback with its own query preserved', async () => {
    const authData = bb.auth.generateAuthData();
    const callback = await consent(bb.auth.generateAuthorizeUrl(authData));
    expect(`${callback.origin}${callback.pathname}`).toBe(
      'http://127.0.0.1:3999/bluebutton/callback',
    );
    expect([
      callback.searchParams.get('app'),
      callback.searchParams.get('x'),
      callback.searchParams.get('state'),
    ]).toEqual(['test', '1', authData.state]);
    expect(callback.searchParams.get('code')).toMatch(/^\w{30}$/);
  });

  it('requires scopes on v3, at call time too', () => {
    // The module is v2 without scopes; a v3 login (per call) must still ask for some.
    expect(() => bb.auth.generateAuthorizeUrl(bb.auth.generateAuthData({ version: 3 }))).toThrow(
      BlueButtonConfigError,
    );
  });
});

describe('getAuthorizationToken', () => {
  it('exchanges the code with one urlencoded POST of the six fields and SDK headers', async () => {
    const authData = bb.auth.generateAuthData();
    const callback = await consent(bb.auth.generateAuthorizeUrl(authData));
    emu.clearRequests();
    const token = await firstValueFrom(
      bb.auth.getAuthorizationToken(
        authData,
        callback.searchParams.get('code')!,
        callback.searchParams.get('state')!,
      ),
    );
    const [post] = tokenPosts();
    expect(tokenPosts()).toHaveLength(1);
    expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post.form).toEqual({
      client_id: emu.client.clientId,
      client_secret: emu.client.clientSecret,
      code: callback.searchParams.get('code'),
      grant_type: 'authorization_code',
      redirect_uri: CALLBACK_URL,
      code_verifier: authData.codeVerifier,
    });
    expect([post.headers['x-bluebutton-sdk'], post.headers['x-bluebutton-sdk-version']]).toEqual([
      'nestjs',
      packageJson.version,
    ]);
    expect(token.patient).toBe(emu.patientIdFor('BBUser00000'));
    expect(token.refreshToken).toMatch(/^\w{30}$/);
    expect(token.accessGrantExpiration).toBeInstanceOf(Date);
  });

  it.each([
    ['a denial', { error: 'access_denied' }, AuthorizationDeniedError],
    ['another OAuth error', { error: 'server_error', code: 'x' }, OAuthError],
    ['a missing code', { code: undefined }, OAuthError],
    ['a missing state', { state: undefined }, StateMismatchError],
    ['a different state', { state: 'x'.repeat(43) }, StateMismatchError],
  ])('rejects %s before sending anything', async (_, patch, errorClass) => {
    const authData = bb.auth.generateAuthData();
    const args = {
      code: 'some-code',
      state: authData.state,
      error: undefined as string | undefined,
      ...patch,
    };
    const error = await firstValueFrom(
      bb.auth.getAuthorizationToken(authData, args.code, args.state, args.error),
    ).catch(e => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).not.toContain(authData.state);
    expect(emu.requests).toHaveLength(0);
  });

  it('turns a reused code into an OAuthError invalid_grant', async () => {
    const authData = bb.auth.generateAuthData();
    const cb = await consent(bb.auth.generateAuthorizeUrl(authData));
    const exchange = () =>
      firstValueFrom(
        bb.auth.getAuthorizationToken(authData, cb.searchParams.get('code')!, authData.state),
      );
    await exchange();
    await expect(exchange()).rejects.toMatchObject({
      name: 'OAuthError',
      error: 'invalid_grant',
      status: 400,
    });
  });
});

describe('startAuthorization / completeAuthorization', () => {
  it('keeps state and verifier in the store, single use', async () => {
    const { url, state } = await firstValueFrom(
      bb.auth.startAuthorization({ returnTo: '/claims' }),
    );
    const callback = await consent(url);
    const params = Object.fromEntries(callback.searchParams);
    const done = await firstValueFrom(bb.auth.completeAuthorization(params));
    expect([done.returnTo, done.token.patient, params.state]).toEqual([
      '/claims',
      emu.patientIdFor('BBUser00000'),
      state,
    ]);
    // The verifier sent is the one behind the challenge Blue Button saw on the authorize URL.
    const challenge = new URL(url).searchParams.get('code_challenge');
    const verifier = tokenPosts().at(-1)!.form!.code_verifier;
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
    await expect(firstValueFrom(bb.auth.completeAuthorization(params))).rejects.toThrow(
      StateMismatchError,
    );
  });

  it('fails on a state older than 10 minutes', async () => {
    const { url } = await firstValueFrom(bb.auth.startAuthorization());
    const params = Object.fromEntries((await consent(url)).searchParams);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1 });
    try {
      await expect(firstValueFrom(bb.auth.completeAuthorization(params))).rejects.toThrow(
        StateMismatchError,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports a denial at consent as AuthorizationDeniedError', async () => {
    const { url } = await firstValueFrom(bb.auth.startAuthorization());
    const callback = await consent(url, { decision: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expect(
      firstValueFrom(bb.auth.completeAuthorization(Object.fromEntries(callback.searchParams))),
    ).rejects.toThrow(AuthorizationDeniedError);
  });
});

describe('refreshAuthToken', () => {
  it('POSTs urlencoded with Basic client auth and rotates the refresh token; reuse is refused', async () => {
    const token = await login(bb.auth);
    emu.clearRequests();
    const fresh = await firstValueFrom(bb.auth.refreshAuthToken(token));
    const [post] = tokenPosts();
    const basic = Buffer.from(`${emu.client.clientId}:${emu.client.clientSecret}`).toString(
      'base64',
    );
    expect(post.headers.authorization).toBe(`Basic ${basic}`);
    expect(post.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: token.refreshToken,
      client_id: emu.client.clientId,
    });
    expect(post.headers['x-bluebutton-sdk']).toBe('nestjs');
    expect(fresh.refreshToken).not.toBe(token.refreshToken);
    expect(fresh.accessToken).not.toBe(token.accessToken);

    // A second process that still holds the old token, with no shared store, gets the server's verdict.
    const other = await bootBlueButton(emu);
    try {
      const error = await firstValueFrom(other.auth.refreshAuthToken(token)).catch(e => e);
      expect(error).toBeInstanceOf(ReauthorizationRequiredError);
      expect([error.reason, error.status]).toEqual(['refresh-token-rejected', 400]);
    } finally {
      await other.close();
    }
  });

  it('lets a late caller in the same process adopt the rotation instead of replaying the old token', async () => {
    const token = await login(bb.auth);
    const first = await firstValueFrom(bb.auth.refreshAuthToken(token));
    emu.clearRequests();
    const late = await firstValueFrom(bb.auth.refreshAuthToken(token));
    expect(late.accessToken).toBe(first.accessToken);
    expect(tokenPosts()).toHaveLength(0);
  });

  it('sends exactly one POST for 50 concurrent refreshes of one expired token', async () => {
    const token = expiredCopy(await login(bb.auth));
    emu.clearRequests();
    emu.faults.setLatency({ path: '/v2/o/token', method: 'POST' }, 50);
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => lastValueFrom(bb.auth.refreshAuthToken(token))),
      );
      expect(tokenPosts()).toHaveLength(1);
      expect(new Set(results.map(t => t.accessToken)).size).toBe(1);
      expect(results[0].isExpired()).toBe(false);
    } finally {
      emu.faults.setLatency({ path: '/v2/o/token', method: 'POST' }, null);
    }
  });

  it('keeps the refresh token when the answer omits it', async () => {
    const token = await login(bb.auth);
    emu.faults.enqueue(
      { path: '/v2/o/token', method: 'POST' },
      {
        status: 200,
        body: {
          access_token: 'A'.repeat(30),
          expires_in: 3600,
          token_type: 'Bearer',
          scope: token.scope.join(' '),
        },
      },
    );
    const fresh = await firstValueFrom(bb.auth.refreshAuthToken(token));
    expect([fresh.accessToken, fresh.refreshToken, fresh.patient]).toEqual([
      'A'.repeat(30),
      token.refreshToken,
      token.patient,
    ]);
  });

  it('refuses a token without a refresh token before sending anything', async () => {
    const token = await login(bb.auth);
    const bare = AuthorizationToken.fromJSON({ ...token.toJSON(), refreshToken: undefined });
    emu.clearRequests();
    await expect(firstValueFrom(bb.auth.refreshAuthToken(bare))).rejects.toMatchObject({
      reason: 'no-refresh-token',
    });
    expect(emu.requests).toHaveLength(0);
    expect(bare.canRefresh).toBe(false);
  });
});

describe('each refused refresh maps to the error it means', () => {
  it('ONE_TIME app → 403 invalid_client → one-time-app', async () => {
    const oneTime = emu.registerClient({
      clientId: 'o'.repeat(40),
      clientSecret: 'one-time-secret',
      redirectUris: [CALLBACK_URL],
      accessType: 'ONE_TIME',
    });
    const app = await bootBlueButton(emu, {
      clientId: oneTime.clientId,
      clientSecret: oneTime.clientSecret,
    });
    try {
      const token = await login(app.auth);
      await expect(firstValueFrom(app.auth.refreshAuthToken(token))).rejects.toMatchObject({
        name: 'ReauthorizationRequiredError',
        reason: 'one-time-app',
        status: 403,
      });
    } finally {
      await app.close();
    }
  });

  it('13-month grant expired → 401 invalid_grant → grant-expired', async () => {
    const token = await login(bb.auth, { user: 'BBUser00001' });
    emu.expireGrant(token.patient!);
    await expect(firstValueFrom(bb.auth.refreshAuthToken(token))).rejects.toMatchObject({
      reason: 'grant-expired',
      status: 401,
    });
  });

  it('grant revoked → 403 invalid_grant → grant-not-found', async () => {
    const token = await login(bb.auth, { user: 'BBUser00002' });
    emu.revokeGrant(token.patient!);
    await expect(firstValueFrom(bb.auth.refreshAuthToken(token))).rejects.toMatchObject({
      reason: 'grant-not-found',
      status: 403,
    });
  });

  it('unknown refresh token → 400 "Refresh token not found." → refresh-token-rejected', async () => {
    const token = await login(bb.auth);
    const forged = AuthorizationToken.fromJSON({ ...token.toJSON(), refreshToken: 'z'.repeat(30) });
    await expect(firstValueFrom(bb.auth.refreshAuthToken(forged))).rejects.toMatchObject({
      reason: 'refresh-token-rejected',
      status: 400,
    });
  });

  it.each([
    ['a 503', { status: 503 }],
    ['a dropped connection', { drop: true as const }],
  ])('%s → TokenRefreshError, token unchanged, POST never repeated', async (_, fault) => {
    const token = await login(bb.auth);
    emu.clearRequests();
    emu.faults.enqueue({ path: '/v2/o/token', method: 'POST' }, fault);
    await expect(firstValueFrom(bb.auth.refreshAuthToken(token))).rejects.toThrow(
      TokenRefreshError,
    );
    expect(tokenPosts()).toHaveLength(1);
    // Nothing was rotated, so once the shared transient outcome (2 s) has expired the same token
    // refreshes fine.
    emu.clock.advance(2_100);
    await expect(firstValueFrom(bb.auth.refreshAuthToken(token))).resolves.toBeInstanceOf(
      AuthorizationToken,
    );
  });
});

describe('revoke', () => {
  it('revokes the grant: the token stops working', async () => {
    const token = await login(bb.auth);
    emu.clearRequests();
    await firstValueFrom(bb.auth.revoke(token));
    const [post] = emu.requestsTo('/v2/o/revoke/', 'POST');
    expect(post.form).toMatchObject({ token: token.accessToken });
    emu.clearRequests();
    // The 401 invalid_token triggers one refresh, which Blue Button refuses: log in again.
    const error = await firstValueFrom(bb.fhir.getCoverageData(token)).catch(e => e);
    expect(error).toMatchObject({
      name: 'ReauthorizationRequiredError',
      reason: 'grant-not-found',
      status: 403,
    });
    expect(emu.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/fhir/Coverage/',
      'POST /v2/o/token/',
    ]);
  });
});
