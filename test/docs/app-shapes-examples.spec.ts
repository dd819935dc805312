import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent, toEmulator } from '../support/bluebutton.js';

/**
 * The examples of docs/app-shapes.md — global prefix, URI versioning, Fastify, a global
 * ThrottlerGuard, and an app's own login controller — booted as written (one seam: their HTTP calls
 * go to the emulator, as in examples.spec.ts) and driven through a whole login over real HTTP.
 *
 * Not run: docs/examples/fastify.main.ts — it listens on a fixed port against the real sandbox;
 * what it does besides `listen()` is `setUpApi()`, run here on a FastifyAdapter.
 */

const CLIENT = { clientId: 'docs-shapes-client-id', clientSecret: 'docs-shapes-client-secret' };
const CALLBACKS = {
  api: 'http://localhost:3000/api/v1/bluebutton/callback',
  own: 'http://localhost:3000/auth/callback',
};

let emu: BlueButtonEmulator;

beforeAll(async () => {
  emu = await BlueButtonEmulator.start({
    clients: [{ ...CLIENT, redirectUris: Object.values(CALLBACKS) }],
  });
  vi.stubEnv('BB_CLIENT_ID', CLIENT.clientId);
  vi.stubEnv('BB_CLIENT_SECRET', CLIENT.clientSecret);
  vi.stubEnv('BB_SESSION_SECRET', 'docs-shapes-session-secret-0123456789abcdef');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emu?.close();
});
beforeEach(() => emu.clearRequests());

describe('docs/examples/api.module.ts with api.setup.ts, on Fastify', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const { ApiModule } = await import('../../docs/examples/api.module.js');
    const { setUpApi } = await import('../../docs/examples/api.setup.js');
    const moduleRef = await toEmulator(
      Test.createTestingModule({ imports: [ApiModule] }),
      emu,
    ).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    setUpApi(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app?.close());

  it('logs in under /api/v1, lists the claims there, and logs out', async () => {
    const agent = request.agent(app.getHttpServer() as Server);
    const anonymous = await agent.get('/api/v1/claims').expect(401);
    expect(anonymous.body.loginUrl).toBe('/api/v1/bluebutton/login');

    const start = await agent.get('/api/v1/bluebutton/login').expect(302);
    const callback = await consent(start.headers.location, { user: 'BBUser00001' });
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACKS.api);
    const done = await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    expect(done.headers.location).toBe('/api/v1/claims');

    const claims = await agent.get('/api/v1/claims').expect(200);
    expect(claims.body[0]).toEqual(expect.objectContaining({ id: expect.any(String) }));
    expect(emu.requestsTo('/v2/fhir/ExplanationOfBenefit')[0].query.get('_count')).toBe('50');

    await agent.post('/api/v1/bluebutton/logout').set('Sec-Fetch-Site', 'same-origin').expect(302);
    expect(emu.requestsTo('/v2/o/revoke/', 'POST')).toHaveLength(1);
    await agent.get('/api/v1/claims').expect(401);
  });
});

describe('docs/examples/own-login.module.ts (with login.controller.ts)', () => {
  let app: INestApplication;
  // One app per test: the login route's rate limit counts every visit.
  beforeEach(async () => {
    const { OwnLoginModule } = await import('../../docs/examples/own-login.module.js');
    const moduleRef = await toEmulator(
      Test.createTestingModule({ imports: [OwnLoginModule] }),
      emu,
    ).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterEach(() => app?.close());

  it('logs in and out through the app’s own controller, with its own paths', async () => {
    const agent = request.agent(app.getHttpServer() as Server);
    await agent.get('/bluebutton/login').expect(404); // no built-in routes
    const start = await agent.get('/auth/login?returnTo=%2Fclaims%2Fme').expect(302);
    const callback = await consent(start.headers.location, { user: 'BBUser00002' });
    const done = await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    expect(done.headers.location).toBe('/claims/me');
    const me = await agent.get('/claims/me').expect(200);
    expect(me.body.patient).toBe(emu.patientIdFor('BBUser00002'));

    await agent.get('/auth/logout').expect(404);
    await agent.post('/auth/logout').set('Sec-Fetch-Site', 'cross-site').expect(403);
    await agent.post('/auth/logout').set('Sec-Fetch-Site', 'same-origin').expect(302);
    await agent.get('/claims/me').expect(401);
  });

  it('rate-limits its login route with @Throttle(): the 6th visit in a minute is a 429', async () => {
    const server = app.getHttpServer() as Server;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await request(server).get('/auth/login')).status);
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429, 429, 429]);
  });
});
