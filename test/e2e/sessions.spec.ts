import type { Server } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthService,
  BlueButtonConfigError,
  BlueButtonModule,
  BlueButtonSessions,
  BlueButtonStore,
  MemoryBlueButtonStore,
  type AuthorizationTokenJSON,
  type BlueButtonModuleExtras,
  type BlueButtonModuleOptions,
  type StoreSetOptions,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import {
  bootBlueButton,
  consent,
  login,
  startEmulator,
  type BlueButtonHarness,
  fakeToken,
} from '../support/bluebutton.js';
import { createTestApp, SESSION_SECRET } from './app/test-app.js';

/**
 * How a request finds its beneficiary's token: the app's own key (`tokenKey`) or the package's
 * signed cookie — its `Secure` flag, its secret (random with a warning outside PRODUCTION, required
 * in PRODUCTION), and the store record a mid-session refresh rewrites.
 */

/** The record `StoredTokens` keeps under `token:<key>` in the BlueButtonStore. */
interface TokenRecord {
  token: AuthorizationTokenJSON;
  version: number;
}

const TOKEN_POST = /^\/v2\/o\/token\/?$/;
const NO_SECRET_WARNING = /^No session\.secret configured/;

let emu: BlueButtonEmulator;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** `name=value` of every Set-Cookie, joined for a `Cookie` request header ('' when none). */
function cookiesOf(setCookie: string[] | string | undefined): string {
  return ([] as string[])
    .concat(setCookie ?? [])
    .map(c => c.split(';')[0])
    .join('; ');
}

const setCookies = (res: request.Response): string[] =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []);

const sessionSetCookie = (res: request.Response) =>
  setCookies(res).find(c => c.startsWith('bluebutton_session='));

/**
 * The built-in login flow, carrying whatever cookies /bluebutton/login sets on to the callback
 * (by hand, so even `Secure` ones travel over the test's plain http), with `headers` on both hops.
 */
async function loginThroughRoutes(
  app: INestApplication,
  options: { user?: string; shareDemographics?: boolean; headers?: Record<string, string> } = {},
): Promise<request.Response> {
  const server = app.getHttpServer() as Server;
  const headers = options.headers ?? {};
  const start = await request(server).get('/bluebutton/login').set(headers).expect(302);
  const callback = await consent(start.headers.location, options);
  const carried = cookiesOf(start.headers['set-cookie']);
  const done = request(server).get(`${callback.pathname}${callback.search}`).set(headers);
  return carried ? done.set('Cookie', carried) : done;
}

/** The session id inside a `bluebutton_session=<id>.<expiry>.<signature>` Set-Cookie. */
function sessionIdOf(setCookie: string): string {
  return decodeURIComponent(setCookie.split(';')[0].split('=')[1]).split('.')[0];
}

function noSecretWarnings(warn: { mock: { calls: unknown[][] } }): unknown[][] {
  return warn.mock.calls.filter(([message]) => NO_SECRET_WARNING.test(String(message)));
}

/** A response stub for calling BlueButtonSessions directly. */
function fakeResponse() {
  const headers = new Map<string, string | string[]>();
  return {
    headers,
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader: (name: string, value: string | string[]) => headers.set(name.toLowerCase(), value),
  };
}

