/** Boots `BlueButtonModule` + `BlueButtonSyncModule` in-process against an emulator and a Redis. */
import { Test, type TestingModule } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { BlueButtonModule, type AuthorizationToken } from 'nestjs-bluebutton';
import { StoredTokens } from '../../../lib/auth/stored-tokens.js';
import {
  BLUEBUTTON_SYNC_QUEUE,
  BlueButtonSyncModule,
  BlueButtonSyncService,
  ClaimsSink,
  type BlueButtonSyncOptions,
} from 'nestjs-bluebutton/sync';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { emulatorOptions } from '../../support/bluebutton.js';
import type { MemorySink } from './memory-sink.js';

/** A booted app with the sync module. */
export interface SyncHarness {
  moduleRef: TestingModule;
  sync: BlueButtonSyncService;
  queue: Queue;
  /** Stores `token` where the `tokenKey` option's logins put it (`user:<tokenKey>`). */
  store(tokenKey: string, token: AuthorizationToken): Promise<void>;
  close(): Promise<void>;
}

/** Test defaults: no schedule, fast retries and short locks (no multi-second waits). */
export function testSyncOptions(redisUrl: string, prefix: string): BlueButtonSyncOptions {
  return {
    connection: { url: redisUrl },
    prefix,
    schedule: false,
    retry: { attempts: 3, backoffMs: 20 },
    worker: { lockDuration: 2000, stalledInterval: 1000, maxStalledCount: 3 },
  };
}

/** Boots the modules; `overrides` replace test defaults. */
export async function bootSync(
  emu: BlueButtonEmulator,
  redisUrl: string,
  prefix: string,
  sink: MemorySink,
  overrides: Partial<BlueButtonSyncOptions> = {},
): Promise<SyncHarness> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({ ...emulatorOptions(emu), isGlobal: true }),
      BlueButtonSyncModule.forRoot({
        ...testSyncOptions(redisUrl, prefix),
        ...overrides,
        extraProviders: [{ provide: ClaimsSink, useValue: sink }],
      }),
    ],
  }).compile();
  moduleRef.useLogger(['error']);
  await moduleRef.init();
  const tokens = moduleRef.get(StoredTokens);
  return {
    moduleRef,
    sync: moduleRef.get(BlueButtonSyncService),
    queue: moduleRef.get<Queue>(getQueueToken(BLUEBUTTON_SYNC_QUEUE)),
    store: (tokenKey, token) => tokens.save(`user:${tokenKey}`, token),
    close: () => moduleRef.close(),
  };
}
