import { Logger, type INestApplication } from '@nestjs/common';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent, startEmulator } from '../support/bluebutton.js';
import {
  loginThroughRoutes as login,
  SESSION_COOKIE,
  sessionSetCookie,
  type RouteLoginOptions,
} from './app/browser.js';
import { ADAPTERS, createTestApp } from './app/test-app.js';

/**
 * The built-in login, callback and logout routes, served by the module's controller, on each HTTP
 * platform: the flow, its redirects, and what it refuses.
 */

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());
afterEach(() => vi.restoreAllMocks());

describe.each(ADAPTERS)('on %s', adapter => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createTestApp(emu, {}, undefined, { adapter });
  });
  afterAll(() => app.close());

  const loginThroughRoutes = (options?: RouteLoginOptions) => login(app, options);

  it('log in: login → Blue Button → callback → signed httpOnly SameSite=Lax cookie → successRedirect', async () => {
    const { start, done } = await loginThroughRoutes();
    expect([start.headers['cache-control'], done.headers['cache-control']]).toEqual([
      'no-store',
      'no-store',
    ]);
    expect([done.status, done.headers.location]).toEqual([302, '/home']);
    expect(sessionSetCookie(done)).toMatch(SESSION_COOKIE);
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
    expect([res.status, res.headers.location, res.headers['set-cookie']]).toEqual([
      400,
      undefined,
      undefined,
    ]);
    expect(emu.requests).toHaveLength(0);
  });

  it('send a denied consent to failureRedirect with a short code, never a 500', async () => {
    const { done } = await loginThroughRoutes({ decision: 'deny' });
    expect([done.status, done.headers.location, sessionSetCookie(done)]).toEqual([
      302,
      '/oops?bluebutton_error=access_denied',
      undefined,
    ]);
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

  it('log a failed callback by its code and OAuth error only, never the error_description', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const agent = request.agent(app.getHttpServer());
    const start = await agent.get('/bluebutton/login').expect(302);
    const state = new URL(start.headers.location).searchParams.get('state')!;
    const echoed = 'client_secret=s3cr3t-echoed-upstream';
    await agent
      .get(`/bluebutton/callback?error=invalid_request&error_description=${echoed}&state=${state}`)
      .expect(302);
    const lines = warn.mock.calls.map(([message]) => String(message));
    expect(lines).toEqual(['Blue Button callback failed: BB_OAUTH (error=invalid_request)']);
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
    if (status === 405) expect(res.headers.allow).toBe('POST');
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
    expect(sessionSetCookie(out)).toMatch(/^bluebutton_session=; Path=\/; Max-Age=0;/);
    expect(emu.requestsTo('/v2/o/revoke/', 'POST')).toHaveLength(1);
    await agent.get('/api/whoami').expect(401);
  });
});
