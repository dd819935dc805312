import type { Server } from 'node:http';
import {
  Controller,
  Injectable,
  Post,
  Req,
  Res,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  AuthService,
  BlueButtonSessions,
  BlueButtonStore,
  type AuthorizationTokenJSON,
  type BlueButtonHttpRequest,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { fakeToken, login, startEmulator } from '../support/bluebutton.js';
import { loginByHand, SESSION_COOKIE, sessionSetCookie, setCookies } from './app/browser.js';
import { ClaimsController } from './app/claims.controller.js';
import { ADAPTERS, createTestApp } from './app/test-app.js';

/**
 * How a request finds its beneficiary's token: the app's own key (`tokenKey`) or the package's
 * signed cookie, and that cookie's `Secure` flag — on each HTTP platform.
 */

/** The record `StoredTokens` keeps under `token:<key>` in the BlueButtonStore. */
interface TokenRecord {
  token: AuthorizationTokenJSON;
  version: number;
}

/** Starts and ends sessions with `BlueButtonSessions` directly, as an app's own callback would. */
@Controller('probe')
class SessionProbeController {
  constructor(private readonly sessions: BlueButtonSessions) {}

  @Post('start')
  async start(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    await this.sessions.startSession(req, res, fakeToken());
    return {};
  }

  @Post('end')
  async end(@Req() req: BlueButtonHttpRequest, @Res({ passthrough: true }) res: unknown) {
    return { ended: (await this.sessions.endSession(req, res))?.accessToken };
  }
}

/** The app's own authentication: puts `req.user` on the framework's request object. */
@Injectable()
class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string>; user?: object }>();
    if (req.headers['x-app-user']) req.user = { id: req.headers['x-app-user'] };
    return true;
  }
}

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());

const isSecure = (setCookie: string | undefined) => / Secure;/.test(setCookie ?? '');

