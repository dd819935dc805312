import type { INestApplication } from '@nestjs/common';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent } from '../support/bluebutton.js';
import {
  attr,
  byId,
  connect,
  createSampleApp,
  sessionCookie,
  startSampleEmulator,
  tableRows,
  text,
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

describe('a beneficiary who clicks Cancel on the consent page', () => {
  it('comes back to a friendly message (not a 500), with no session and nothing fetched', async () => {
    const { agent, done } = await connect(app, { decision: 'deny' });
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/?bluebutton_error=access_denied');
    expect(sessionCookie(done.headers['set-cookie'])).toBeUndefined();

    const page = await agent.get(done.headers.location).expect(200);
    expect(text(page.text)).toContain('You chose not to connect your Medicare account.');
    expect(text(page.text)).toContain('Nothing was shared with this app.');
    expect(page.text).toContain('role="status"');
    // Still offered the way in, and still not connected.
    expect(attr(page.text, /<a\b[^>]*id="connect"[^>]*>/, 'href')).toBe('/bluebutton/login');
    const claims = await agent.get('/claims');
    expect([claims.status, claims.headers.location]).toEqual([302, '/?next=%2Fclaims']);
    expect(emu.requestsTo('/v2/o/token/')).toHaveLength(0);
    expect(emu.requestsTo('/v2/fhir/')).toHaveLength(0);
  });

  it('keeps an earlier connection, and says so, when a connected beneficiary cancels a new login', async () => {
    const { agent } = await connect(app);
    const start = await agent.get('/bluebutton/login').expect(302);
    const callback = await consent(start.headers.location, { decision: 'deny' });
    const done = await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    const page = await agent.get(done.headers.location).expect(200);
    expect(text(page.text)).toContain('Your earlier connection is still active');
    expect(page.text).toContain('id="token-expiry"');
  });

  it.each([
    [
      'state_mismatch',
      '/callback?code=abc&state=forged',
      'That sign-in link had expired or was already used.',
    ],
    ['oauth_error', null, 'Medicare.gov could not complete the sign-in.'],
    ['server_error', null, 'We could not reach Medicare.gov'],
    ['login_failed', null, 'We could not start the Medicare sign-in.'],
  ])('explains bluebutton_error=%s in plain words', async (code, path, message) => {
    const agent = request.agent(app.getHttpServer());
    if (path) {
      const done = await agent.get(path).expect(302);
      expect(done.headers.location).toBe(`/?bluebutton_error=${code}`);
    }
    const page = await agent.get(`/?bluebutton_error=${code}`).expect(200);
    expect(page.text).toContain('id="connect"');
    expect(text(page.text)).toContain(message);
    expect(page.text).toContain('role="alert"');
  });

  it('ignores an unknown error code instead of echoing it', async () => {
    const page = await request(app.getHttpServer())
      .get('/?bluebutton_error=%3Cscript%3Ealert(1)%3C%2Fscript%3E')
      .expect(200);
    expect(page.text).not.toContain('alert(1)');
    expect(page.text).not.toContain('class="notice');
  });
});

describe('a beneficiary who does not share demographics', () => {
  it('still sees claims and coverage; Patient and Profile explain why they are empty (scope guard, no Blue Button call)', async () => {
    const { agent, done } = await connect(app, { shareDemographics: false });
    expect(done.headers.location).toBe('/claims');

    expect(tableRows((await agent.get('/claims').expect(200)).text, 'claims')).toHaveLength(52);
    await agent.get('/coverage').expect(200);

    for (const [path, scope, heading] of [
      ['/patient', 'patient/Patient.rs', 'Patient'],
      ['/profile', 'profile', 'Profile'],
    ]) {
      const res = await agent.get(path);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(attr(res.text, /<section\b[^>]*id="not-shared"[^>]*>/, 'data-missing-scopes')).toBe(
        scope,
      );
      expect(text(res.text)).toContain(`${heading} You did not share your demographic data`);
    }
    // The guard answered: no Patient or userinfo request reached Blue Button.
    expect(emu.requestsTo('/v2/fhir/Patient')).toHaveLength(0);
    expect(emu.requestsTo('/v2/connect/userinfo')).toHaveLength(0);

    const overview = await agent.get('/').expect(200);
    expect(overview.text).toContain('id="demographics-withheld"');
    const scopes = text(byId(overview.text, 'scopes'));
    expect(scopes).toContain('Demographics (name, date of birth, gender, address) — not shared');
    expect(scopes).toContain('Profile (name and e-mail) — not shared');
    expect(scopes).not.toContain('Claims (Explanation of Benefit) — not shared');
  });
});
