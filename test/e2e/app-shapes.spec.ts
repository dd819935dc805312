import type { Server } from 'node:http';
import {
  ValidationPipe,
  VERSION_NEUTRAL,
  VersioningType,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, RouterModule } from '@nestjs/core';
import { BlueButtonConfigError, BlueButtonModule } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import type { Observable } from 'rxjs';
import request from 'supertest';
import { consent, startEmulator } from '../support/bluebutton.js';
import { ADAPTERS, createTestApp, type TestAppShape } from './app/test-app.js';

/**
 * The built-in routes in the shapes enterprise apps take: a global prefix (with `exclude`), URI
 * versioning, header versioning, `RouterModule`, `forRootAsync()`, the app's own global
 * interceptors and pipes — each through a whole login → consent → claims → logout over real HTTP,
 * on Express and on Fastify. And the boot-time check that the callback route and `callbackUrl` agree.
 */

const ORIGIN = 'http://127.0.0.1:3999';
/** Where each shape's callback is, registered with the emulator's client. */
const CALLBACKS = {
  prefixed: `${ORIGIN}/portal/bluebutton/callback`,
  excluded: `${ORIGIN}/bluebutton/callback`,
  versioned: `${ORIGIN}/v1/bluebutton/callback`,
  routed: `${ORIGIN}/auth/bluebutton/callback`,
};

/** The paths of one app shape, as a browser uses them. */
interface ShapePaths {
  login: string;
  callback: string;
  claims: string;
  logout: string;
  /** Headers the app's own API calls send (the browser's login redirects send none). */
  apiHeaders?: Record<string, string>;
}

/** Marks every answer, to show the app's global interceptors run on the built-in routes. */
class SeenInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.adapterHost.httpAdapter.setHeader(context.switchToHttp().getResponse(), 'X-Seen', 'yes');
    return next.handle();
  }
}

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator({ redirectUris: Object.values(CALLBACKS) });
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());

/** login → Blue Button consent → callback → a claims route → 401 loginUrl after logout. */
async function loginToLogout(app: INestApplication, paths: ShapePaths): Promise<void> {
  const server = app.getHttpServer() as Server;
  const api = paths.apiHeaders ?? {};
  const anonymous = await request(server).get(paths.claims).set(api).expect(401);
  expect(anonymous.body.loginUrl).toBe(paths.login);

  const agent = request.agent(server);
  const start = await agent.get(paths.login).expect(302);
  const callback = await consent(start.headers.location, { user: 'BBUser00007' });
  expect(callback.pathname).toBe(paths.callback);
  const done = await agent.get(`${callback.pathname}${callback.search}`);
  expect([done.status, done.headers.location]).toEqual([302, '/home']);

  const claims = await agent.get(paths.claims).set(api).expect(200);
  expect(claims.body.beneficiary).toBe(`Patient/${emu.patientIdFor('BBUser00007')}`);

  emu.clearRequests();
  const out = await agent.post(paths.logout).set('Sec-Fetch-Site', 'same-origin');
  expect([out.status, out.headers.location]).toEqual([302, '/bye']);
  expect(emu.requestsTo('/v2/o/revoke/', 'POST')).toHaveLength(1);
  await agent.get(paths.claims).set(api).expect(401);
}

