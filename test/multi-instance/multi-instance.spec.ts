/**
 * Issue 8's must-shows over real HTTP: two instances of the test Nest app (../app), each its own
 * Node process, share one real `redis-server` (RedisBlueButtonStore) and one Blue Button emulator
 * (in this process; the children reach it over HTTP).
 */
import type { Redis } from 'ioredis';
import type { AuthorizationTokenJSON } from 'nestjs-bluebutton';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { RedisClients } from '../redis/redis-clients.js';
import { consent, startEmulator } from '../support/bluebutton.js';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { tokenFingerprint, type CoverageAnswer } from './app/claims.controller.js';
import { AppInstance, buildChildApp, type ChildAppBuild } from './support/child-app.js';

/** Blue Button's token endpoint: code exchanges and refreshes both POST here. */
const TOKEN_POST = /^\/v2\/o\/token\/?$/;
const COVERAGE = '/v2/fhir/Coverage';
/** The bound on a per-request error while Redis is down (the store's own timeout is 1 s). */
const MAX_OUTAGE_ERROR_MS = 2_000;
/** How long the emulator holds the refresh POST's answer in the single-flight test. */
const REFRESH_LATENCY_MS = 300;
const PREFIX = `multi-instance-${process.pid}:`;
const SESSION_SECRET = 'multi-instance-shared-session-secret-0123456789';
/** Every instance's store encryption key (and the test's own view of the store). */
const STORE_KEY = randomBytes(32).toString('base64');

/** The per-user token record StoredTokens keeps under `token:<key>` (lib/auth/stored-tokens.ts). */
interface TokenRecord {
  token: AuthorizationTokenJSON;
  version: number;
}

/** One answer of a child app, timed from the test's side. */
interface Answer<T = unknown> {
  status: number;
  body: T;
  ms: number;
  location: string | null;
  setCookie: string[];
}

/** GET without following redirects, sending `cookie` when given. */
async function get<T = unknown>(url: string, cookie?: string): Promise<Answer<T>> {
  const started = performance.now();
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const text = await res.text();
  return {
    status: res.status,
    body: (text && res.headers.get('content-type')?.includes('json')
      ? JSON.parse(text)
      : text) as T,
    ms: performance.now() - started,
    location: res.headers.get('location'),
    setCookie: res.headers.getSetCookie(),
  };
}

/** `bluebutton_session=<value>` (for a `Cookie` header) from a response's `Set-Cookie`. */
function sessionCookie(answer: Answer): string | undefined {
  return answer.setCookie.find(c => c.startsWith('bluebutton_session='))?.split(';')[0];
}

/** The session id in a cookie: the first part of `<sessionId>.<expiresAtMs>.<hmac>`. */
function sessionIdOf(cookie: string): string {
  return decodeURIComponent(cookie.slice('bluebutton_session='.length)).split('.')[0]!;
}

/** A login in flight: the callback URL Blue Button redirected to, and the browser's login cookie. */
interface StartedLogin {
  url: URL;
  cookie: string;
}

/** The built-in login route of `on`, followed to the emulator's consent. */
async function startLogin(on: AppInstance, user: string): Promise<StartedLogin> {
  const start = await get(`${on.url}/bluebutton/login`);
  expect([start.status, start.location?.startsWith('http')], on.name).toEqual([302, true]);
  const cookie = start.setCookie.map(c => c.split(';')[0]).join('; ');
  return { url: await consent(start.location!, { user }), cookie };
}

/** Sends the callback (path + query) to instance `on` from the browser that started the login. */
function deliverCallback(on: AppInstance, callback: StartedLogin): Promise<Answer> {
  return get(`${on.url}${callback.url.pathname}${callback.url.search}`, callback.cookie);
}

