/**
 * A sync worker process for test/sync/multi-process.spec.ts: BlueButtonModule on the shared Redis
 * store, BlueButtonSyncModule's worker on the shared queue, and a Redis-backed ClaimsSink. No
 * HTTP server: it prints the multi-instance ready line (../../multi-instance/app/protocol.ts) once
 * its worker runs, and exits when the parent's IPC channel closes.
 */
import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { BlueButtonModule, BlueButtonStore } from '../../../lib/index.js';
import { RedisBlueButtonStore } from '../../../lib/redis/index.js';
import { BlueButtonSyncModule, ClaimsSink } from '../../../lib/sync/index.js';
import {
  READY_MARKER,
  type ChildAppEnv,
  type ReadyLine,
} from '../../multi-instance/app/protocol.js';
import { RedisSink, SINK_DELAY_MS, SINK_INSTANCE, SINK_PREFIX, SINK_REDIS } from './redis-sink.js';

function need(name: keyof ChildAppEnv): string {
  const value = process.env[name];
  if (!value) throw new Error(`sync worker: ${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const instance = need('MI_INSTANCE');
  const redisUrl = need('MI_REDIS_URL');
  const prefix = need('MI_REDIS_PREFIX');
  const logger = new Logger(`worker ${instance}`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', (error: Error) => logger.warn(`Redis client: ${error.message}`));
  await redis.connect();

  @Module({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl: need('MI_BB_BASE_URL'),
        clientId: need('MI_BB_CLIENT_ID'),
        clientSecret: need('MI_BB_CLIENT_SECRET'),
        callbackUrl: need('MI_BB_CALLBACK_URL'),
        retrySettings: { total: 3, backoffFactor: 0.01, statusForcelist: [500, 502, 503, 504] },
        timeoutMs: 5000,
        isGlobal: true,
        extraProviders: [
          {
            provide: BlueButtonStore,
            useFactory: () =>
              new RedisBlueButtonStore(redis, {
                prefix,
                encryption: { keys: { k1: need('MI_STORE_KEY') }, currentKeyId: 'k1' },
              }),
          },
        ],
      }),
      BlueButtonSyncModule.forRoot({
        connection: { url: redisUrl },
        prefix: `${prefix}bull`,
        schedule: false,
        concurrency: 4,
        retry: { attempts: 5, backoffMs: 50 },
        // Short locks: the passes of a killed worker are picked up within about a second.
        worker: { lockDuration: 1000, stalledInterval: 500, maxStalledCount: 5 },
        extraProviders: [
          { provide: SINK_REDIS, useValue: redis },
          { provide: SINK_PREFIX, useValue: `${prefix}sink:` },
          { provide: SINK_INSTANCE, useValue: instance },
          { provide: SINK_DELAY_MS, useValue: Number(process.env.SYNC_SINK_DELAY_MS ?? 0) },
          { provide: ClaimsSink, useClass: RedisSink },
        ],
      }),
    ],
  })
  class WorkerModule {}

  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: ['error', 'warn'],
  });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), 3000).unref();
    await app.close().catch(() => undefined);
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('disconnect', () => process.exit(0));
  const ready: ReadyLine = { instance, url: '', pid: process.pid };
  console.log(`${READY_MARKER} ${JSON.stringify(ready)}`);
}

main().catch((error: unknown) => {
  console.error('sync worker failed to start:', error);
  process.exit(1);
});