describe.each(ADAPTERS)('on %s', adapter => {
  /** Boots a shape, runs the whole flow through it, and closes it. */
  async function flow(
    callbackUrl: string,
    shape: TestAppShape,
    paths: ShapePaths,
    routes: object = {},
  ): Promise<void> {
    const app = await createTestApp(
      emu,
      {
        callbackUrl,
        routes: {
          successRedirect: '/home',
          failureRedirect: '/oops',
          logoutRedirect: '/bye',
          ...routes,
        },
      },
      undefined,
      { adapter, ...shape },
    );
    try {
      await loginToLogout(app, paths);
    } finally {
      await app.close();
    }
  }

  it('serves the routes under a global prefix, with the app’s global interceptors and pipes', async () => {
    const app = await createTestApp(emu, { callbackUrl: CALLBACKS.prefixed }, undefined, {
      adapter,
      setup: a => {
        a.setGlobalPrefix('portal');
        a.useGlobalInterceptors(new SeenInterceptor(a.get(HttpAdapterHost)));
        a.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
      },
    });
    try {
      const server = app.getHttpServer() as Server;
      const login = await request(server).get('/portal/bluebutton/login').expect(302);
      expect(login.headers['x-seen']).toBe('yes');
      await request(server).get('/bluebutton/login').expect(404);
      await loginToLogout(app, {
        login: '/portal/bluebutton/login',
        callback: '/portal/bluebutton/callback',
        claims: '/portal/api/coverage',
        logout: '/portal/bluebutton/logout',
      });
    } finally {
      await app.close();
    }
  });

  it('serves a callback excluded from the global prefix at its unprefixed path', () =>
    flow(
      CALLBACKS.excluded,
      { setup: a => a.setGlobalPrefix('portal', { exclude: ['bluebutton/callback'] }) },
      {
        login: '/portal/bluebutton/login',
        callback: '/bluebutton/callback',
        claims: '/portal/api/coverage',
        logout: '/portal/bluebutton/logout',
      },
    ));

  it('serves the routes at the app’s default URI version', () =>
    flow(
      CALLBACKS.versioned,
      { setup: a => a.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' }) },
      {
        login: '/v1/bluebutton/login',
        callback: '/v1/bluebutton/callback',
        claims: '/v1/api/coverage',
        logout: '/v1/bluebutton/logout',
      },
    ));

  it('keeps the routes unversioned with routes.version: VERSION_NEUTRAL', () =>
    flow(
      CALLBACKS.excluded,
      { setup: a => a.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' }) },
      {
        login: '/bluebutton/login',
        callback: '/bluebutton/callback',
        claims: '/v1/api/coverage',
        logout: '/bluebutton/logout',
      },
      { version: VERSION_NEUTRAL },
    ));

  it('answers a browser under header versioning, which sends no version header', () =>
    flow(
      CALLBACKS.excluded,
      {
        setup: a =>
          a.enableVersioning({
            type: VersioningType.HEADER,
            header: 'X-Api-Version',
            defaultVersion: '2',
          }),
      },
      {
        login: '/bluebutton/login',
        callback: '/bluebutton/callback',
        claims: '/api/coverage',
        logout: '/bluebutton/logout',
        apiHeaders: { 'X-Api-Version': '2' },
      },
    ));

  it('serves the routes under a RouterModule path', () =>
    flow(
      CALLBACKS.routed,
      { imports: [RouterModule.register([{ path: 'auth', module: BlueButtonModule }])] },
      {
        login: '/auth/bluebutton/login',
        callback: '/auth/bluebutton/callback',
        claims: '/api/coverage',
        logout: '/auth/bluebutton/logout',
      },
    ));

  it('takes the paths from forRootAsync() options, and the prefix too', () =>
    flow(
      CALLBACKS.prefixed,
      { async: true, setup: a => a.setGlobalPrefix('portal') },
      {
        login: '/portal/connect',
        callback: '/portal/bluebutton/callback',
        claims: '/portal/api/coverage',
        logout: '/portal/disconnect',
      },
      { login: '/connect', logout: '/disconnect' },
    ));

  it.each([
    [
      'a global prefix',
      (a: INestApplication) => a.setGlobalPrefix('portal'),
      'under this app\'s global prefix "portal" the built-in callback route answers at /portal/bluebutton/callback',
      'or exclude "bluebutton/callback" from the global prefix',
    ],
    [
      'a URI version',
      (a: INestApplication) =>
        a.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' }),
      'under this app\'s version "1" the built-in callback route answers at /v1/bluebutton/callback',
      'or set routes.version (VERSION_NEUTRAL for none)',
    ],
  ])(
    'refuses to boot when %s keeps the callback route from callbackUrl, with one error naming both',
    async (_, setup, where, fix) => {
      const error = (await createTestApp(emu, { callbackUrl: CALLBACKS.excluded }, undefined, {
        adapter,
        setup,
      }).catch((e: unknown) => e)) as BlueButtonConfigError;
      expect(error).toBeInstanceOf(BlueButtonConfigError);
      expect(error.issues.map(i => i.key)).toEqual(['callbackUrl']);
      expect(error.message).toContain(
        `is ${CALLBACKS.excluded}, but ${where}, never at /bluebutton/callback.`,
      );
      expect(error.message).toContain(fix);
    },
  );

  it('refuses a callbackUrl whose path a router would read as a pattern', async () => {
    const error = (await createTestApp(
      emu,
      { callbackUrl: `${ORIGIN}/bluebutton/:callback` },
      undefined,
      { adapter },
    ).catch((e: unknown) => e)) as BlueButtonConfigError;
    expect(error.issues).toEqual([
      {
        key: 'callbackUrl',
        reason: expect.stringContaining('(routers read ":", "*", "{" and "%" as patterns)'),
      },
    ]);
  });
});