describe('tokenKey: req => … (the app keys tokens by its own user id)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createTestApp(emu, {
      tokenKey: req => req.headers['x-user'],
    });
  });
  afterAll(() => app.close());

  it('stores the callback token under token:user:<id>, sets no session cookie, and serves it to that user only', async () => {
    const done = await loginThroughRoutes(app, {
      user: 'BBUser00011',
      headers: { 'x-user': 'alice' },
    });
    expect([done.status, done.headers.location]).toEqual([302, '/home']);
    expect(sessionSetCookie(done)).toBeUndefined();

    const store = app.get(BlueButtonStore);
    const record = (await store.get<TokenRecord>('token:user:alice'))!;
    expect(record.token.patient).toBe(emu.patientIdFor('BBUser00011'));
    expect(await store.get('token:user:bob')).toBeUndefined();

    const server = app.getHttpServer() as Server;
    emu.clearRequests();
    const mine = await request(server).get('/api/coverage').set('x-user', 'alice').expect(200);
    expect(mine.body.beneficiary).toBe(`Patient/${emu.patientIdFor('BBUser00011')}`);
    // On the wire: the FHIR call carried exactly the access token of the stored record.
    expect(emu.requestsTo('/v2/fhir/Coverage').map(r => r.headers.authorization)).toEqual([
      `Bearer ${record.token.accessToken}`,
    ]);

    emu.clearRequests();
    for (const other of [{ 'x-user': 'bob' }, {}]) {
      const res = await request(server).get('/api/whoami').set(other).expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Connect your Medicare account first.',
        loginUrl: '/bluebutton/login',
      });
    }
    expect(emu.requests).toHaveLength(0);
  });

  it('ignores a session cookie: only the tokenKey counts', async () => {
    const token = await login(app.get(AuthService), { user: 'BBUser00013' });
    const { cookie } = await app.get(BlueButtonSessions).createSession(token);
    await request(app.getHttpServer() as Server)
      .get('/api/whoami')
      .set('Cookie', cookie)
      .expect(401);
  });

  it('sends a callback whose request has no key to failureRedirect, storing nothing', async () => {
    const done = await loginThroughRoutes(app, { user: 'BBUser00012' });
    expect([done.status, done.headers.location]).toEqual([
      302,
      '/oops?bluebutton_error=server_error',
    ]);
    expect(sessionSetCookie(done)).toBeUndefined();
    expect(await app.get(BlueButtonStore).get('token:user:undefined')).toBeUndefined();
  });
});

/** A memory store that lists the keys written to it. */
class RecordingStore extends MemoryBlueButtonStore {
  readonly written: string[] = [];
  override async set<T>(key: string, value: T, options?: StoreSetOptions): Promise<boolean> {
    this.written.push(key);
    return super.set(key, value, options);
  }
}

