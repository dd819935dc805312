import { randomBytes } from 'node:crypto';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import {
  AuthorizationDeniedError,
  AuthService,
  BlueButtonModule,
  BlueButtonStore,
  MemoryBlueButtonStore,
  StateMismatchError,
} from 'nestjs-bluebutton';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import { firstValueFrom } from 'rxjs';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

const REDIS = 'REDIS_CLIENT';
const STORE_KEY = randomBytes(32);
const OPTIONS = {
  clientId: 'client-id-abc',
  clientSecret: 'S3cr3t-client-secret-value-0123456789',
  callbackUrl: 'http://localhost:3000/api/bluebutton/callback/',
};
const storeProvider = {
  provide: BlueButtonStore,
  useFactory: (redis: Redis) =>
    new RedisBlueButtonStore(redis, {
      prefix: 'nest:',
      encryption: { keys: { k1: STORE_KEY }, currentKeyId: 'k1' },
    }),
  inject: [REDIS],
};

describeWithRedis('RedisBlueButtonStore as the Blue Button module’s store', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    // The package logs a warning about the random session secret in these minimal configs.
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const moduleRef of modules) await moduleRef.close();
    clients.closeAll();
    await server?.cleanup();
  });

  async function boot(module: DynamicModule): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
    modules.push(moduleRef);
    return moduleRef;
  }

  /** Instance A: `forRoot` with the client and the store factory as extra providers. */
  async function instanceWithForRoot(): Promise<TestingModule> {
    const client = await clients.connect(server.url);
    return boot(
      BlueButtonModule.forRoot({
        ...OPTIONS,
        extraProviders: [{ provide: REDIS, useValue: client }, storeProvider],
      }),
    );
  }

  /** Instance B: `forRootAsync` importing the app's own Redis module. */
  async function instanceWithForRootAsync(): Promise<TestingModule> {
    const client = await clients.connect(server.url);
    @Module({ providers: [{ provide: REDIS, useValue: client }], exports: [REDIS] })
    class RedisModule {}
    return boot(
      BlueButtonModule.forRootAsync({
        imports: [RedisModule],
        useFactory: () => OPTIONS,
        extraProviders: [storeProvider],
      }),
    );
  }

  it('replaces the default memory store, with forRoot and with forRootAsync', async () => {
    for (const moduleRef of [await instanceWithForRoot(), await instanceWithForRootAsync()]) {
      const store = moduleRef.get(BlueButtonStore);
      expect(store).toBeInstanceOf(RedisBlueButtonStore);
      expect(store).not.toBeInstanceOf(MemoryBlueButtonStore);
    }
  });

  it('lets a login started on one instance be completed on another — exactly once', async () => {
    const a = await instanceWithForRoot();
    const b = await instanceWithForRootAsync();
    const { url, state } = await firstValueFrom(a.get(AuthService).startAuthorization());
    expect(new URL(url).searchParams.get('state')).toBe(state);

    // The callback lands on B, which takes the pending state (here with a denial: no HTTP needed)…
    await expect(
      firstValueFrom(b.get(AuthService).completeAuthorization({ state, error: 'access_denied' })),
    ).rejects.toBeInstanceOf(AuthorizationDeniedError);
    // …so a replay of the same state on A finds nothing: single use across instances.
    await expect(
      firstValueFrom(a.get(AuthService).completeAuthorization({ state, code: 'some-code' })),
    ).rejects.toBeInstanceOf(StateMismatchError);
  });

  it('keeps the pending authorization in Redis under the prefix, encrypted, with its 10-minute TTL, its key name hiding the state', async () => {
    const a = await instanceWithForRoot();
    const { state } = await firstValueFrom(a.get(AuthService).startAuthorization());
    const raw = await clients.connect(server.url);
    const store = a.get(BlueButtonStore) as RedisBlueButtonStore;
    const name = store.redisKey(`auth:${state}`);
    expect(name).toMatch(/^nest:h:auth:[A-Za-z0-9_-]{43}$/);
    const all = await raw.keys('nest:*');
    expect(all).toContain(name);
    expect(all.filter(k => k.includes(state))).toEqual([]);
    const pttl = await raw.pttl(name);
    expect(pttl).toBeGreaterThan(9 * 60_000);
    expect(pttl).toBeLessThanOrEqual(10 * 60_000);
    const entry = JSON.parse((await raw.get(name))!) as Record<string, unknown>;
    expect(Object.keys(entry).sort()).toEqual(['e', 'v']);
    expect(await store.get(`auth:${state}`)).toMatchObject({
      codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{43,128}$/),
    });
  });
});
