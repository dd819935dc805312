/**
 * Two sync worker processes (./worker-app) on one real redis-server and one emulator (in this
 * process, reached over HTTP) keep 200 beneficiaries current; one is SIGKILLed mid-run. This
 * process only enrolls and watches, through a BlueButtonSyncModule that runs no worker.
 */
import { randomBytes } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { BlueButtonModule, BlueButtonStore } from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import { BlueButtonSyncModule, BlueButtonSyncService } from 'nestjs-bluebutton/sync';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { AppInstance } from '../multi-instance/support/child-app.js';
import { emulatorOptions, startEmulator } from '../support/bluebutton.js';
import { compileForChild, type ChildBuild } from '../support/child-build.js';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { emulatorData, tokenFor, type ResourceVersions } from './support/emulator-data.js';
import { sinkKeys } from './worker-app/redis-sink.js';

const WORKER_ENTRY = 'test/sync/worker-app/main.ts';
const BENEFICIARIES = 200;
const TYPES = 3;
const FHIR = '/v2/fhir/';
const PREFIX = `sync-mp-${process.pid}:`;
const STORE_KEY = randomBytes(32).toString('base64');
/** Part D users: carrier, inpatient and 8–40 Part D claims each, so some need 2 EOB pages. */
const users = Array.from({ length: BENEFICIARIES }, (_, i) => `BBUser${20000 + i}`);
const keyOf = (user: string) => `member-${user}`;