const COOKIE =
  /^bluebutton_session=[\w%.-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=[1-9]\d*(; Secure)?$/;

describe('the session cookie’s Secure flag', () => {
  let httpsApp: BlueButtonHarness;
  let httpApp: BlueButtonHarness;
  beforeAll(async () => {
    httpsApp = await bootBlueButton(emu, {
      callbackUrl: 'https://app.example.org/bluebutton/callback',
      session: { secret: SESSION_SECRET },
    });
    httpApp = await bootBlueButton(emu, { session: { secret: SESSION_SECRET } });
  });
  afterAll(async () => {
    await httpsApp.close();
    await httpApp.close();
  });

  it('is on when callbackUrl is https (createSession, and startSession even for a plain request)', async () => {
    const sessions = httpsApp.moduleRef.get(BlueButtonSessions);
    const { setCookie, cookie } = await sessions.createSession(fakeToken());
    expect(setCookie).toMatch(COOKIE);
    expect(setCookie.endsWith('; Secure')).toBe(true);
    expect(cookie).not.toContain('Secure'); // the request-header form is only name=value

    const res = fakeResponse();
    await sessions.startSession({ headers: {} }, res, fakeToken());
    const [set] = res.headers.get('set-cookie') as string[];
    expect(set).toMatch(COOKIE);
    expect(set.endsWith('; Secure')).toBe(true);
  });

  it('is on when the request is secure (req.secure) with an http callbackUrl, off otherwise', async () => {
    const sessions = httpApp.moduleRef.get(BlueButtonSessions);
    expect((await sessions.createSession(fakeToken())).setCookie).not.toContain('Secure');

    const plain = fakeResponse();
    await sessions.startSession({ headers: {} }, plain, fakeToken());
    expect((plain.headers.get('set-cookie') as string[])[0]).not.toContain('Secure');

    const secure = fakeResponse();
    await sessions.startSession({ headers: {}, secure: true }, secure, fakeToken());
    const [set] = secure.headers.get('set-cookie') as string[];
    expect(set).toMatch(COOKIE);
    expect(set.endsWith('; Secure')).toBe(true);

    // And the cookie that clears it at logout is Secure too, or the browser would keep the old one.
    const out = fakeResponse();
    const ended = await sessions.endSession(
      { headers: { cookie: set.split(';')[0] }, secure: true },
      out,
    );
    expect(ended?.accessToken).toBe('fake-access-token');
    expect(out.headers.get('set-cookie')).toEqual([
      'bluebutton_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    ]);
  });

  it('is on over the wire behind a TLS-terminating proxy (trust proxy + X-Forwarded-Proto: https)', async () => {
    const app = await createTestApp(emu);
    try {
      app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
      const behindTls = await loginThroughRoutes(app, {
        user: 'BBUser00016',
        headers: { 'X-Forwarded-Proto': 'https' },
      });
      expect([behindTls.status, behindTls.headers.location]).toEqual([302, '/home']);
      const set = sessionSetCookie(behindTls)!;
      expect(set).toMatch(COOKIE);
      expect(set.endsWith('; Secure')).toBe(true);
      const who = await request(app.getHttpServer() as Server)
        .get('/api/whoami')
        .set('Cookie', set.split(';')[0])
        .expect(200);
      expect(who.body).toEqual({ patient: emu.patientIdFor('BBUser00016') });

      const direct = await loginThroughRoutes(app, { user: 'BBUser00016' });
      expect(sessionSetCookie(direct)).not.toContain('Secure');
    } finally {
      await app.close();
    }
  });
});

/**
 * A PRODUCTION module (https only, so not against the emulator): these tests exercise the sessions
 * alone and never reach Blue Button.
 */
async function bootProduction(
  extra: BlueButtonModuleOptions & BlueButtonModuleExtras = {},
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        environment: 'PRODUCTION',
        clientId: 'production-client-id',
        clientSecret: 'production-client-secret-0123456789',
        callbackUrl: 'https://app.example.org/bluebutton/callback',
        ...extra,
      }),
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** The error a PRODUCTION app without session.secret (nor tokenKey) gets for any cookie session. */
function expectConfigError(error: unknown): void {
  expect(error).toBeInstanceOf(BlueButtonConfigError);
  expect((error as BlueButtonConfigError).issues).toEqual([
    { key: 'session.secret', reason: expect.stringContaining('PRODUCTION') },
  ]);
  expect((error as Error).message).toContain('session.secret');
}

describe('session.secret', () => {
  it('outside PRODUCTION, without one: warns once per app, however many logins and requests', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await createTestApp(emu, { session: {} });
    try {
      expect(noSecretWarnings(warn)).toHaveLength(0); // only once a session is used
      const server = app.getHttpServer() as Server;
      for (const user of ['BBUser00017', 'BBUser00018']) {
        const done = await loginThroughRoutes(app, { user });
        const cookie = sessionSetCookie(done)!;
        expect(cookie).toMatch(COOKIE);
        for (let i = 0; i < 3; i++) {
          const who = await request(server)
            .get('/api/whoami')
            .set('Cookie', cookie.split(';')[0])
            .expect(200);
          expect(who.body).toEqual({ patient: emu.patientIdFor(user) });
        }
      }
      await app.get(BlueButtonSessions).createSession(fakeToken());
      expect(noSecretWarnings(warn)).toEqual([
        [
          'No session.secret configured: signing session cookies with a random key. Sessions will not survive a restart or work across instances.',
        ],
      ]);
    } finally {
      await app.close();
    }
  });

  it('in PRODUCTION, without one or a tokenKey: using a session fails with BlueButtonConfigError naming session.secret', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const bb = await bootProduction();
    try {
      const sessions = bb.get(BlueButtonSessions);
      expectConfigError(await sessions.createSession(fakeToken()).catch(e => e));
      const res = fakeResponse();
      expectConfigError(
        await sessions.startSession({ headers: {} }, res, fakeToken()).catch(e => e),
      );
      expect(res.headers.size).toBe(0); // no cookie went out
      let thrown: unknown;
      try {
        sessions.keyFor({ headers: { cookie: 'bluebutton_session=abc.1.def' } });
      } catch (e) {
        thrown = e;
      }
      expectConfigError(thrown);
      // No silent fallback to a random key in PRODUCTION.
      expect(noSecretWarnings(warn)).toHaveLength(0);
    } finally {
      await bb.close();
    }
  });

  it('in PRODUCTION, without one: a refused session leaves no orphan token in the store', async () => {
    // KNOWN BUG: BlueButtonSessions.createSession saves the token under a fresh session id before it
    // asks for the cookie secret, so each refused login leaves a bearer token in the store that no
    // cookie can ever reach (until session.ttlMs, 13 months by default). Flip to `it` once fixed.
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const bb = await bootProduction({
      extraProviders: [{ provide: BlueButtonStore, useClass: RecordingStore }],
    });
    try {
      const store = bb.get(BlueButtonStore) as RecordingStore;
      await bb
        .get(BlueButtonSessions)
        .createSession(fakeToken())
        .catch(() => undefined);
      expect(store.written).toEqual([]);
    } finally {
      await bb.close();
    }
  });

  it('in PRODUCTION with a tokenKey, needs no secret and sets no cookie', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const bb = await bootProduction({ tokenKey: req => req.headers['x-user'] });
    try {
      const sessions = bb.get(BlueButtonSessions);
      const res = fakeResponse();
      await sessions.startSession({ headers: { 'x-user': 'carol' } }, res, fakeToken());
      expect(res.headers.size).toBe(0);
      const record = await bb.get(BlueButtonStore).get<TokenRecord>('token:user:carol');
      expect(record?.token.accessToken).toBe('fake-access-token');
      expect((await sessions.tokenFor({ headers: { 'x-user': 'carol' } }))?.accessToken).toBe(
        'fake-access-token',
      );
      expect(noSecretWarnings(warn)).toHaveLength(0);
    } finally {
      await bb.close();
    }
  });
});

