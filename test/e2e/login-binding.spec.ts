import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent, startEmulator } from '../support/bluebutton.js';
import { setCookies } from './app/browser.js';
import { ADAPTERS, createTestApp, SESSION_SECRET } from './app/test-app.js';

/**
 * The cookie that binds a login to the browser that started it (RFC 6749 §10.12): what it holds (an
 * HMAC of each state under the app's secret, so it cannot be planted), and how big it can get
 * (the last 5 logins, however many a browser abandons).
 */

const BINDING =
  /^bluebutton_session_login=((?:[\w-]{43}\.){0,4}[\w-]{43}); Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/;

const stateOf = (res: request.Response) => new URL(res.headers.location).searchParams.get('state')!;
const bindingOf = (res: request.Response) =>
  setCookies(res).find(c => c.startsWith('bluebutton_session_login='));

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());

describe.each(ADAPTERS)('on %s', adapter => {
  let app: INestApplication;
  let server: Server;
  beforeAll(async () => {
    app = await createTestApp(emu, {}, undefined, { adapter });
    server = app.getHttpServer() as Server;
  });
  afterAll(() => app.close());

  it('is one short-lived httpOnly cookie holding an HMAC of the state, spent at the callback', async () => {
    const agent = request.agent(server);
    const start = await agent.get('/bluebutton/login').expect(302);
    const [, value] = BINDING.exec(bindingOf(start) ?? '') ?? [];
    expect(value).toMatch(/^[\w-]{43}$/);
    // Neither the state nor its plain hash: nothing an attacker who knows the state can compute.
    const state = stateOf(start);
    expect(value).not.toContain(state);
    expect(value).not.toBe(createHash('sha256').update(state).digest('base64url'));

    const callback = await consent(start.headers.location);
    const done = await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    expect(bindingOf(done)).toMatch(/^bluebutton_session_login=; Path=\/; Max-Age=0;/);
  });

  it('refuses a planted cookie: the old SHA-256 of the state, or an HMAC from another app', async () => {
    const other = await createTestApp(
      emu,
      { session: { secret: `other-${SESSION_SECRET}` } },
      undefined,
      {
        adapter,
      },
    );
    try {
      // The attacker starts a login of their own, and plants a binding for its state.
      const start = await request(server).get('/bluebutton/login').expect(302);
      const state = stateOf(start);
      const callback = await consent(start.headers.location, { user: 'BBUser00001' });
      const fromOtherApp = await request(other.getHttpServer()).get('/bluebutton/login');
      const planted = [
        createHash('sha256').update(state).digest('base64url'),
        BINDING.exec(bindingOf(fromOtherApp) ?? '')![1],
      ];
      emu.clearRequests();
      for (const value of planted) {
        const res = await request(server)
          .get(`${callback.pathname}${callback.search}`)
          .set('Cookie', `bluebutton_session_login=${value}`);
        expect(res.headers.location).toBe('/oops?bluebutton_error=state_mismatch');
      }
      expect(emu.requestsTo('/v2/o/token/', 'POST')).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('keeps the __Host- prefix of a __Host- session cookie (Path=/ allows it)', async () => {
    const hostApp = await createTestApp(
      emu,
      { session: { secret: SESSION_SECRET, cookieName: '__Host-bb' } },
      undefined,
      { adapter },
    );
    try {
      const start = await request(hostApp.getHttpServer()).get('/bluebutton/login').expect(302);
      expect(setCookies(start)).toEqual([
        expect.stringMatching(/^__Host-bb_login=[\w-]{43}; Path=\/;/),
      ]);
    } finally {
      await hostApp.close();
    }
  });

  it('completes two logins started in two tabs of one browser, in either order', async () => {
    const agent = request.agent(server);
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

  it('stays bounded over 225 abandoned logins: one cookie of 5 bindings, the last 5 logins still complete', async () => {
    const agent = request.agent(server);
    const starts: request.Response[] = [];
    for (let i = 0; i < 225; i++) starts.push(await agent.get('/bluebutton/login').expect(302));
    const names = new Set(starts.flatMap(s => setCookies(s).map(c => c.split('=')[0])));
    const last = BINDING.exec(bindingOf(starts.at(-1)!)!)![1];
    expect([[...names], last.split('.').length, last.length]).toEqual([
      ['bluebutton_session_login'],
      5,
      5 * 43 + 4,
    ]);

    // The sixth-latest login was dropped from the cookie; the five latest all complete.
    const evicted = await consent(starts[219].headers.location);
    const res = await agent.get(`${evicted.pathname}${evicted.search}`);
    expect(res.headers.location).toBe('/oops?bluebutton_error=state_mismatch');
    for (const start of starts.slice(220)) {
      const callback = await consent(start.headers.location);
      const done = await agent.get(`${callback.pathname}${callback.search}`);
      expect([done.status, done.headers.location]).toEqual([302, '/home']);
    }
  });
});
