import { setTimeout as sleep } from 'node:timers/promises';
import {
  Controller,
  Get,
  Module,
  ServiceUnavailableException,
  type INestApplication,
} from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { BlueButtonModule, BlueButtonStore } from 'nestjs-bluebutton';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import request from 'supertest';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

const REDIS = Symbol('REDIS');
const OPTIONS = {
  clientId: 'client-id-abc',
  clientSecret: 'S3cr3t-client-secret-value-0123456789',
  callbackUrl: 'http://localhost:3000/api/bluebutton/callback/',
};

describeWithRedis('RedisBlueButtonStore.healthCheck with @nestjs/terminus', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
    const client = await clients.connect(server.url);

    // The app's own Redis module: it owns the client and offers the store to whoever needs it.
    @Module({
      providers: [
        { provide: REDIS, useValue: client },
        {
          provide: RedisBlueButtonStore,
          useFactory: (redis: Redis) =>
            new RedisBlueButtonStore(redis, { prefix: 'health:', encryption: false }),
          inject: [REDIS],
        },
      ],
      exports: [REDIS, RedisBlueButtonStore],
    })
    class RedisModule {}

    @Controller('health')
    class HealthController {
      constructor(
        private readonly health: HealthCheckService,
        private readonly store: RedisBlueButtonStore,
      ) {}

      @Get()
      @HealthCheck()
      check() {
        return this.health.check([() => this.store.healthCheck()]);
      }
    }

    @Module({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        RedisModule,
        BlueButtonModule.forRootAsync({
          imports: [RedisModule],
          useFactory: () => OPTIONS,
          // The module's store becomes the app's Redis store (added after the memory default).
          extraProviders: [{ provide: BlueButtonStore, useExisting: RedisBlueButtonStore }],
        }),
      ],
      controllers: [HealthController],
    })
    class AppModule {}

    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    clients.closeAll();
    await server?.cleanup();
  });

  it('is the store the Blue Button module uses', () => {
    expect(app.get(BlueButtonStore)).toBe(app.get(RedisBlueButtonStore));
  });

  it('reports up while Redis runs, down (503) while it is stopped, and up again after a restart', async () => {
    const up = await request(app.getHttpServer()).get('/health');
    expect(up.status).toBe(200);
    expect(up.body).toEqual({
      status: 'ok',
      info: { 'bluebutton-store': { status: 'up' } },
      error: {},
      details: { 'bluebutton-store': { status: 'up' } },
    });

    await server.stop();
    const started = performance.now();
    const down = await request(app.getHttpServer()).get('/health');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.info).toEqual({});
    expect(down.body.error['bluebutton-store']).toEqual({
      status: 'down',
      message: expect.stringMatching(/^Blue Button store \(Redis\) is unavailable \(ping: .+\)/),
    });

    // Through the service directly: terminus turns the down status into a 503 exception.
    const health = app.get(HealthCheckService);
    const store = app.get(RedisBlueButtonStore);
    const error = await health.check([() => store.healthCheck('redis')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect((error as ServiceUnavailableException).getResponse()).toMatchObject({
      status: 'error',
      error: { redis: { status: 'down' } },
    });

    await server.restart();
    let again = await request(app.getHttpServer()).get('/health');
    for (let i = 0; again.status !== 200 && i < 200; i++) {
      await sleep(25);
      again = await request(app.getHttpServer()).get('/health');
    }
    expect(again.status).toBe(200);
    expect(again.body.info).toEqual({ 'bluebutton-store': { status: 'up' } });
  });
});
