import { once } from 'node:events';
import type { Server } from 'node:http';
import { Injectable, Module, type INestApplication, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  AuthService,
  BlueButtonConfig,
  BlueButtonConfigError,
  BlueButtonStore,
  FhirService,
} from 'nestjs-bluebutton';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import request from 'supertest';
import { consent, toEmulator } from '../support/bluebutton.js';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';

/**
 * The guides' examples under docs/examples/ that are not specs are type-checked by `npm run lint`;
 * here they also boot, against the emulator (and a real redis-server), and answer one real request.
 *
 * The modules are used as written, with one seam: they point at Blue Button's SANDBOX host (no
 * `baseUrl`), so each test overrides the `BlueButtonConfig` provider with the example's own options
 * plus `baseUrl: emu.baseUrl`. Their environment variables are stubbed before they are imported
 * (app.module.ts and redis.module.ts read them while the module is decorated).
 *
 * Not run: docs/examples/main.ts — importing it calls `NestFactory.create(AppModule)` and
 * `app.listen(3000)` on a fixed port against the real sandbox, and keeps no handle to close the app.
 */

const CLIENT = { clientId: 'docs-example-client-id', clientSecret: 'docs-example-client-secret' };
/** The callback URLs the examples use, registered with the emulator. */
const CALLBACKS = {
  app: 'http://localhost:3000/api/bluebutton/callback/',
  async: 'http://localhost:3000/async/callback',
  redis: 'https://app.example.org/bluebutton/callback',
};
const SESSION_SECRET = 'docs-example-session-secret-0123456789abcdef';
const STORE_KEY = Buffer.alloc(32, 7).toString('base64');

let emu: BlueButtonEmulator;

beforeAll(async () => {
  emu = await BlueButtonEmulator.start({
    v3Enabled: true,
    clients: [{ ...CLIENT, redirectUris: Object.values(CALLBACKS), v3EarlyAdopter: true }],
  });
  vi.stubEnv('BB_CLIENT_ID', CLIENT.clientId);
  vi.stubEnv('BB_CLIENT_SECRET', CLIENT.clientSecret);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emu?.close();
});
beforeEach(() => emu.clearRequests());

/** Cookies set by one response, as a `Cookie` request header. */
const cookiesOf = (res: request.Response): string =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map(c => c.split(';')[0])
    .join('; ');