describeWithRedis('sync at scale: two worker processes, one killed mid-run', () => {
  let redis: RedisServer;
  let emu: BlueButtonEmulator;
  let build: ChildBuild;
  let workers: AppInstance[] = [];
  let control: TestingModule;
  let sync: BlueButtonSyncService;
  let raw: Redis;
  const sink = sinkKeys(`${PREFIX}sink:`);
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    [redis, emu, build] = await Promise.all([
      RedisServer.start(),
      startEmulator(),
      compileForChild([WORKER_ENTRY], 'sync-workers'),
    ]);
    raw = new Redis(redis.url);
    control = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({
          ...emulatorOptions(emu),
          isGlobal: true,
          extraProviders: [
            {
              provide: BlueButtonStore,
              useFactory: () =>
                new RedisBlueButtonStore(raw, {
                  prefix: PREFIX,
                  encryption: { keys: { k1: STORE_KEY }, currentKeyId: 'k1' },
                }),
            },
          ],
        }),
        BlueButtonSyncModule.forRoot({
          connection: { url: redis.url },
          prefix: `${PREFIX}bull`,
          schedule: false,
          worker: false,
        }),
      ],
    }).compile();
    control.useLogger(['error']);
    await control.init();
    sync = control.get(BlueButtonSyncService);
    // The logins: one token per beneficiary, stored where the `tokenKey` option puts it.
    const storedTokens = control.get(StoredTokens);
    for (const user of users) {
      const token = tokenFor(emu, user);
      tokens.set(user, token.accessToken);
      await storedTokens.save(`user:${keyOf(user)}`, token);
    }
    const start = (name: string, sinkDelayMs: number) =>
      AppInstance.start(
        { dir: build.dir, entry: build.entry(WORKER_ENTRY), compileMs: 0, remove: build.remove },
        {
          // Worker A stores batches slowly, so that its passes are killed between their first
          // stored batch and their saved watermark (read by ./worker-app/main.ts).
          ...({ SYNC_SINK_DELAY_MS: String(sinkDelayMs) } as object),
          MI_INSTANCE: name,
          MI_BB_BASE_URL: emu.baseUrl,
          MI_BB_CLIENT_ID: emu.client.clientId,
          MI_BB_CLIENT_SECRET: emu.client.clientSecret,
          MI_BB_CALLBACK_URL: emu.client.redirectUris[0]!,
          MI_REDIS_URL: redis.url,
          MI_REDIS_PREFIX: PREFIX,
          MI_SESSION_SECRET: 'unused-by-the-sync-workers',
          MI_STORE_KEY: STORE_KEY,
        },
      );
    workers = await Promise.all([start('A', 150), start('B', 0)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map(w => w.stop()));
    await control?.close();
    raw?.disconnect();
    await emu?.close();
    await redis?.cleanup();
    build?.remove();
  });

  /** Polls until `check` resolves true (bounded). */
  async function until(check: () => Promise<boolean>, what: string, ms = 60_000, everyMs = 50) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) {
        const output = workers.map(w => w.output.slice(-2000)).join('\n');
        throw new Error(`${what} not reached; worker output:\n${output}`);
      }
      await new Promise(r => setTimeout(r, everyMs));
    }
  }

  /** What the sink holds for one beneficiary. */
  async function stored(user: string): Promise<ResourceVersions> {
    const hash = await raw.hgetall(sink.data(keyOf(user)));
    return new Map(Object.entries(hash).map(([k, v]) => [k, Number(v)]));
  }

  /** The sinks of `list` compared with the emulator, a few beneficiaries at a time. */
  async function mismatches(list: readonly string[]): Promise<string[]> {
    const bad: string[] = [];
    for (let i = 0; i < list.length; i += 10) {
      await Promise.all(
        list.slice(i, i + 10).map(async user => {
          const [mine, truth] = await Promise.all([
            stored(user),
            emulatorData(emu.baseUrl, tokens.get(user)!),
          ]);
          if (mine.size !== truth.size || [...truth].some(([k, v]) => mine.get(k) !== v))
            bad.push(user);
        }),
      );
    }
    return bad;
  }

  it('all 200 complete despite a SIGKILL, each sink equal to the emulator; then 10 new loads cost one request per type', async () => {
    // Passes take a while (30 ms per request), so that the kill lands in the middle of some.
    emu.faults.setLatency(FHIR, 30);
    await Promise.all(users.map(user => sync.enroll(keyOf(user))));
    // Mid-run, and while one of A's passes has stored batches but not yet saved its watermark.
    await until(async () => Number(await raw.get(sink.completed)) >= 50, '50 passes');
    const midPass = async () => Object.values(await raw.hgetall(sink.inflight)).includes('A');
    await until(midPass, 'a pass of A between its first batch and its watermark', 30_000, 5);
    const killedAt = Number(await raw.get(sink.completed));
    await workers[0]!.kill();
    // The latency only had to hold passes open until the kill; B need not wait for it after.
    emu.faults.setLatency(FHIR, null);
    await until(async () => (await sync.stats()).neverSynced === 0, 'every first pass', 90_000);

    const stats = await sync.stats();
    expect([stats.enrolled, stats.parked, stats.neverSynced]).toEqual([BENEFICIARIES, 0, 0]);
    expect(await mismatches(users)).toEqual([]);
    // What the kill cost: passes redone (attempt > 1) and versions upserted more than once.
    const counts = Object.values(await raw.hgetall(sink.count)).map(Number);
    const replayed = counts.reduce((n, c) => n + c - 1, 0);
    const attempts = Object.values(await raw.hgetall(sink.attempts)).map(Number);
    const redone = attempts.filter(a => a > 1).length;
    console.info(
      `[sync multi-process] killed worker A after ${killedAt} passes; ${redone} passes redone, ` +
        `${replayed} of ${counts.length} resource versions upserted more than once (replays)`,
    );
    expect(redone).toBeGreaterThan(0);
    // The crash replayed batches (the sink got them twice) and still lost nothing (checked above).
    expect(replayed).toBeGreaterThan(0);
    expect(workers[1]!.alive).toBe(true);

    // New claims for 10 beneficiaries, then a pass for all 200 (what the schedule does).
    const changed = users.filter((_, i) => i % 20 === 7);
    emu.loadClaims(changed.map(user => ({ user, add: { carrier: 1, pde: 1 } })));
    await raw.del(sink.touched, sink.completed);
    emu.clearRequests();
    expect(await sync.syncAll()).toBe(BENEFICIARIES);
    await until(async () => Number(await raw.get(sink.completed)) >= BENEFICIARIES, 'second round');
    const requests = emu.requestsTo(FHIR, 'GET').length;
    console.info(
      `[sync multi-process] second round: ${requests} FHIR requests for ${BENEFICIARIES} beneficiaries × ${TYPES} types`,
    );
    expect(requests).toBeLessThanOrEqual(1.1 * BENEFICIARIES * TYPES);
    expect((await raw.smembers(sink.touched)).sort()).toEqual(changed.map(keyOf).sort());
    expect(await mismatches(changed)).toEqual([]);
  }, 180_000);
});
