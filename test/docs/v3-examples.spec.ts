import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { consent, toEmulator } from '../support/bluebutton.js';

/**
 * docs/examples/v3.module.ts and v3.controller.ts, booted as written (pointed at the emulator
 * instead of the sandbox host): a v2 user and a v3 early adopter in one app.
 */

const CLIENT = { clientId: 'docs-v3-client-id', clientSecret: 'docs-v3-client-secret' };
const CALLBACK = 'http://localhost:3000/bluebutton/callback';

let emu: BlueButtonEmulator;
let app: INestApplication;
let server: Server;

beforeAll(async () => {
  emu = await BlueButtonEmulator.start({
    v3Enabled: true,
    clients: [{ ...CLIENT, redirectUris: [CALLBACK], v3EarlyAdopter: true }],
  });
  vi.stubEnv('BB_CLIENT_ID', CLIENT.clientId);
  vi.stubEnv('BB_CLIENT_SECRET', CLIENT.clientSecret);
  const { AppModule } = await import('../../docs/examples/v3.module.js');
  const moduleRef = await toEmulator(
    Test.createTestingModule({ imports: [AppModule] }),
    emu,
  ).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  server = app.getHttpServer() as Server;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await app?.close();
  await emu?.close();
});

/** Logs a user in through one of the example's login routes; returns the session's agent. */
async function connect(login: string, user: string) {
  const agent = request.agent(server);
  const start = await agent.get(login).expect(302);
  const callback = await consent(start.headers.location, { user });
  await agent.get(`${callback.pathname}${callback.search}`).expect(302);
  return { agent, authorize: new URL(start.headers.location) };
}

describe('docs/examples/v3.module.ts', () => {
  it('serves a v2 user and a v3 user side by side, each on its own version', async () => {
    const v2 = await connect('/bluebutton/login', 'BBUser00000');
    const v3 = await connect('/bluebutton/login/v3', 'BBUser00005');
    expect([v2.authorize.pathname, v3.authorize.pathname]).toEqual([
      '/v2/o/authorize/',
      '/v3/o/authorize/',
    ]);
    emu.clearRequests();

    const card = await v3.agent.get('/card').expect(200);
    expect(card.body).toMatchObject({
      payer: 'Centers for Medicare and Medicaid Services',
      parts: [{ plan: 'Part A' }, { plan: 'Part B' }],
    });
    const refused = await v2.agent.get('/card').expect(403);
    expect(refused.body.error).toBe('BB_API_VERSION_MISMATCH');

    // BBUser00005's two SUD claims are labelled 42CFRPart2 on v3: _security:not leaves them out.
    const final = await v3.agent.get('/claims/final').expect(200);
    expect(final.body).toEqual({ claims: emu.beneficiary('BBUser00005')!.eobCount - 2 });
    const [search] = emu.requestsTo('/v3/fhir/ExplanationOfBenefit');
    expect([search!.headers.prefer, search!.query.get('_security:not')]).toEqual([
      'handling=strict',
      '42CFRPart2',
    ]);
    expect(emu.requests.map(r => r.path.slice(0, 4))).toEqual(['/v3/', '/v3/']);
  });
});