describeWithRedis('two app instances (separate processes) on one Redis', () => {
  let redis: RedisServer;
  let emu: BlueButtonEmulator;
  let build: ChildAppBuild;
  let a: AppInstance;
  let b: AppInstance;
  const clients = new RedisClients();
  let raw: Redis;
  /** The test's own view of the store: same prefix as the apps, to read and plant records. */
  let store: RedisBlueButtonStore;

  beforeAll(async () => {
    [redis, emu, build] = await Promise.all([
      RedisServer.start(),
      startEmulator(),
      buildChildApp(),
    ]);
    const start = (name: string) =>
      AppInstance.start(build, {
        MI_INSTANCE: name,
        MI_BB_BASE_URL: emu.baseUrl,
        MI_BB_CLIENT_ID: emu.client.clientId,
        MI_BB_CLIENT_SECRET: emu.client.clientSecret,
        MI_BB_CALLBACK_URL: emu.client.redirectUris[0]!,
        MI_REDIS_URL: redis.url,
        MI_REDIS_PREFIX: PREFIX,
        MI_SESSION_SECRET: SESSION_SECRET,
        MI_STORE_KEY: STORE_KEY,
      });
    [a, b] = await Promise.all([start('A'), start('B')]);
    raw = await clients.connect(redis.url);
    store = new RedisBlueButtonStore(raw, {
      prefix: PREFIX,
      encryption: { keys: { k1: STORE_KEY }, currentKeyId: 'k1' },
    });
    console.info(`[multi-instance] tsc build of the child app: ${Math.round(build.compileMs)} ms`);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    clients.closeAll();
    await redis?.cleanup();
    await emu?.close();
    build?.remove();
  });

  beforeEach(({ onTestFailed }) => {
    emu.clearRequests();
    onTestFailed(() => {
      for (const app of [a, b]) {
        if (app)
          console.error(`--- instance ${app.name} output (tail) ---\n${app.output.slice(-3000)}`);
      }
    });
  });

  it('completes on B a login started on A; A then calls Blue Button with the token B stored', async () => {
    const callback = await startLogin(a, 'BBUser00001');
    const done = await deliverCallback(b, callback);
    expect([done.status, done.location]).toEqual([302, '/home']);
    const cookie = sessionCookie(done)!;
    expect(cookie).toMatch(/^bluebutton_session=[\w-]+\.\d+\.[\w-]+$/);
    // B exchanged the code (A never saw the callback) and stored the token in Redis.
    const posts = emu.requestsTo(TOKEN_POST, 'POST');
    expect(posts.map(p => [p.form?.grant_type, p.form?.code])).toEqual([
      ['authorization_code', callback.url.searchParams.get('code')],
    ]);
    const stored = await store.get<TokenRecord>(`token:session:${sessionIdOf(cookie)}`);
    expect(stored?.token.patient).toBe(emu.patientIdFor('BBUser00001'));

    emu.clearRequests();
    const onA = await get<CoverageAnswer>(`${a.url}/api/coverage`, cookie);
    expect(onA.status).toBe(200);
    expect(onA.body).toEqual({
      instance: 'A',
      patient: emu.patientIdFor('BBUser00001'),
      beneficiary: `Patient/${emu.patientIdFor('BBUser00001')}`,
      accessTokenSha256: tokenFingerprint(stored!.token.accessToken),
    });
    // On the wire: A's data call carried exactly the access token B stored, and nothing else happened.
    expect(emu.requests.map(r => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', `${COVERAGE}/`, `Bearer ${stored!.token.accessToken}`],
    ]);
  });

  it('refreshes an expired token with exactly 1 POST for 2 processes × 25 concurrent requests', async () => {
    const callback = await startLogin(a, 'BBUser00002');
    const cookie = sessionCookie(await deliverCallback(a, callback))!;
    const key = `token:session:${sessionIdOf(cookie)}`;
    const before = (await store.get<TokenRecord>(key))!;
    // Expire the token for both processes at once, honestly: rewrite its record in Redis with an
    // expiresAt in the past (same refresh token; version + 1 so the versioned write is accepted;
    // same TTL). Neither process holds it in memory, so every request loads this expired record.
    const ttlMs = await raw.pttl(store.redisKey(key));
    const version = before.version + 1;
    const expiredAt = new Date(Date.now() - 60_000).toISOString();
    expect(
      await store.set<TokenRecord>(
        key,
        { token: { ...before.token, expiresAt: expiredAt }, version },
        { ttlMs, version },
      ),
    ).toBe(true);
    emu.clearRequests();
    // The refresh POST answers only after REFRESH_LATENCY_MS: every request sent before that finds
    // the expired record (it is rewritten only after the answer), so both processes must wait on
    // the one refresh — through the lock and the recorded outcome — rather than find it done.
    emu.faults.enqueue({ path: TOKEN_POST, method: 'POST' }, { latencyMs: REFRESH_LATENCY_MS });

    const started = performance.now();
    const sentAt: number[] = [];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        sentAt.push(Date.now());
        return get<CoverageAnswer>(`${(i % 2 ? b : a).url}/api/coverage`, cookie);
      }),
    );
    const wallMs = performance.now() - started;

    const after = (await store.get<TokenRecord>(key))!;
    const refreshes = emu.requestsTo(TOKEN_POST, 'POST');
    console.info(
      `[multi-instance] 2 × 25 concurrent requests on one expired token: ${refreshes.length} ` +
        `refresh POST(s), ${answers.filter(r => r.status === 200).length}/50 × 200 in ${Math.round(wallMs)} ms`,
    );
    expect(refreshes.map(p => [p.form?.grant_type, p.form?.refresh_token])).toEqual([
      ['refresh_token', before.token.refreshToken],
    ]);
    // The refreshed token was written back once, over the planted record (version + 1 again).
    expect(after.version).toBe(version + 1);
    expect(after.token.accessToken).not.toBe(before.token.accessToken);
    expect(answers.map(r => r.status)).toEqual(Array(50).fill(200));
    expect(answers.filter(r => r.body.instance === 'A')).toHaveLength(25);
    expect(new Set(answers.map(r => r.body.accessTokenSha256))).toEqual(
      new Set([tokenFingerprint(after.token.accessToken)]),
    );
    // On the wire: 50 Coverage GETs, every one with the new token (the emulator revoked the old
    // one at the refresh, so a request sent with it would have shown up here as an extra 401 try)…
    const gets = emu.requestsTo(COVERAGE, 'GET');
    expect(gets.map(r => r.headers.authorization)).toEqual(
      Array(50).fill(`Bearer ${after.token.accessToken}`),
    );
    // …all 50 were sent while the refresh was pending, and none reached Blue Button before it ended.
    const refreshAnsweredAt = refreshes[0]!.receivedAt + REFRESH_LATENCY_MS;
    expect(Math.max(...sentAt)).toBeLessThan(refreshAnsweredAt);
    expect(Math.min(...gets.map(r => r.receivedAt))).toBeGreaterThanOrEqual(refreshAnsweredAt - 5);
  });

  it('refuses on B the replay of a callback already completed on A (state is single-use)', async () => {
    const callback = await startLogin(a, 'BBUser00003');
    const first = await deliverCallback(a, callback);
    expect([first.status, first.location, sessionCookie(first) !== undefined]).toEqual([
      302,
      '/home',
      true,
    ]);
    expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(1);
    emu.clearRequests();

    const replay = await deliverCallback(b, callback);
    expect([replay.status, replay.location, sessionCookie(replay)]).toEqual([
      302,
      '/oops?bluebutton_error=state_mismatch',
      undefined,
    ]);
    // B refused before talking to Blue Button: the used code was not even tried.
    expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(0);
  });

  it('answers 503 BB_STORE_UNAVAILABLE per request while Redis is down, and recovers without an app restart', async () => {
    const callback = await startLogin(a, 'BBUser00004');
    const cookie = sessionCookie(await deliverCallback(b, callback))!;
    const warm = await get<CoverageAnswer>(`${a.url}/api/coverage`, cookie);
    expect(warm.status).toBe(200);
    const pids = await Promise.all([a, b].map(app => get<{ pid: number }>(`${app.url}/api/ping`)));
    const unavailable = {
      statusCode: 503,
      error: 'BB_STORE_UNAVAILABLE',
      message: 'Medicare data is temporarily unavailable. Please try again.',
    };

    // Mid-run: 3 request loops per instance keep going while Redis is SIGKILLed under them.
    const load = new AbortController();
    const loops = [a, b].flatMap(app =>
      Array.from({ length: 3 }, async () => {
        const answers: Array<Answer<CoverageAnswer> & { app: string; startedAt: number }> = [];
        while (!load.signal.aborted) {
          const startedAt = performance.now();
          const answer = await get<CoverageAnswer>(`${app.url}/api/coverage`, cookie);
          answers.push({ ...answer, app: app.name, startedAt });
        }
        return answers;
      }),
    );
    await sleep(150);
    const killing = performance.now();
    await redis.stop({ signal: 'SIGKILL' });
    const killed = performance.now();
    await sleep(300);
    load.abort();
    const answers = (await Promise.all(loops)).flat();

    const before = answers.filter(r => r.startedAt + r.ms < killing);
    const after = answers.filter(r => r.startedAt > killed);
    const slowest = Math.max(...answers.map(r => r.ms));
    expect(before.length).toBeGreaterThan(0);
    expect(before.every(r => r.status === 200)).toBe(true);
    // Every request got its own clean answer: the data, or the filter's 503 — never a 500 or a hang.
    for (const answer of answers) {
      if (answer.status === 200)
        expect(answer.body.accessTokenSha256).toBe(warm.body.accessTokenSha256);
      else expect([answer.status, answer.body]).toEqual([503, unavailable]);
    }
    expect(after.every(r => r.status === 503)).toBe(true);
    expect(new Set(after.map(r => r.app))).toEqual(new Set(['A', 'B']));
    expect(slowest).toBeLessThan(MAX_OUTAGE_ERROR_MS);
    // Both processes are alive and serve what does not need the store.
    for (const app of [a, b]) {
      expect(app.alive, app.name).toBe(true);
      expect((await get(`${app.url}/api/ping`)).status, app.name).toBe(200);
    }
    emu.clearRequests();

    await redis.restart();
    const restarted = performance.now();
    const recoveredMs = await Promise.all(
      [a, b].map(async app => {
        for (;;) {
          const answer = await get<CoverageAnswer>(`${app.url}/api/coverage`, cookie);
          if (answer.status === 200) {
            // The token written before the outage (AOF) still works, unrefreshed: no new login.
            expect(answer.body.accessTokenSha256).toBe(warm.body.accessTokenSha256);
            return performance.now() - restarted;
          }
          expect(answer.status).toBe(503);
          if (performance.now() - restarted > 10_000)
            throw new Error(`${app.name} never recovered`);
          await sleep(25);
        }
      }),
    );
    console.info(
      `[multi-instance] Redis SIGKILLed mid-run: ${answers.length} requests (${before.length} ` +
        `before, ${after.length} after the kill: ${answers.filter(r => r.status === 503).length} × 503 ` +
        `BB_STORE_UNAVAILABLE), slowest ${Math.round(slowest)} ms; after restart() A recovered in ` +
        `${Math.round(recoveredMs[0]!)} ms, B in ${Math.round(recoveredMs[1]!)} ms`,
    );
    expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(0);
    // Same processes as before the outage: nothing was restarted but Redis.
    const pidsAfter = await Promise.all(
      [a, b].map(app => get<{ pid: number }>(`${app.url}/api/ping`)),
    );
    expect(pidsAfter.map(p => p.body.pid)).toEqual(pids.map(p => p.body.pid));
  });
});
