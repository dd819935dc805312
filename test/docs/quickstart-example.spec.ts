import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BlueButtonConfig } from 'nestjs-bluebutton';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent, toEmulator } from '../support/bluebutton.js';

/**
 * The README's quick start, docs/examples/claims.module.ts (with claims.controller.ts), booted as
 * written with one seam: its HTTP calls go to the emulator instead of the sandbox host. A user logs
 * in through the built-in routes and reads their claims; logging out ends the session.
 * (docs/examples/claims.spec.ts, the README's test, runs on its own with the suite.)
 */
const CLIENT = { clientId: 'docs-quickstart-client-id', clientSecret: 'docs-quickstart-secret' };
const CALLBACK = 'http://localhost:3000/bluebutton/callback';

let emu: BlueButtonEmulator;
let app: INestApplication;

beforeAll(async () => {
  emu = await BlueButtonEmulator.start({ clients: [{ ...CLIENT, redirectUris: [CALLBACK] }] });
  vi.stubEnv('BB_CLIENT_ID', CLIENT.clientId);
  vi.stubEnv('BB_CLIENT_SECRET', CLIENT.clientSecret);
  vi.stubEnv('BB_SESSION_SECRET', 'docs-quickstart-session-secret-0123456789');
  const { AppModule } = await import('../../docs/examples/claims.module.js');
  const moduleRef = await toEmulator(
    Test.createTestingModule({ imports: [AppModule] }),
    emu,
  ).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await app?.close();
  await emu?.close();
});

it('logs in at /bluebutton/login, lists the claims, and logs out', async () => {
  const config = app.get(BlueButtonConfig);
  expect([config.environment, config.callbackUrl, config.session.secret]).toEqual([
    'SANDBOX',
    CALLBACK,
    'docs-quickstart-session-secret-0123456789',
  ]);
  const agent = request.agent(app.getHttpServer() as Server);
  const start = await agent.get('/bluebutton/login').expect(302);
  const callback = await consent(start.headers.location, { user: 'BBUser00000' });
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
  await agent.get(`${callback.pathname}${callback.search}`).expect(302);

  const claims = await agent.get('/claims').expect(200);
  expect(claims.body).toHaveLength(emu.beneficiary('BBUser00000')!.eobCount);
  expect(emu.requestsTo('/v2/fhir/ExplanationOfBenefit').map(r => r.query.get('_count'))).toEqual([
    '50',
    '50',
  ]);

  await agent.post('/bluebutton/logout').set('Sec-Fetch-Site', 'same-origin').expect(302);
  await agent.get('/claims').expect(401);
});
