import type { INestApplication } from '@nestjs/common';
import {
  AuthorizationToken,
  BlueButtonSessions,
  BlueButtonStore,
  FhirService,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { of } from 'rxjs';
import request from 'supertest';
import { signSession } from '../../lib/nest/session-cookie.js';
import { consent, fakeToken, startEmulator, type ConsentOptions } from '../support/bluebutton.js';
import { createTestApp, SESSION_SECRET } from './app/test-app.js';

let emu: BlueButtonEmulator;
let app: INestApplication;

beforeAll(async () => {
  emu = await startEmulator();
  app = await createTestApp(emu);
});
afterAll(async () => {
  await app.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

type Agent = ReturnType<typeof request.agent>;

/** Logs in through the built-in routes with a fresh cookie jar; returns the jar and the callback answer. */
async function loginThroughRoutes(options: ConsentOptions & { returnTo?: string } = {}) {
  const agent = request.agent(app.getHttpServer());
  const query = options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : '';
  const start = await agent.get(`/bluebutton/login${query}`).expect(302);
  const callback = await consent(start.headers.location, options);
  const done = await agent.get(`${callback.pathname}${callback.search}`);
  return { agent, done };
}

const sessionCookie = (setCookie: string[] | string | undefined) =>
  ([] as string[]).concat(setCookie ?? []).find(c => c.startsWith('bluebutton_session='));

describe('built-in routes', () => {
  it('log in: login → Blue Button → callback → signed httpOnly SameSite=Lax cookie → successRedirect', async () => {
    const { done } = await loginThroughRoutes();
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/home');
    const cookie = sessionCookie(done.headers['set-cookie'])!;
    expect(cookie).toMatch(
      /^bluebutton_session=[\w-]+\.\d+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
  });

  it('go back to the returnTo given at login', async () => {
    const { agent, done } = await loginThroughRoutes({ returnTo: '/claims?year=2024' });
    expect(done.headers.location).toBe('/claims?year=2024');
    expect((await agent.get('/api/whoami').expect(200)).body).toEqual({
      patient: emu.patientIdFor('BBUser00000'),
    });
  });

  it.each([
    '//evil.example/steal',
    'https://evil.example/',
    '/\\evil.example',
    '/.//evil.example',
    '/./\\evil.example',
    'javascript:alert(1)',
    '/\r\nSet-Cookie:x=1',
  ])('refuse the open redirect returnTo=%s', async returnTo => {
    const res = await request(app.getHttpServer()).get(
      `/bluebutton/login?returnTo=${encodeURIComponent(returnTo)}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(emu.requests).toHaveLength(0);
  });

  it('send a denied consent to failureRedirect with a short code, never a 500', async () => {
    const { done } = await loginThroughRoutes({ decision: 'deny' });
    expect([done.status, done.headers.location, sessionCookie(done.headers['set-cookie'])]).toEqual(
      [302, '/oops?bluebutton_error=access_denied', undefined],
    );
  });

  it.each([
    ['a forged state', () => '?code=abc&state=forged-state-value-0123456789', 'state_mismatch'],
    ['no parameters at all', () => '', 'state_mismatch'],
    ['a Blue Button error', (state: string) => `?error=server_error&state=${state}`, 'oauth_error'],
  ])('send %s on the callback to failureRedirect', async (_, query, code) => {
    const agent = request.agent(app.getHttpServer());
    const start = await agent.get('/bluebutton/login').expect(302);
    const state = new URL(start.headers.location).searchParams.get('state')!;
    const res = await agent.get(`/bluebutton/callback${query(state)}`);
    expect([res.status, res.headers.location]).toEqual([302, `/oops?bluebutton_error=${code}`]);
  });

  it('bind a login to its browser: a short-lived cookie for the callback path only, cleared there', async () => {
    const agent = request.agent(app.getHttpServer());
    const start = await agent.get('/bluebutton/login').expect(302);
    const bound = ([] as string[]).concat(start.headers['set-cookie'] ?? []);
    expect(bound).toEqual([
      expect.stringMatching(
        /^bluebutton_session_login_[\w-]{8}=[\w-]{43}; Path=\/bluebutton\/callback; HttpOnly; SameSite=Lax; Max-Age=600$/,
      ),
    ]);
    // A hash of the state, not the state itself.
    const state = new URL(start.headers.location).searchParams.get('state')!;
    expect(bound[0]).not.toContain(state);
    const callback = await consent(start.headers.location);
    const done = await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    expect(done.headers['set-cookie']).toContainEqual(
      expect.stringMatching(
        /^bluebutton_session_login_[\w-]{8}=; Path=\/bluebutton\/callback; .*Max-Age=0/,
      ),
    );
  });

  it('name the login cookie __Secure-… when the session cookie is __Host-… (whose Path must be /)', async () => {
    const hostApp = await createTestApp(emu, {
      session: { secret: SESSION_SECRET, cookieName: '__Host-bb' },
    });
    try {
      const start = await request(hostApp.getHttpServer()).get('/bluebutton/login').expect(302);
      expect(start.headers['set-cookie']).toEqual([
        expect.stringMatching(
          /^__Secure-bb_login_[\w-]{8}=[\w-]{43}; Path=\/bluebutton\/callback;/,
        ),
      ]);
    } finally {
      await hostApp.close();
    }
  });

  it('complete two logins started in two tabs of one browser, in either order', async () => {
    const agent = request.agent(app.getHttpServer());
    const first = await agent.get('/bluebutton/login').expect(302);
    const second = await agent.get('/bluebutton/login').expect(302);
    const callbacks = [
      await consent(second.headers.location, { user: 'BBUser00002' }),
      await consent(first.headers.location, { user: 'BBUser00001' }),
    ];
    const landed: string[] = [];
    for (const cb of callbacks)
      landed.push((await agent.get(`${cb.pathname}${cb.search}`)).headers.location);
    expect(landed).toEqual(['/home', '/home']);
    // The last one completed is the session's.
    expect((await agent.get('/api/whoami').expect(200)).body).toEqual({
      patient: emu.patientIdFor('BBUser00001'),
    });
  });

  it("refuse a callback from someone else's login (login CSRF): no code exchange, the victim's session kept", async () => {
    const { agent: victim } = await loginThroughRoutes({ user: 'BBUser00002' });
    // The attacker logs in with their own account but sends the callback URL to the victim.
    const attacker = request.agent(app.getHttpServer());
    const start = await attacker.get('/bluebutton/login').expect(302);
    const forged = await consent(start.headers.location, { user: 'BBUser00001' });
    emu.clearRequests();
    const res = await victim.get(`${forged.pathname}${forged.search}`);
    expect([res.headers.location, emu.requestsTo('/v2/o/token/', 'POST').length]).toEqual([
      '/oops?bluebutton_error=state_mismatch',
      0,
    ]);
    expect((await victim.get('/api/whoami').expect(200)).body).toEqual({
      patient: emu.patientIdFor('BBUser00002'),
    });
  });

  it('refuse to complete the same callback twice (state replay)', async () => {
    const agent = request.agent(app.getHttpServer());
    const start = await agent.get('/bluebutton/login').expect(302);
    const callback = await consent(start.headers.location);
    expect((await agent.get(`${callback.pathname}${callback.search}`)).headers.location).toBe(
      '/home',
    );
    const replay = await request(app.getHttpServer()).get(`${callback.pathname}${callback.search}`);
    expect(replay.headers.location).toBe('/oops?bluebutton_error=state_mismatch');
  });

  it.each([
    ['/claims\u2028x', '/claims%E2%80%A8x'],
    ['/café?q=é', '/caf%C3%A9?q=%C3%A9'],
  ])('go back to returnTo=%j, sent percent-encoded in Location', async (returnTo, location) => {
    const { done } = await loginThroughRoutes({ returnTo });
    expect(done.headers.location).toBe(location);
  });

  it.each([
    ['a GET (a link or an image)', 'get', {}, 405],
    ['a cross-site POST (Fetch Metadata)', 'post', { 'Sec-Fetch-Site': 'cross-site' }, 403],
    ['a POST from a foreign Origin', 'post', { Origin: 'https://evil.example' }, 403],
  ] as const)('refuse to log out on %s: nothing revoked', async (_, method, headers, status) => {
    const { agent } = await loginThroughRoutes();
    emu.clearRequests();
    const res = await agent[method]('/bluebutton/logout').set(headers);
    expect([res.status, emu.requestsTo('/v2/o/revoke/', 'POST').length]).toEqual([status, 0]);
    await agent.get('/api/whoami').expect(200);
  });

  it.each([
    [
      'a same-origin form under Referrer-Policy: no-referrer',
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' },
    ],
    [
      'a browser without Fetch Metadata, behind a proxy that rewrote Host',
      { Origin: 'http://127.0.0.1:3999', Host: 'upstream:8080' },
    ],
    [
      'a proxy that forwards the original host',
      { Origin: 'https://app.example', 'X-Forwarded-Host': 'app.example, lb.internal' },
    ],
  ])('log out on %s', async (_, headers) => {
    const { agent } = await loginThroughRoutes();
    emu.clearRequests();
    const res = await agent.post('/bluebutton/logout').set(headers);
    expect([res.status, emu.requestsTo('/v2/o/revoke/', 'POST').length]).toEqual([302, 1]);
  });

  it('log out: revoke at Blue Button, clear the cookie, and the session no longer works', async () => {
    const { agent } = await loginThroughRoutes();
    emu.clearRequests();
    const out = await agent
      .post('/bluebutton/logout')
      .set({ 'Sec-Fetch-Site': 'same-origin' })
      .expect(302);
    expect(out.headers.location).toBe('/bye');
    expect(sessionCookie(out.headers['set-cookie'])).toMatch(/^bluebutton_session=; .*Max-Age=0/);
    expect(emu.requestsTo('/v2/o/revoke/', 'POST')).toHaveLength(1);
    await agent.get('/api/whoami').expect(401);
  });
});

describe('@BlueButtonToken()', () => {
  it('keeps two users apart across 200 interleaved requests (zero cross-user answers)', async () => {
    const alice = (await loginThroughRoutes({ user: 'BBUser00001' })).agent;
    const bob = (await loginThroughRoutes({ user: 'BBUser00002' })).agent;
    const expected = {
      alice: `Patient/${emu.patientIdFor('BBUser00001')}`,
      bob: `Patient/${emu.patientIdFor('BBUser00002')}`,
    };
    const calls: Array<Promise<[keyof typeof expected, string]>> = [];
    for (let i = 0; i < 100; i++) {
      for (const [who, agent] of [
        ['alice', alice],
        ['bob', bob],
      ] as Array<[keyof typeof expected, Agent]>) {
        calls.push(
          agent
            .get(i % 2 ? '/api/coverage' : '/api/whoami')
            .then(r => [who, r.body.beneficiary ?? `Patient/${r.body.patient}`]),
        );
      }
    }
    const answers = await Promise.all(calls);
    expect(answers).toHaveLength(200);
    expect(answers.filter(([who, patient]) => patient !== expected[who])).toEqual([]);
    // And on the wire: each of the 100 Coverage GETs carried one of the two users' own tokens.
    expect(
      new Set(emu.requestsTo('/v2/fhir/Coverage').map(r => r.headers.authorization)).size,
    ).toBe(2);
  });

  it('answers 401 with a loginUrl without a session, and gives undefined with { optional: true }', async () => {
    const res = await request(app.getHttpServer()).get('/api/whoami').expect(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Connect your Medicare account first.',
      loginUrl: '/bluebutton/login',
    });
    expect((await request(app.getHttpServer()).get('/api/maybe').expect(200)).body).toEqual({
      connected: false,
    });
  });

  it.each([
    ['a tampered signature', (v: string) => v.replace(/.$/, c => (c === 'A' ? 'B' : 'A'))],
    ['a tampered session id', (v: string) => `X${v.slice(1)}`],
    [
      'an extended expiry',
      (v: string) => v.replace(/\.(\d+)\./, (_, t) => `.${Number(t) + 1000}.`),
    ],
    [
      'an expired (but correctly signed) cookie',
      (v: string) => signSession(v.split('.')[0], Date.now() - 1000, SESSION_SECRET),
    ],
  ])('answers 401 with a loginUrl for %s', async (_, tamper) => {
    const { done } = await loginThroughRoutes();
    const value = decodeURIComponent(
      sessionCookie(done.headers['set-cookie'])!.split(';')[0].split('=')[1],
    );
    await request(app.getHttpServer())
      .get('/api/whoami')
      .set('Cookie', `bluebutton_session=${encodeURIComponent(value)}`)
      .expect(200); // the genuine cookie works...
    const res = await request(app.getHttpServer())
      .get('/api/whoami')
      .set('Cookie', `bluebutton_session=${encodeURIComponent(tamper(value))}`);
    expect([res.status, res.body.loginUrl]).toEqual([401, '/bluebutton/login']); // ...the altered one does not
  });

  it('refreshes a token expiring mid-session once, and the store then holds the new one', async () => {
    const { agent } = await loginThroughRoutes({ user: 'BBUser00003' });
    await agent.get('/api/coverage').expect(200);
    const before = emu.requestsTo('/v2/fhir/Coverage').at(-1)!.headers.authorization;
    emu.clearRequests();
    // An hour later for the app (and the emulator): the stored access token has expired.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3600_000 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => agent.get('/api/coverage')),
      );
      expect(answers.map(a => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST')).toHaveLength(1);
      await agent.get('/api/coverage').expect(200);
    } finally {
      vi.useRealTimers();
    }
    const used = new Set(emu.requestsTo('/v2/fhir/Coverage').map(r => r.headers.authorization));
    expect(used.size).toBe(1);
    expect(used.has(before)).toBe(false);
    expect(emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST')).toHaveLength(1); // the 6th call read the new token from the store
  });

  it('removes the stored token when refresh says re-authorization is required, and answers 401', async () => {
    const { agent } = await loginThroughRoutes({ user: 'BBUser00004' });
    emu.revokeGrant(emu.patientIdFor('BBUser00004')!);
    const res = await agent.get('/api/coverage');
    expect([res.status, res.body.error, res.body.loginUrl]).toEqual([
      401,
      'BB_REAUTHORIZATION_REQUIRED',
      '/bluebutton/login',
    ]);
    emu.clearRequests();
    await agent.get('/api/whoami').expect(401); // the dead token is gone from the store
    expect(emu.requests).toHaveLength(0);
  });
});

describe('@RequireScopes() with BlueButtonScopeGuard', () => {
  it('answers 403 naming the scope for a beneficiary who withheld demographics, 200 for one who shared', async () => {
    const withheld = (await loginThroughRoutes({ user: 'BBUser00005', shareDemographics: false }))
      .agent;
    const shared = (await loginThroughRoutes({ user: 'BBUser00006', shareDemographics: true }))
      .agent;
    const denied = await withheld.get('/api/demographics').expect(403);
    expect(denied.body).toMatchObject({ statusCode: 403, missingScopes: ['patient/Patient.rs'] });
    expect(denied.body.message).toContain('patient/Patient.rs');
    emu.clearRequests();
    const allowed = await shared.get('/api/demographics').expect(200);
    expect(allowed.body).toEqual({ id: emu.patientIdFor('BBUser00006') });
    expect(emu.requestsTo('/v2/fhir/Patient')).toHaveLength(1);
    // The guard answered the first user without calling Blue Button at all.
    await withheld.get('/api/demographics').expect(403);
    expect(emu.requestsTo('/v2/fhir/Patient')).toHaveLength(1);
  });

  it('answers 401 with a loginUrl when there is no session', async () => {
    const res = await request(app.getHttpServer()).get('/api/demographics').expect(401);
    expect(res.body.loginUrl).toBe('/bluebutton/login');
  });
});

describe('BlueButtonExceptionFilter', () => {
  it.each([
    [503, 502],
    [504, 502],
  ])('maps a Blue Button %i (after retries) to %i without internals', async (upstream, mapped) => {
    const { agent } = await loginThroughRoutes();
    emu.faults.enqueue(
      '/v2/fhir/Coverage',
      Array.from({ length: 4 }, () => ({ status: upstream })),
    );
    const res = await agent.get('/api/coverage');
    expect(res.status).toBe(mapped);
    expect(res.body).toEqual({
      statusCode: mapped,
      error: 'BB_FHIR_HTTP',
      message: `Blue Button answered HTTP ${upstream}.`,
    });
  });

  it('maps a timeout to 504', async () => {
    const slow = await createTestApp(emu, { timeoutMs: 50, retrySettings: { total: 0 } });
    try {
      const agent = request.agent(slow.getHttpServer());
      const start = await agent.get('/bluebutton/login').expect(302);
      const callback = await consent(start.headers.location);
      await agent.get(`${callback.pathname}${callback.search}`).expect(302);
      emu.faults.enqueue('/v2/fhir/Coverage', { latencyMs: 300 });
      const res = await agent.get('/api/coverage');
      expect([res.status, res.body.error]).toEqual([504, 'BB_TIMEOUT']);
    } finally {
      await slow.close();
    }
  });
});

describe('testing your app with @nestjs/testing', () => {
  it('overrides FhirService with a mock and signs a session with BlueButtonSessions.createSession()', async () => {
    const getCoverageData = vi.fn((token: AuthorizationToken) =>
      of({
        token,
        status: 200,
        data: { resourceType: 'Bundle', type: 'searchset', total: 7, entry: [] },
      }),
    );
    const mocked = await createTestApp(emu, {}, builder =>
      builder.overrideProvider(FhirService).useValue({ getCoverageData }),
    );
    try {
      const token = fakeToken();
      const { cookie } = await mocked.get(BlueButtonSessions).createSession(token);
      const res = await request(mocked.getHttpServer())
        .get('/api/coverage')
        .set('Cookie', cookie)
        .expect(200);
      expect(res.body).toEqual({ total: 7 });
      expect(getCoverageData).toHaveBeenCalledTimes(1);
      expect(getCoverageData.mock.calls[0][0].accessToken).toBe('fake-access-token');
      expect(mocked.get(BlueButtonStore)).toBeDefined();
      expect(emu.requests).toHaveLength(0); // nothing reached Blue Button
    } finally {
      await mocked.close();
    }
  });
});
