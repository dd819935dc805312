import { BlueButtonEmulator, type EmulatorClient } from 'nestjs-bluebutton/testing';
import { basic, call, getWith, postForm } from './helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const client = (id: string, extra: Partial<EmulatorClient> = {}): EmulatorClient => ({
  clientId: id.repeat(40).slice(0, 40),
  clientSecret: `${id}-secret`,
  redirectUris: [REDIRECT, 'http://localhost:3000/other'],
  ...extra,
});
const DAY = 86_400_000;

describe('emulator: token, refresh, revoke', () => {
  let emu: BlueButtonEmulator;
  const app = client('A', { name: 'Test App' });
  const oneTime = client('B', { accessType: 'ONE_TIME' });
  const research = client('C', { accessType: 'RESEARCH_STUDY' });
  const other = client('D');
  let tokenUrl: string;

  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ clients: [app, oneTime, research, other] });
    tokenUrl = `${emu.baseUrl}/v2/o/token/`;
  });
  afterAll(() => emu.close());
  afterEach(() => emu.clock.reset());

  async function codeFor(
    c: EmulatorClient,
    opts: Parameters<BlueButtonEmulator['authorize']>[0] = {},
  ) {
    return emu.authorize({ clientId: c.clientId, ...opts });
  }
  const exchange = (
    c: EmulatorClient,
    a: { code: string; codeVerifier: string; redirectUri?: string },
    extra: Record<string, string> = {},
  ) =>
    postForm(tokenUrl, {
      grant_type: 'authorization_code',
      code: a.code,
      redirect_uri: a.redirectUri ?? REDIRECT,
      code_verifier: a.codeVerifier,
      client_id: c.clientId,
      client_secret: c.clientSecret,
      ...extra,
    });
  const refresh = (c: EmulatorClient, refreshToken: string, extra: Record<string, string> = {}) =>
    postForm(
      tokenUrl,
      { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: c.clientId, ...extra },
      basic(c.clientId, c.clientSecret),
    );

  const url = (id: string) => `${emu.baseUrl}/v2/o/expire_authenticated_user/${id}/`;

  describe('authorization_code', () => {
    it('returns the BB2 token JSON with no-store headers and a 13-month grant expiration', async () => {
      const now = Date.parse('2025-01-31T10:00:00Z');
      emu.clock.set(now);
      const r = await exchange(app, await codeFor(app));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('pragma')).toBe('no-cache');
      const t = r.json();
      expect(Object.keys(t)).toEqual([
        'access_token',
        'expires_in',
        'token_type',
        'scope',
        'refresh_token',
        'patient',
        'access_grant_expiration',
      ]);
      expect(t.access_token).toMatch(/^[A-Za-z0-9]{30}$/);
      expect(t.refresh_token).toMatch(/^[A-Za-z0-9]{30}$/);
      expect([t.expires_in, t.token_type, t.patient]).toEqual([3600, 'Bearer', '-19990000000001']);
      expect(t.scope.split(' ').sort()).toEqual(
        [
          'launch/patient',
          'openid',
          'patient/Coverage.rs',
          'patient/ExplanationOfBenefit.rs',
          'patient/Patient.rs',
          'profile',
        ].sort(),
      );
      // relativedelta(months=+13) clamps Feb 31 to Feb 28.
      expect(t.access_grant_expiration).toBe('2026-02-28T10:00:00Z');
    });

    it('sets access_grant_expiration to now + expires_in for ONE_TIME and "" for RESEARCH_STUDY', async () => {
      emu.clock.set(Date.parse('2025-06-01T00:00:00Z'));
      const one = (await exchange(oneTime, await codeFor(oneTime))).json();
      expect(one.access_grant_expiration).toBe('2025-06-01T01:00:00Z');
      const res = (await exchange(research, await codeFor(research))).json();
      expect(res.access_grant_expiration).toBe('');
    });

    it('accepts client_secret_basic as well as client_secret_post', async () => {
      const a = await codeFor(app);
      const r = await postForm(
        tokenUrl,
        {
          grant_type: 'authorization_code',
          code: a.code,
          redirect_uri: REDIRECT,
          code_verifier: a.codeVerifier,
        },
        basic(app.clientId, app.clientSecret),
      );
      expect(r.status).toBe(200);
    });

    it('condenses .r + .s into .rs and drops demographic scopes when not shared', async () => {
      const a = await codeFor(app, {
        scope:
          'patient/Patient.r patient/ExplanationOfBenefit.r patient/ExplanationOfBenefit.s profile',
        shareDemographics: false,
      });
      expect((await exchange(app, a)).json().scope).toBe('patient/ExplanationOfBenefit.rs');
    });

    it.each([
      [
        'a Basic client that differs from the body client_id',
        () =>
          postForm(
            tokenUrl,
            { grant_type: 'authorization_code', client_id: app.clientId },
            basic(other.clientId, other.clientSecret),
          ),
        400,
        '{"status_code": 400, "error": "invalid_request", "error_description": "different app in headers than in request data"}',
      ],
      [
        'no client identification',
        () => postForm(tokenUrl, { grant_type: 'authorization_code' }),
        401,
        '{"status_code": 401, "error": "invalid_client", "error_description": "App id failed"}',
      ],
      [
        'an unknown body client_id',
        () => postForm(tokenUrl, { grant_type: 'authorization_code', client_id: 'nobody' }),
        400,
        '{"status_code": 400, "error": "invalid_client", "error_description": "Application does not exist (client_id)"}',
      ],
      [
        'an unknown Basic client',
        () => postForm(tokenUrl, { grant_type: 'authorization_code' }, basic('nobody', 'x')),
        401,
        '{"status_code": 401, "error": "invalid_client", "error_description": "Application does not exist"}',
      ],
      [
        'a missing grant_type',
        () => postForm(tokenUrl, { client_id: app.clientId, client_secret: app.clientSecret }),
        400,
        '{"error": "unsupported_grant_type"}',
      ],
      [
        'a missing code',
        () =>
          postForm(tokenUrl, {
            grant_type: 'authorization_code',
            client_id: app.clientId,
            client_secret: app.clientSecret,
          }),
        400,
        '{"error": "invalid_request", "error_description": "Missing code parameter."}',
      ],
    ])('answers %s exactly', async (_name, send, status, body) => {
      const r = await send();
      expect([r.status, r.text]).toEqual([status, body]);
    });

    it('answers a wrong secret with 401 invalid_client and WWW-Authenticate', async () => {
      const a = await codeFor(app);
      const r = await exchange(app, a, { client_secret: 'wrong' });
      expect([r.status, r.text]).toEqual([401, '{"error": "invalid_client"}']);
      expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_client"');
    });

    it('answers 403 for an inactive app', async () => {
      emu.updateClient(other.clientId, { active: false });
      try {
        const r = await postForm(tokenUrl, {
          grant_type: 'authorization_code',
          client_id: other.clientId,
        });
        expect(r.status).toBe(403);
        expect(r.json().error_description).toMatch(
          /^This application, Emulator Test App, is temporarily inactive\./,
        );
      } finally {
        emu.updateClient(other.clientId, { active: true });
      }
    });

    it('makes codes single use', async () => {
      const a = await codeFor(app);
      expect((await exchange(app, a)).status).toBe(200);
      const again = await exchange(app, a);
      expect([again.status, again.text]).toEqual([400, '{"error": "invalid_grant"}']);
    });

    it('expires codes after 60 seconds of emulator time', async () => {
      const a = await codeFor(app);
      emu.advanceTime(60_001);
      expect((await exchange(app, a)).text).toBe('{"error": "invalid_grant"}');
    });

    it('binds codes to the client', async () => {
      const a = await codeFor(app);
      expect((await exchange(other, a)).text).toBe('{"error": "invalid_grant"}');
    });

    it('requires and checks the PKCE verifier', async () => {
      const a = await codeFor(app);
      const missing = await exchange(app, { ...a, codeVerifier: '' });
      expect(missing.text).toBe(
        '{"error": "invalid_request", "error_description": "Code verifier required."}',
      );
      const wrong = await exchange(app, { ...a, codeVerifier: 'x'.repeat(64) });
      expect([wrong.status, wrong.text]).toEqual([400, '{"error": "invalid_grant"}']);
      expect((await exchange(app, a)).status).toBe(200);
    });

    it('ignores trailing = padding on the stored code_challenge', async () => {
      const { createHash, randomBytes } = await import('node:crypto');
      const verifier = randomBytes(40).toString('base64url');
      const padded = `${createHash('sha256').update(verifier).digest('base64url')}=`;
      const q = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        state: 'state-is-long-enough',
        code_challenge: padded,
        code_challenge_method: 'S256',
        emulator_user: 'BBUser00000',
      });
      const loc = (await call(`${emu.baseUrl}/v2/o/authorize/?${q}`)).headers.get(
        'location',
      ) as string;
      const code = new URL(loc).searchParams.get('code') as string;
      expect((await exchange(app, { code, codeVerifier: verifier })).status).toBe(200);
    });

    it('binds codes to the redirect URI (an omitted one means the first registered)', async () => {
      const a = await codeFor(app, { redirectUri: 'http://localhost:3000/other' });
      const r = await exchange(app, { ...a, redirectUri: REDIRECT });
      expect(r.text).toBe(
        '{"error": "invalid_request", "error_description": "Mismatching redirect URI."}',
      );
      const b = await codeFor(app);
      const omitted = await postForm(tokenUrl, {
        grant_type: 'authorization_code',
        code: b.code,
        code_verifier: b.codeVerifier,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect(omitted.status).toBe(200);
    });

    it('answers 405 to a GET', async () => {
      expect((await call(tokenUrl)).status).toBe(405);
    });

    it('reads time from an injected clock source', async () => {
      const fixed = await BlueButtonEmulator.start({
        clock: { now: () => Date.parse('2030-03-31T12:00:00Z') },
      });
      try {
        expect((await fixed.getToken()).access_grant_expiration).toBe('2031-04-30T12:00:00Z');
        fixed.advanceTime(86_400_000);
        expect((await fixed.getToken()).access_grant_expiration).toBe('2031-05-01T12:00:00Z');
      } finally {
        await fixed.close();
      }
    });

    it('honours the expiresIn option', async () => {
      const legacy = await BlueButtonEmulator.start({ expiresIn: 36000 });
      try {
        expect((await legacy.getToken()).expires_in).toBe(36000);
      } finally {
        await legacy.close();
      }
    });
  });

  describe('refresh_token', () => {
    it('rotates: new pair, old refresh token then answers the exact invalid_grant bytes', async () => {
      const first = (await exchange(app, await codeFor(app))).json();
      const r = await refresh(app, first.refresh_token);
      expect(r.status).toBe(200);
      const second = r.json();
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      const reused = await refresh(app, first.refresh_token);
      expect([reused.status, reused.text]).toEqual([400, '{"error": "invalid_grant"}']);
      expect((await getWith(emu, '/v2/fhir/Patient', first.access_token)).status).toBe(401);
      expect((await getWith(emu, '/v2/fhir/Patient', second.access_token)).status).toBe(200);
    });

    it('grants a SMART subset of the original scopes and refuses anything else', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      const narrowed = await refresh(app, t.refresh_token, { scope: 'patient/Patient.r' });
      expect(narrowed.json().scope).toBe('patient/Patient.r');
      const wider = await refresh(app, narrowed.json().refresh_token, {
        scope: 'patient/Coverage.rs',
      });
      expect([wider.status, wider.text]).toEqual([400, '{"error": "invalid_scope"}']);
    });

    it('refuses ONE_TIME apps with 403 invalid_client', async () => {
      const t = (await exchange(oneTime, await codeFor(oneTime))).json();
      const r = await refresh(oneTime, t.refresh_token);
      expect(r.status).toBe(403);
      expect(r.json()).toEqual({
        status_code: 403,
        error: 'invalid_client',
        error_description:
          'Your application is not allowed to refresh tokens. To refresh Medicare data, end user must re-authenticate and consent to share their data. If your application needs to refresh tokens, contact us at BlueButtonAPI@cms.hhs.gov.',
      });
    });

    it('answers 401 invalid_grant once the 13-month grant has expired', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      emu.advanceTime(400 * DAY);
      const r = await refresh(app, t.refresh_token);
      expect([r.status, r.text]).toEqual([
        401,
        '{"status_code": 401, "error": "invalid_grant", "error_description": "User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data."}',
      ]);
    });

    it('keeps RESEARCH_STUDY grants forever', async () => {
      const t = (await exchange(research, await codeFor(research))).json();
      emu.advanceTime(5 * 365 * DAY);
      expect((await refresh(research, t.refresh_token)).status).toBe(200);
    });

    it('answers 403 invalid_grant once the grant is gone (expire_authenticated_user)', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      const expire = await call(`${emu.baseUrl}/v2/o/expire_authenticated_user/${t.patient}/`, {
        method: 'POST',
        headers: basic(app.clientId, app.clientSecret),
      });
      expect([expire.status, expire.text]).toEqual([200, 'success']);
      const fhir = await getWith(emu, '/v2/fhir/Patient', t.access_token);
      expect([fhir.status, fhir.text]).toEqual([
        401,
        '{"detail":"Authentication credentials were not provided."}',
      ]);
      const r = await refresh(app, t.refresh_token);
      expect([r.status, r.text]).toEqual([
        403,
        '{"status_code": 403, "error": "invalid_grant", "error_description": "User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data."}',
      ]);
    });

    it('answers 400 for an unknown refresh token and for a missing one', async () => {
      const unknown = await refresh(app, 'n0t-a-real-refresh-token-value');
      expect(unknown.text).toBe(
        '{"status_code": 400, "error": "invalid_request", "error_description": "Refresh token not found."}',
      );
      const missing = await postForm(
        tokenUrl,
        { grant_type: 'refresh_token' },
        basic(app.clientId, app.clientSecret),
      );
      expect(missing.text).toBe(
        '{"status_code": 400, "error": "invalid_request", "error_description": "Missing refresh token parameter"}',
      );
    });

    it('refuses a refresh token after its access token was revoked', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      const rev = await postForm(
        `${emu.baseUrl}/v2/o/revoke_token/`,
        { token: t.access_token },
        basic(app.clientId, app.clientSecret),
      );
      expect(rev.status).toBe(200);
      expect((await refresh(app, t.refresh_token)).text).toBe('{"error": "invalid_grant"}');
    });
  });

  describe('revoke, revoke_token, expire_authenticated_user, introspect', () => {
    it('/revoke/ deletes the grant and the token, and is 200 even for unknown tokens', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      const r = await postForm(`${emu.baseUrl}/v2/o/revoke/`, {
        token: t.access_token,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      expect([r.status, r.text]).toEqual([200, '']);
      expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(401);
      expect((await refresh(app, t.refresh_token)).status).toBe(403);
      const unknown = await postForm(`${emu.baseUrl}/v2/o/revoke/`, { token: 'nope' });
      expect([unknown.status, unknown.text]).toEqual([200, '']);
    });

    it('/revoke_token/ keeps the grant and refuses other apps and unknown apps', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      const foreign = await postForm(
        `${emu.baseUrl}/v2/o/revoke_token/`,
        { token: t.access_token },
        basic(other.clientId, other.clientSecret),
      );
      expect([foreign.status, foreign.text]).toEqual([
        403,
        '{"status_code": 403, "description": "Application did not have access to the provided token."}',
      ]);
      const nobody = await postForm(`${emu.baseUrl}/v2/o/revoke_token/`, {
        token: t.access_token,
        client_id: 'nobody',
      });
      expect(nobody.text).toBe(
        '{"status_code": 403, "description": "Application is not active or does not exist."}',
      );
      const ok = await postForm(
        `${emu.baseUrl}/v2/o/revoke_token/`,
        { token: t.refresh_token, token_type_hint: 'refresh_token' },
        basic(app.clientId, app.clientSecret),
      );
      expect([ok.status, ok.text]).toEqual([200, '']);
      expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(401);
    });

    it('expire_authenticated_user answers its text bodies and 403 without client auth', async () => {
      const noAuth = await call(url('-19990000000001'), { method: 'POST' });
      expect([noAuth.status, noAuth.text]).toEqual([403, '']);
      const unknown = await call(url('-1'), {
        method: 'POST',
        headers: basic(app.clientId, app.clientSecret),
      });
      expect([unknown.status, unknown.text]).toEqual([
        404,
        'Patient was Not Found. Please check the id number and try again.',
      ]);
      const none = await call(url('-19990000000005'), {
        method: 'POST',
        headers: basic(app.clientId, app.clientSecret),
      });
      expect([none.status, none.text]).toEqual([404, 'Data Access Grant was Not Found.']);
    });

    it('introspect reports active tokens to their client', async () => {
      const t = (await exchange(app, await codeFor(app))).json();
      const r = await postForm(
        `${emu.baseUrl}/v2/o/introspect/`,
        { token: t.access_token },
        basic(app.clientId, app.clientSecret),
      );
      expect(r.json()).toMatchObject({
        active: true,
        client_id: app.clientId,
        username: 'BBUser00000',
      });
    });
  });
});
