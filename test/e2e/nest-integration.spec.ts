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
import { signSession } from '../../lib/web/sessions/session-cookie.js';
import { consent, fakeToken, startEmulator } from '../support/bluebutton.js';
import {
  loginThroughRoutes as login,
  sessionSetCookie,
  type Agent,
  type RouteLoginOptions,
} from './app/browser.js';
import { ADAPTERS, createTestApp, SESSION_SECRET } from './app/test-app.js';

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());

describe.each(ADAPTERS)('on %s', adapter => {
  let app: INestApplication;
  /** A test app on this adapter. */
  const createApp: typeof createTestApp = (e, overrides, customize, shape) =>
    createTestApp(e, overrides, customize, { adapter, ...shape });

  beforeAll(async () => {
    app = await createApp(emu);
  });
  afterAll(() => app.close());

  const loginThroughRoutes = (options?: RouteLoginOptions) => login(app, options);

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
      [
        // Always a different first character (an id can start with X).
        'a tampered session id',
        (v: string) => `${v.startsWith('X') ? 'Y' : 'X'}${v.slice(1)}`,
      ],
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
      const value = decodeURIComponent(sessionSetCookie(done)!.split(';')[0].split('=')[1]);
      // Every row alters the value, an id starting with X included (once missed 1 time in 64).
      for (const genuine of [value, `X${value.slice(1)}`])
        expect(tamper(genuine)).not.toBe(genuine);
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
    ])(
      'maps a Blue Button %i (after retries) to %i without internals',
      async (upstream, mapped) => {
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
      },
    );

    it('maps a timeout to 504', async () => {
      // Room for the login's token POST on a loaded machine; the slow answer is 3 times later.
      const slow = await createApp(emu, { timeoutMs: 500, retrySettings: { total: 0 } });
      try {
        const agent = request.agent(slow.getHttpServer());
        const start = await agent.get('/bluebutton/login').expect(302);
        const callback = await consent(start.headers.location);
        await agent.get(`${callback.pathname}${callback.search}`).expect(302);
        emu.faults.enqueue('/v2/fhir/Coverage', { latencyMs: 1_500 });
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
      const mocked = await createApp(emu, {}, builder =>
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
});