describe('a token expiring mid-session', () => {
  it('is refreshed once, and the store then holds the new one at a higher version', async () => {
    const app = await createTestApp(emu);
    try {
      const server = app.getHttpServer() as Server;
      const done = await loginThroughRoutes(app, { user: 'BBUser00019' });
      const set = sessionSetCookie(done)!;
      const cookie = set.split(';')[0];
      const key = `token:session:${sessionIdOf(set)}`;
      const store = app.get(BlueButtonStore);
      const before = (await store.get<TokenRecord>(key))!;
      expect(before.token.patient).toBe(emu.patientIdFor('BBUser00019'));
      emu.clearRequests();

      // An hour later for the app (and the emulator): the stored access token has expired.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3600_000 });
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => request(server).get('/api/coverage').set('Cookie', cookie)),
      );
      expect(answers.map(a => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers.flatMap(a => setCookies(a))).toEqual([]); // same session, same cookie

      const posts = emu.requestsTo(TOKEN_POST, 'POST');
      expect(posts).toHaveLength(1);
      expect(posts[0].form).toMatchObject({
        grant_type: 'refresh_token',
        refresh_token: before.token.refreshToken,
      });

      const after = (await store.get<TokenRecord>(key))!;
      expect(after.token.accessToken).not.toBe(before.token.accessToken);
      expect(after.version).toBe(before.version + 1);
      expect(after.token.patient).toBe(before.token.patient);
      expect(new Date(after.token.expiresAt).getTime()).toBeGreaterThan(Date.now());
      // Every FHIR call after the refresh used the new access token, and only it.
      expect(
        new Set(emu.requestsTo('/v2/fhir/Coverage').map(r => r.headers.authorization)),
      ).toEqual(new Set([`Bearer ${after.token.accessToken}`]));

      // A later request reads the new token from the store: no second refresh, same record.
      await request(server).get('/api/coverage').set('Cookie', cookie).expect(200);
      expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(1);
      expect(await store.get<TokenRecord>(key)).toEqual(after);
    } finally {
      vi.useRealTimers();
      await app.close();
    }
  });
});
