/**
 * `nestjs-bluebutton/sync` in one process: a real redis-server, real BullMQ, the emulator over
 * HTTP. Enrollment and delivery, parking on a dead grant or a missing token, retries, the 429
 * pause, the limiter, the schedule and the figures it reports.
 */
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { BlueButtonConfigError, BlueButtonModule } from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import {
  BlueButtonSyncModule,
  BlueButtonSyncService,
  ClaimsSink,
  SyncNotEnrolledError,
} from 'nestjs-bluebutton/sync';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { emulatorOptions, startEmulator } from '../support/bluebutton.js';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { bootSync, testSyncOptions, type SyncHarness } from './support/boot-sync.js';
import { emulatorData, tokenFor } from './support/emulator-data.js';
import { MemorySink } from './support/memory-sink.js';

const TOKEN_POST = /^\/v2\/o\/token\/?$/;
const USER = 'BBUser20011';

describeWithRedis('BlueButtonSyncModule (one process, real Redis and BullMQ)', () => {
  let redis: RedisServer;
  let emu: BlueButtonEmulator;
  let app: SyncHarness;
  let sink: MemorySink;
  let n = 0;

  beforeAll(async () => {
    [redis, emu] = await Promise.all([RedisServer.start(), startEmulator()]);
  });
  beforeEach(async () => {
    emu.reset();
    sink = new MemorySink();
    // A fresh namespace per test: no queue or state left over from the previous one.
    app = await bootSync(emu, redis.url, `t${process.pid}-${n++}`, sink);
  });
  afterEach(() => app?.close());
  afterAll(async () => {
    await emu?.close();
    await redis?.cleanup();
  });

  /** Enrolls `user` under token key `alice-<user>`, with a token stored as a login would. */
  async function enrolled(user = USER, scope?: string) {
    const key = `alice-${user}`;
    const token = tokenFor(emu, user, scope);
    await app.store(key, token);
    await app.sync.enroll(key);
    return { key, token };
  }

  it('delivers exactly the emulator’s data, then only what a load changed, and saves the watermark after the sink', async () => {
    const { key, token } = await enrolled();
    const first = await app.sync.syncNow(key);
    expect(first.status).toBe('synced');
    expect(sink.stored.get(key)).toEqual(await emulatorData(emu.baseUrl, token.accessToken));
    // Batches of one type, at most 50.
    expect(
      sink.upserts.every(
        u => u.keys.length <= 50 && u.keys.every(k => k.startsWith(u.context.resourceType)),
      ),
    ).toBe(true);

    const load = emu.loadClaims({ user: USER, add: { pde: 2 }, update: 1 }).beneficiaries[0]!;
    sink.clearCalls();
    emu.clearRequests();
    const second = await app.sync.syncNow(key);
    expect(sink.upserts.flatMap(u => u.keys).sort()).toEqual(
      [...load.added, ...load.updated].map(c => `ExplanationOfBenefit/${c.id}`).sort(),
    );
    expect(emu.requestsTo('/v2/fhir/', 'GET')).toHaveLength(3);
    expect(second).toMatchObject({ status: 'synced', summary: { upserted: 3, batches: 1 } });
    expect(sink.stored.get(key)).toEqual(await emulatorData(emu.baseUrl, token.accessToken));
    const status = await app.sync.status(key);
    expect(status).toMatchObject({ enrolled: true, lastPass: { upserted: 3 } });
    expect(Date.parse(status.syncedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a sink that rejects leaves the watermark where it was: the whole pass is redone', async () => {
    const { key } = await enrolled();
    await app.sync.syncNow(key);
    const load = emu.loadClaims({ user: USER, add: { carrier: 1 } }).beneficiaries[0]!;
    const upsert = sink.upsert.bind(sink);
    let fail = 1;
    sink.upsert = async (...args) => {
      if (fail-- > 0) throw new Error('database is down');
      return upsert(...args);
    };
    sink.clearCalls();
    const result = await app.sync.syncNow(key);
    // Attempt 1 failed in the sink; attempt 2 started from the old watermark and delivered it.
    expect(sink.failures.map(([, f]) => [f.attempt, f.willRetry])).toEqual([[1, true]]);
    expect(result).toMatchObject({ status: 'synced', summary: { pass: { attempt: 2 } } });
    expect(sink.upserts.flatMap(u => u.keys)).toEqual([
      `ExplanationOfBenefit/${load.added[0]!.id}`,
    ]);
  });

  it('a grant that expired parks the beneficiary after one refresh attempt, calls onParked once, and stops passes', async () => {
    const { key } = await enrolled();
    await app.sync.syncNow(key);
    emu.expireGrant(USER);
    emu.clearRequests();
    expect(await app.sync.syncNow(key)).toEqual({ status: 'parked', reason: 'grant-expired' });
    expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(1);
    expect(sink.parked.map(([k, p]) => [k, p.reason])).toEqual([[key, 'grant-expired']]);

    // No retry storm: neither syncNow nor the schedule sends anything for a parked beneficiary.
    emu.clearRequests();
    expect(await app.sync.syncNow(key)).toEqual({ status: 'parked', reason: 'grant-expired' });
    expect(await app.sync.syncAll()).toBe(0);
    expect(emu.requests).toHaveLength(0);
    expect(sink.parked).toHaveLength(1);
    expect(await app.sync.stats()).toMatchObject({ enrolled: 0, parked: 1 });

    // A new login and enroll() resume them, from the same watermark.
    await app.store(key, tokenFor(emu, USER));
    await app.sync.enroll(key);
    sink.clearCalls();
    expect(await app.sync.syncNow(key)).toMatchObject({
      status: 'synced',
      summary: { upserted: 0 },
    });
  });

  it('a beneficiary without a stored token is parked the same way', async () => {
    await app.sync.enroll('nobody');
    expect(await app.sync.syncNow('nobody')).toEqual({ status: 'parked', reason: 'token-missing' });
    expect(sink.parked.map(([k, p]) => [k, p.reason])).toEqual([['nobody', 'token-missing']]);
    expect(emu.requests).toHaveLength(0);
  });

  it('transient failures are retried with backoff; a 429 pauses the queue without using an attempt', async () => {
    const { key } = await enrolled();
    await app.sync.syncNow(key);
    sink.clearCalls();
    // Four 503s exhaust FhirService's own retries (1 + 3): BullMQ's second attempt succeeds.
    emu.faults.enqueue(
      { path: '/v2/fhir/Coverage', method: 'GET' },
      Array.from({ length: 5 }, () => ({ status: 503 })),
    );
    const result = await app.sync.syncNow(key);
    expect(result).toMatchObject({ status: 'synced', summary: { pass: { attempt: 2 } } });
    expect(sink.failures.map(([, f]) => [f.error.name, f.willRetry])).toEqual([
      ['FhirHttpError', true],
    ]);

    sink.clearCalls();
    emu.faults.enqueue({ path: '/v2/fhir/Patient', method: 'GET' }, [
      { status: 429, retryAfter: 1 },
    ]);
    const throttled = await app.sync.syncNow(key);
    // Started twice, but the 429 is no failure: nothing reported, no attempt of the 3 used.
    expect(throttled).toMatchObject({ status: 'synced', summary: { pass: { attempt: 2 } } });
    expect(sink.failures).toHaveLength(0);
    const job = await app.queue.getJob(
      (throttled as { summary: { pass: { jobId: string } } }).summary.pass.jobId,
    );
    // BullMQ counts the successful run as the one attempt made.
    expect([job?.attemptsStarted, job?.attemptsMade]).toEqual([2, 1]);
    const patient = emu.requestsTo('/v2/fhir/Patient', 'GET').slice(-2);
    expect(patient[1]!.receivedAt - patient[0]!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('figures: enrolled, parked, never synced, and the age of the oldest watermark', async () => {
    const a = await enrolled('BBUser00001');
    await enrolled('BBUser00002');
    await app.sync.syncNow(a.key);
    await app.sync.enroll('ghost');
    await app.sync.syncNow('ghost');
    const stats = await app.sync.stats();
    expect(stats).toMatchObject({ enrolled: 2, parked: 1 });
    expect(stats.neverSynced).toBeLessThanOrEqual(1);
    expect(stats.oldestWatermarkAgeMs).toBeGreaterThanOrEqual(0);
    expect(stats.oldestWatermarkAgeMs).toBeLessThan(60_000);
    await expect(app.sync.syncNow('stranger')).rejects.toBeInstanceOf(SyncNotEnrolledError);
    await app.sync.unenroll(a.key);
    expect(await app.sync.status(a.key)).toEqual({ enrolled: false });
  });
});

describeWithRedis('BlueButtonSyncModule: options, schedule and limiter', () => {
  let redis: RedisServer;
  let emu: BlueButtonEmulator;

  beforeAll(async () => {
    [redis, emu] = await Promise.all([RedisServer.start(), startEmulator()]);
  });
  afterAll(async () => {
    await emu?.close();
    await redis?.cleanup();
  });

  it('refuses bad options at boot with BlueButtonConfigError naming each key', async () => {
    const error = await bootSync(emu, redis.url, 'bad', new MemorySink(), {
      concurrency: 0,
      schedule: { every: 5 },
      limiter: { max: 1, duration: -1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect((error as BlueButtonConfigError).issues.map(i => i.key)).toEqual([
      'concurrency',
      'limiter.duration',
      'schedule',
    ]);
  });

  it('a worker without a ClaimsSink is a boot error that says where to provide one', async () => {
    const error = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({ ...emulatorOptions(emu), isGlobal: true }),
        BlueButtonSyncModule.forRoot(testSyncOptions(redis.url, 'nosink')),
      ],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect((error as BlueButtonConfigError).message).toContain('extraProviders');
  });

  it('forRootAsync takes its options from a factory (here @nestjs/config)', async () => {
    const sink = new MemorySink();
    const moduleRef = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({ ...emulatorOptions(emu), isGlobal: true }),
        BlueButtonSyncModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ redis: redis.url })] }),
          ],
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            testSyncOptions(config.getOrThrow<string>('redis'), `async${process.pid}`),
          extraProviders: [{ provide: ClaimsSink, useValue: sink }],
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const token = tokenFor(emu, 'BBUser00007');
      await moduleRef.get(StoredTokens).save('user:u7', token);
      const sync = moduleRef.get(BlueButtonSyncService);
      await sync.enroll('u7');
      expect(await sync.syncNow('u7')).toMatchObject({ status: 'synced' });
      expect(sink.stored.get('u7')).toEqual(await emulatorData(emu.baseUrl, token.accessToken));
    } finally {
      await moduleRef.close();
    }
  });

  it('the schedule fans out one pass per enrolled beneficiary; the limiter spaces passes out', async () => {
    const sink = new MemorySink();
    const app = await bootSync(emu, redis.url, `sched${process.pid}`, sink, {
      schedule: { every: 1000 },
      limiter: { max: 2, duration: 500 },
    });
    try {
      const schedulers = await app.queue.getJobSchedulers();
      expect(schedulers.map(s => [s.key, s.every])).toEqual([['bluebutton-sync-schedule', 1000]]);
      for (const user of ['BBUser00003', 'BBUser00004', 'BBUser00006']) {
        await app.store(user, tokenFor(emu, user));
        await app.sync.enroll(user);
      }
      // Enrollment's first passes, then at least one scheduled tick's passes.
      await until(() => sink.completed.length >= 6);
      const starts = sink.completed.map(([, s]) => Date.parse(s.pass.startedAt)).sort();
      // At most 2 passes are let through per 500 ms (without the limiter, the 3 enrollment passes
      // start together at concurrency 4); the slack absorbs the gap between BullMQ's fetch and
      // the pass's own start time.
      for (let i = 2; i < starts.length; i++)
        expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(250);
    } finally {
      await app.close();
    }
  });
});

/** Polls `check` every 50 ms until it holds (or fails after `ms`). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise(r => setTimeout(r, 50));
  }
}
