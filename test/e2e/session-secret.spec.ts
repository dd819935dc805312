import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
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
import { fakeToken, startEmulator } from '../support/bluebutton.js';
import { loginByHand, SESSION_COOKIE, sessionSetCookie, setCookies } from './app/browser.js';
import { ADAPTERS, createTestApp } from './app/test-app.js';

/**
 * The session cookie's secret (random with a warning outside PRODUCTION, required in PRODUCTION),
 * and the store record a mid-session refresh rewrites.
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

/** The session id inside a `bluebutton_session=<id>.<expiry>.<signature>` Set-Cookie. */
function sessionIdOf(setCookie: string): string {
  return decodeURIComponent(setCookie.split(';')[0].split('=')[1]).split('.')[0];
}

function noSecretWarnings(warn: { mock: { calls: unknown[][] } }): unknown[][] {
  return warn.mock.calls.filter(([message]) => NO_SECRET_WARNING.test(String(message)));
}

/** A memory store that lists the keys written to it. */
class RecordingStore extends MemoryBlueButtonStore {
  readonly written: string[] = [];
  override async set<T>(key: string, value: T, options?: StoreSetOptions): Promise<boolean> {
    this.written.push(key);
    return super.set(key, value, options);
  }
}

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

describe('session.secret in PRODUCTION', () => {
  it('in PRODUCTION, without one or a tokenKey: using a session fails with BlueButtonConfigError naming session.secret', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const bb = await bootProduction();
    try {
      const sessions = bb.get(BlueButtonSessions);
      expectConfigError(await sessions.createSession(fakeToken()).catch(e => e));
      expectConfigError(
        await sessions.startSession({ headers: {} }, {}, fakeToken()).catch(e => e),
      );
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
    // createSession must ask for the cookie secret before it saves the token: saved first, each
    // refused login would leave a bearer token no cookie can reach (for session.ttlMs, 13 months).
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
      // A bare module has no HTTP adapter: writing a cookie would have thrown.
      await sessions.startSession({ headers: { 'x-user': 'carol' } }, {}, fakeToken());
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

describe.each(ADAPTERS)('on %s', adapter => {
  describe('session.secret', () => {
    it('outside PRODUCTION, without one: warns once per app, however many logins and requests', async () => {
      const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const app = await createTestApp(emu, { session: {} }, undefined, { adapter });
      try {
        expect(noSecretWarnings(warn)).toHaveLength(0); // only once a session is used
        const server = app.getHttpServer() as Server;
        for (const user of ['BBUser00017', 'BBUser00018']) {
          const done = await loginByHand(app, { user });
          const cookie = sessionSetCookie(done)!;
          expect(cookie).toMatch(SESSION_COOKIE);
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
  });

  describe('a token expiring mid-session', () => {
    it('is refreshed once, and the store then holds the new one at a higher version', async () => {
      const app = await createTestApp(emu, {}, undefined, { adapter });
      try {
        const server = app.getHttpServer() as Server;
        const done = await loginByHand(app, { user: 'BBUser00019' });
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
          Array.from({ length: 5 }, () =>
            request(server).get('/api/coverage').set('Cookie', cookie),
          ),
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
});