describe.each(ADAPTERS)('on %s', adapter => {
  describe('tokenKey: req => … (the app keys tokens by its own user id)', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createTestApp(emu, { tokenKey: req => req.headers['x-user'] }, undefined, {
        adapter,
      });
    });
    afterAll(() => app.close());

    it('stores the callback token under token:user:<id>, sets no session cookie, and serves it to that user only', async () => {
      const done = await loginByHand(app, {
        user: 'BBUser00011',
        headers: { 'x-user': 'alice' },
      });
      expect([done.status, done.headers.location]).toEqual([302, '/home']);
      expect(sessionSetCookie(done)).toBeUndefined();

      const store = app.get(BlueButtonStore);
      const record = (await store.get<TokenRecord>('token:user:alice'))!;
      expect(record.token.patient).toBe(emu.patientIdFor('BBUser00011'));
      expect(await store.get('token:user:bob')).toBeUndefined();

      const server = app.getHttpServer() as Server;
      emu.clearRequests();
      const mine = await request(server).get('/api/coverage').set('x-user', 'alice').expect(200);
      expect(mine.body.beneficiary).toBe(`Patient/${emu.patientIdFor('BBUser00011')}`);
      // On the wire: the FHIR call carried exactly the access token of the stored record.
      expect(emu.requestsTo('/v2/fhir/Coverage').map(r => r.headers.authorization)).toEqual([
        `Bearer ${record.token.accessToken}`,
      ]);

      emu.clearRequests();
      for (const other of [{ 'x-user': 'bob' }, {}]) {
        const res = await request(server).get('/api/whoami').set(other).expect(401);
        expect(res.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Connect your Medicare account first.',
          loginUrl: '/bluebutton/login',
        });
      }
      expect(emu.requests).toHaveLength(0);
    });

    it('ignores a session cookie: only the tokenKey counts', async () => {
      const token = await login(app.get(AuthService), { user: 'BBUser00013' });
      const { cookie } = await app.get(BlueButtonSessions).createSession(token);
      await request(app.getHttpServer() as Server)
        .get('/api/whoami')
        .set('Cookie', cookie)
        .expect(401);
    });

    it('sends a callback whose request has no key to failureRedirect, storing nothing', async () => {
      const done = await loginByHand(app, { user: 'BBUser00012' });
      expect([done.status, done.headers.location]).toEqual([
        302,
        '/oops?bluebutton_error=server_error',
      ]);
      expect(sessionSetCookie(done)).toBeUndefined();
      expect(await app.get(BlueButtonStore).get('token:user:undefined')).toBeUndefined();
    });

    it('sees the request the app’s guards see (Fastify’s, not the Node request under it)', async () => {
      const guarded = await createTestApp(emu, { tokenKey: req => req.user?.id }, undefined, {
        adapter,
        providers: [{ provide: APP_GUARD, useClass: HeaderUserGuard }],
      });
      try {
        const done = await loginByHand(guarded, {
          user: 'BBUser00014',
          headers: { 'x-app-user': 'carol' },
        });
        expect(done.headers.location).toBe('/home');
        const server = guarded.getHttpServer() as Server;
        const who = await request(server).get('/api/whoami').set('x-app-user', 'carol');
        expect([who.status, who.body]).toEqual([200, { patient: emu.patientIdFor('BBUser00014') }]);
        await request(server).get('/api/whoami').set('x-app-user', 'dave').expect(401);
      } finally {
        await guarded.close();
      }
    });
  });

  describe('the session cookie’s Secure flag', () => {
    let httpsApp: INestApplication;
    let httpApp: INestApplication;
    beforeAll(async () => {
      const controllers = [ClaimsController, SessionProbeController];
      httpsApp = await createTestApp(
        emu,
        { callbackUrl: 'https://app.example.org/bluebutton/callback' },
        undefined,
        { adapter, controllers },
      );
      httpApp = await createTestApp(emu, {}, undefined, { adapter, controllers, trustProxy: true });
    });
    afterAll(async () => {
      await httpsApp.close();
      await httpApp.close();
    });

    it('is on when callbackUrl is https (createSession, and startSession even for a plain request)', async () => {
      const { setCookie, cookie } = await httpsApp
        .get(BlueButtonSessions)
        .createSession(fakeToken());
      expect([setCookie, isSecure(setCookie)]).toEqual([
        expect.stringMatching(SESSION_COOKIE),
        true,
      ]);
      expect(cookie).not.toContain('Secure'); // the request-header form is only name=value

      const res = await request(httpsApp.getHttpServer()).post('/probe/start').expect(201);
      const set = sessionSetCookie(res);
      expect([set, isSecure(set)]).toEqual([expect.stringMatching(SESSION_COOKIE), true]);
    });

    it('is on when the request is secure (behind a trusted TLS proxy) with an http callbackUrl, off otherwise', async () => {
      const sessions = httpApp.get(BlueButtonSessions);
      expect(isSecure((await sessions.createSession(fakeToken())).setCookie)).toBe(false);
      const server = httpApp.getHttpServer() as Server;

      const plain = await request(server).post('/probe/start').expect(201);
      expect(isSecure(sessionSetCookie(plain))).toBe(false);

      const tls = { 'X-Forwarded-Proto': 'https' };
      const secure = await request(server).post('/probe/start').set(tls).expect(201);
      const set = sessionSetCookie(secure)!;
      expect([set, isSecure(set)]).toEqual([expect.stringMatching(SESSION_COOKIE), true]);

      // And the cookie that clears it at logout is Secure too, or the browser would keep the old one.
      const out = await request(server)
        .post('/probe/end')
        .set(tls)
        .set('Cookie', set.split(';')[0])
        .expect(201);
      expect([out.body, setCookies(out)]).toEqual([
        { ended: 'fake-access-token' },
        [
          'bluebutton_session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
        ],
      ]);
    });

    it('is on over the wire behind a TLS-terminating proxy (trust proxy + X-Forwarded-Proto: https)', async () => {
      const behindTls = await loginByHand(httpApp, {
        user: 'BBUser00016',
        headers: { 'X-Forwarded-Proto': 'https' },
      });
      expect([behindTls.status, behindTls.headers.location]).toEqual([302, '/home']);
      const set = sessionSetCookie(behindTls)!;
      expect([set, isSecure(set)]).toEqual([expect.stringMatching(SESSION_COOKIE), true]);
      const who = await request(httpApp.getHttpServer() as Server)
        .get('/api/whoami')
        .set('Cookie', set.split(';')[0])
        .expect(200);
      expect(who.body).toEqual({ patient: emu.patientIdFor('BBUser00016') });

      const direct = await loginByHand(httpApp, { user: 'BBUser00016' });
      expect(isSecure(sessionSetCookie(direct))).toBe(false);
    });
  });
});
