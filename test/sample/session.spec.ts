import type { INestApplication } from '@nestjs/common';
import { AuthService, BlueButtonSessions } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent, expiredCopy, login } from '../support/bluebutton.js';
import {
  attr,
  connect,
  createSampleApp,
  sessionCookie,
  startSampleEmulator,
  tableRows,
  text,
  type Agent,
} from './harness.js';

let emu: BlueButtonEmulator;
let app: INestApplication;

beforeAll(async () => {
  emu = await startSampleEmulator();
  app = await createSampleApp(emu);
});
afterAll(async () => {
  await app.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

async function expiry(agent: Agent): Promise<Date> {
  const page = await agent.get('/').expect(200);
  return new Date(attr(page.text, /<time\b[^>]*id="token-expiry"[^>]*>/, 'datetime')!);
}

const refreshPosts = () =>
  emu.requestsTo('/v2/o/token/', 'POST').filter(r => r.form?.grant_type === 'refresh_token');

describe('the "Refresh access token" button', () => {
  it('refreshes at Blue Button, keeps the new token in the session, and shows the old and new expiry', async () => {
    const { agent } = await connect(app);
    const before = await expiry(agent);

    const post = await agent.post('/token/refresh').expect(303);
    expect(post.headers.location).toBe(`/?refreshed_from=${before.getTime()}`);
    expect(refreshPosts()).toHaveLength(1);
    const page = await agent.get(post.headers.location).expect(200);
    expect(text(page.text)).toMatch(
      /Access token refreshed\. The old one was due to expire (.+); the new one expires (.+)\./,
    );
    const after = new Date(attr(page.text, /<time\b[^>]*id="token-expiry"[^>]*>/, 'datetime')!);
    expect(after.getTime()).toBeGreaterThan(before.getTime());

    // The session holds the new token: a second refresh uses the new refresh token (a second POST;
    // with the old one, the package would have answered from its record of the first refresh).
    await new Promise(r => setTimeout(r, 5));
    await agent.post('/token/refresh').expect(303);
    expect(refreshPosts()).toHaveLength(2);
    expect(refreshPosts()[1].form?.refresh_token).not.toBe(refreshPosts()[0].form?.refresh_token);
    expect((await expiry(agent)).getTime()).toBeGreaterThan(after.getTime());
    // And the data pages work with it.
    expect(tableRows((await agent.get('/claims').expect(200)).text, 'claims')).toHaveLength(52);
  });

  it('sends a visitor who is not connected to the overview', async () => {
    const res = await request(app.getHttpServer()).post('/token/refresh');
    expect([res.status, res.headers.location]).toEqual([303, '/']);
    expect(refreshPosts()).toHaveLength(0);
  });
});

describe('an access token that expired during the session', () => {
  it('is renewed automatically on the next page, which says so, and the overview shows the new expiry', async () => {
    // A session whose stored token has already expired, as after an hour away from the app.
    const token = await login(app.get(AuthService));
    const { cookie } = await app.get(BlueButtonSessions).createSession(expiredCopy(token));
    emu.clearRequests();

    const page = await request(app.getHttpServer())
      .get('/coverage')
      .set('Cookie', cookie)
      .expect(200);
    expect(text(page.text)).toContain(
      'Your access token was renewed automatically while loading this page.',
    );
    expect(refreshPosts()).toHaveLength(1);

    const overview = await request(app.getHttpServer()).get('/').set('Cookie', cookie).expect(200);
    const expires = new Date(
      attr(overview.text, /<time\b[^>]*id="token-expiry"[^>]*>/, 'datetime')!,
    );
    expect(expires.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    // The next page uses the stored new token: no second refresh, no notice.
    const again = await request(app.getHttpServer())
      .get('/coverage')
      .set('Cookie', cookie)
      .expect(200);
    expect(again.text).not.toContain('renewed automatically');
    expect(refreshPosts()).toHaveLength(1);
  });
});

describe('Disconnect', () => {
  it('revokes the grant at Blue Button, clears the cookie, and the old session no longer works', async () => {
    const { agent, done } = await connect(app);
    const cookie = sessionCookie(done.headers['set-cookie'])!.split(';')[0];
    const overview = await agent.get('/').expect(200);
    expect(overview.text).toContain('action="/bluebutton/logout"');

    const out = await agent.post('/bluebutton/logout').expect(302);
    expect(out.headers.location).toBe('/signed-out');
    expect(sessionCookie(out.headers['set-cookie'])).toMatch(/^bluebutton_session=; .*Max-Age=0/);
    expect(emu.requestsTo('/v2/o/revoke/', 'POST')).toHaveLength(1);

    const landing = await agent.get('/signed-out').expect(200);
    expect(text(landing.text)).toContain('You are disconnected.');
    expect(landing.text).toContain('id="connect"');
    expect(landing.text).not.toContain('id="logout"');

    // Replaying the old cookie: the token is gone from the store.
    const replay = await request(app.getHttpServer()).get('/claims').set('Cookie', cookie);
    expect([replay.status, replay.headers.location]).toEqual([302, '/?next=%2Fclaims']);
  });

  it('does not claim a disconnection on /signed-out while still connected', async () => {
    const { agent } = await connect(app);
    const page = await agent.get('/signed-out').expect(200);
    expect(text(page.text)).not.toContain('You are disconnected.');
    expect(page.text).toContain('id="token-expiry"');
  });
});

describe('a visitor who has not connected', () => {
  it.each(['/claims', '/coverage', '/patient', '/profile'])(
    'is sent from %s to the overview, whose Connect link comes back there',
    async path => {
      const agent = request.agent(app.getHttpServer());
      const res = await agent.get(path).expect(302);
      expect(res.headers.location).toBe(`/?next=${encodeURIComponent(path)}`);
      const home = await agent.get(res.headers.location).expect(200);
      expect(text(home.text)).toContain('Connect your Medicare account to see that page.');
      expect(attr(home.text, /<a\b[^>]*id="connect"[^>]*>/, 'href')).toBe(
        `/bluebutton/login?returnTo=${encodeURIComponent(path)}`,
      );
      expect(emu.requestsTo('/v2/')).toHaveLength(0);
    },
  );

  it('lands on the page it came from after connecting', async () => {
    const agent = request.agent(app.getHttpServer());
    const start = await agent.get('/bluebutton/login?returnTo=%2Fcoverage').expect(302);
    const callback = await consent(start.headers.location);
    const done = await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    expect(done.headers.location).toBe('/coverage');
  });

  it('never turns ?next= into a link elsewhere', async () => {
    const home = await request(app.getHttpServer())
      .get('/?next=https%3A%2F%2Fevil.example%2F')
      .expect(200);
    expect(attr(home.text, /<a\b[^>]*id="connect"[^>]*>/, 'href')).toBe('/bluebutton/login');
    expect(home.text).not.toContain('evil.example');
  });
});
