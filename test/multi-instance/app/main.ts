/**
 * One instance of the multi-instance test app, run as its own Node process (compiled by
 * ../support/child-app.ts). Configured from the environment (see {@link readEnv}); prints
 * `MULTI_INSTANCE_READY {"instance","url","pid"}` once it listens.
 */
import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  BlueButtonExceptionFilter,
  BlueButtonModule,
  BlueButtonStore,
} from '../../../lib/index.js';
import { RedisBlueButtonStore } from '../../../lib/redis/index.js';
import { ClaimsController, INSTANCE_NAME } from './claims.controller.js';
import { READY_MARKER, type ChildAppEnv, type ReadyLine } from './protocol.js';

/** A required environment variable (throws naming it when missing). */
function need(name: keyof ChildAppEnv): string {
  const value = process.env[name];
  if (!value) throw new Error(`multi-instance app: ${name} is not set`);
  return value;
}

/** The configuration the parent passes in the environment ({@link ChildAppEnv}). */
function readEnv() {
  return {
    instance: need('MI_INSTANCE'),
    port: Number(process.env.MI_PORT ?? 0),
    baseUrl: need('MI_BB_BASE_URL'),
    clientId: need('MI_BB_CLIENT_ID'),
    clientSecret: need('MI_BB_CLIENT_SECRET'),
    callbackUrl: need('MI_BB_CALLBACK_URL'),
    redisUrl: need('MI_REDIS_URL'),
    redisPrefix: need('MI_REDIS_PREFIX'),
    sessionSecret: need('MI_SESSION_SECRET'),
    storeKey: need('MI_STORE_KEY'),
  };
}

async function main(): Promise<void> {
  const env = readEnv();
  const logger = new Logger(`app ${env.instance}`);

  // The client options lib/redis recommends: fail fast while Redis is down instead of queueing,
  // and (lazyConnect + connect) boot only once Redis answers.
  const redis = new Redis(env.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  // Without a listener ioredis prints every reconnect failure as an "Unhandled error event".
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn(`Redis client: ${error.message}`);
    lastError = error.message;
  });
  redis.on('ready', () => (lastError = ''));
  await redis.connect();

  @Module({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl: env.baseUrl,
        clientId: env.clientId,
        clientSecret: env.clientSecret,
        callbackUrl: env.callbackUrl,
        // Fast retries: the emulator is local, and a test must not wait 2.5 s backoffs.
        retrySettings: { total: 3, backoffFactor: 0.01, statusForcelist: [500, 502, 503, 504] },
        timeoutMs: 2000,
        routes: { successRedirect: '/home', failureRedirect: '/oops' },
        // Shared by every instance, so a cookie signed by one verifies on the others.
        session: { secret: env.sessionSecret },
        extraProviders: [
          {
            provide: BlueButtonStore,
            useFactory: () =>
              new RedisBlueButtonStore(redis, {
                prefix: env.redisPrefix,
                encryption: { keys: { k1: env.storeKey }, currentKeyId: 'k1' },
              }),
          },
        ],
      }),
    ],
    controllers: [ClaimsController],
    providers: [{ provide: INSTANCE_NAME, useValue: env.instance }],
  })
  class MultiInstanceAppModule {}

  const app = await NestFactory.create(MultiInstanceAppModule, {
    logger: ['error', 'warn', 'log'],
  });
  app.useGlobalFilters(new BlueButtonExceptionFilter());
  await app.listen(env.port, '127.0.0.1');

  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    logger.log(`shutting down (${why})`);
    // Whatever happens while closing, the process must end: it must never outlive the test.
    setTimeout(() => process.exit(1), 2000).unref();
    await app.close().catch(() => undefined);
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // The parent holds an IPC channel: when it goes away (even SIGKILLed), so does this process —
  // at once, as nobody is left to read its output or wait for a graceful close.
  process.on('disconnect', () => process.exit(0));

  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const ready: ReadyLine = { instance: env.instance, url, pid: process.pid };
  console.log(`${READY_MARKER} ${JSON.stringify(ready)}`);
}

main().catch((error: unknown) => {
  console.error('multi-instance app failed to start:', error);
  process.exit(1);
});