describe('docs/examples/app.module.ts (with bluebutton.controller.ts)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const { AppModule } = await import('../../docs/examples/app.module.js');
    const moduleRef = await toEmulator(
      Test.createTestingModule({ imports: [AppModule] }),
      emu,
    ).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app?.close());

  it('boots with the example’s configuration and serves the authorize → callback flow', async () => {
    const config = app.get(BlueButtonConfig);
    expect([config.environment, config.clientId, config.callbackUrl, config.apiBaseUrl]).toEqual([
      'SANDBOX',
      CLIENT.clientId,
      CALLBACKS.app,
      `${emu.baseUrl}/v2`,
    ]);
    expect(app.get(FhirService)).toBeInstanceOf(FhirService);

    const server = app.getHttpServer() as Server;
    const start = await request(server).get('/').expect(302);
    const authorize = new URL(start.headers.location);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${emu.baseUrl}/v2/o/authorize/`);
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(CALLBACKS.app);

    const callback = await consent(start.headers.location, { user: 'BBUser00000' });
    const res = await request(server)
      .get(`${callback.pathname}${callback.search}`)
      .set('Cookie', cookiesOf(start))
      .expect(200);
    expect(res.body.coverageData.total).toBe(4);
    expect(res.body.profileData.patient).toBe(emu.patientIdFor('BBUser00000'));
    expect(emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST')).toHaveLength(1);
  });
});

describe('docs/examples/config-async.module.ts', () => {
  let AppModule: Type;
  const modules: TestingModule[] = [];
  beforeAll(async () => {
    ({ AppModule } = await import('../../docs/examples/config-async.module.js'));
  });
  afterEach(async () => {
    for (const moduleRef of modules.splice(0)) await moduleRef.close();
  });

  it('reads the options from @nestjs/config, registers the module globally, and talks v3', async () => {
    vi.stubEnv('BB_CALLBACK_URL', CALLBACKS.async);
    vi.stubEnv('BB_VERSION', '3');
    vi.stubEnv('BB_SCOPES', 'patient/Coverage.rs profile');
    /** A provider in another module that does not import BlueButtonModule: isGlobal at work. */
    @Injectable()
    class ClaimsReader {
      constructor(readonly fhir: FhirService) {}
    }
    @Module({ providers: [ClaimsReader], exports: [ClaimsReader] })
    class FeatureModule {}

    const moduleRef = await toEmulator(
      Test.createTestingModule({ imports: [AppModule, FeatureModule] }),
      emu,
    ).compile();
    modules.push(moduleRef);
    await moduleRef.init();

    const config = moduleRef.get(BlueButtonConfig);
    expect([config.version, config.clientId, config.callbackUrl, config.apiBaseUrl]).toEqual([
      3,
      CLIENT.clientId,
      CALLBACKS.async,
      `${emu.baseUrl}/v3`,
    ]);
    const fhir = moduleRef.get(ClaimsReader).fhir;
    expect(fhir).toBe(moduleRef.get(FhirService));

    const auth = moduleRef.get(AuthService);
    const { url } = await firstValueFrom(auth.startAuthorization());
    expect(url.startsWith(`${emu.baseUrl}/v3/o/authorize/`)).toBe(true);
    expect(new URL(url).searchParams.get('scope')).toBe('patient/Coverage.rs profile');
    const callback = await consent(url, { user: 'BBUser00001' });
    const { token } = await firstValueFrom(
      auth.completeAuthorization(Object.fromEntries(callback.searchParams)),
    );
    const coverage = await firstValueFrom(fhir.getCoverageData(token));
    expect(coverage.status).toBe(200);
    expect(emu.requestsTo('/v3/fhir/Coverage')).toHaveLength(1);
    expect(emu.requestsTo('/v2/')).toHaveLength(0);
  });

  it('fails the boot with a BlueButtonConfigError naming `version` for any other BB_VERSION', async () => {
    vi.stubEnv('BB_CALLBACK_URL', CALLBACKS.async);
    vi.stubEnv('BB_VERSION', 'banana');
    // As written (no emulator override): the example's own validation must stop the boot.
    const error = await Test.createTestingModule({ imports: [AppModule] })
      .compile()
      .then(moduleRef => {
        modules.push(moduleRef);
        return undefined;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect((error as BlueButtonConfigError).issues.map(i => i.key)).toEqual(['version']);
    expect(emu.requests).toHaveLength(0);
  });
});

describe('docs/examples/emulator.ts', () => {
  it('starts an emulator, queues its three faults, logs no token requests, and closes it', async () => {
    const started: BlueButtonEmulator[] = [];
    const start = BlueButtonEmulator.start.bind(BlueButtonEmulator);
    vi.spyOn(BlueButtonEmulator, 'start').mockImplementation(async options => {
      const instance = await start(options);
      started.push(instance);
      return instance;
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import('../../docs/examples/emulator.js');
    } finally {
      vi.restoreAllMocks();
    }
    expect(started).toHaveLength(1);
    expect(started[0].client.redirectUris).toEqual(['http://localhost:3000/callback']);
    expect(started[0].faults.pending).toBe(3);
    expect(log.mock.calls).toEqual([[[]]]);
    await expect(fetch(`${started[0].baseUrl}/v2/fhir/metadata`)).rejects.toThrow();
  });
});

describeWithRedis('docs/examples/redis.module.ts', () => {
  let server: RedisServer;
  let app: INestApplication;
  let raw: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    vi.stubEnv('REDIS_URL', server.url);
    vi.stubEnv('BB_SESSION_SECRET', SESSION_SECRET);
    vi.stubEnv('BB_STORE_KEY', STORE_KEY);
    const { AppModule } = await import('../../docs/examples/redis.module.js');
    const moduleRef = await toEmulator(
      Test.createTestingModule({ imports: [AppModule] }),
      emu,
    ).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    // The example's client has enableOfflineQueue: false, so calls made before it connects fail.
    const client = exampleClient();
    if (client.status !== 'ready') await once(client, 'ready');
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    const client = app && exampleClient();
    await app?.close();
    // The example closes its own connection when the app stops ('end' follows QUIT's reply).
    if (client && client.status !== 'end') await once(client, 'end');
    raw?.disconnect();
    await server?.cleanup();
  });

  /** The example's own ioredis client, which its module keeps private (held by the store's commands). */
  function exampleClient(): Redis {
    return (app.get(BlueButtonStore) as unknown as { redis: { client: Redis } }).redis.client;
  }

  it('logs in through the built-in routes, keeping the pending login and the token encrypted in Redis', async () => {
    expect(app.get(BlueButtonStore)).toBeInstanceOf(RedisBlueButtonStore);
    const http = app.getHttpServer() as Server;

    const start = await request(http).get('/bluebutton/login').expect(302);
    const authorize = new URL(start.headers.location);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${emu.baseUrl}/v2/o/authorize/`);
    const pending = await raw.keys('myapp:bluebutton:h:auth:*');
    expect(pending).toHaveLength(1);
    expect(pending[0]).not.toContain(authorize.searchParams.get('state')); // an HMAC of the state

    const callback = await consent(start.headers.location, { user: 'BBUser00002' });
    const done = await request(http)
      .get(`${callback.pathname}${callback.search}`)
      .set('Cookie', cookiesOf(start));
    expect(done.status).toBe(302);
    const session = ([] as string[])
      .concat(done.headers['set-cookie'] ?? [])
      .find(c => c.startsWith('bluebutton_session='))!;
    expect(session).toMatch(/; Secure;/); // the example's callbackUrl is https

    const sessionId = decodeURIComponent(session.split(';')[0].split('=')[1]).split('.')[0];
    const store = app.get(BlueButtonStore) as RedisBlueButtonStore;
    const key = store.redisKey(`token:session:${sessionId}`);
    expect(key).not.toContain(sessionId);
    expect(await raw.exists(...pending)).toBe(0); // the pending login was consumed
    const stored = JSON.parse((await raw.get(key))!);
    expect(Object.keys(stored).sort()).toEqual(['e', 'v']); // encrypted, no plaintext `d`

    const token = (await app
      .get(BlueButtonStore)
      .get<{ token: { accessToken: string; patient: string } }>(`token:session:${sessionId}`))!;
    expect(token.token.patient).toBe(emu.patientIdFor('BBUser00002'));
    const exchanged = emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST');
    expect(exchanged).toHaveLength(1);
    expect(await raw.get(key)).not.toContain(token.token.accessToken);
  });
});

describe('docs/examples/emulator-loads.ts', () => {
  it('finds the loaded and reloaded claims with _lastUpdated=gt the first Bundle’s meta.lastUpdated', async () => {
    const started: BlueButtonEmulator[] = [];
    const start = BlueButtonEmulator.start.bind(BlueButtonEmulator);
    vi.spyOn(BlueButtonEmulator, 'start').mockImplementation(async options => {
      const instance = await start(options);
      started.push(instance);
      return instance;
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import('../../docs/examples/emulator-loads.js');
    } finally {
      vi.restoreAllMocks();
    }
    expect(log.mock.calls).toEqual([[3]]);
    expect(started[0]!.hooks.pending).toBe(1);
  });
});
