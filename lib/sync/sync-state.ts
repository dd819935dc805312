import type { Queue, RedisClient } from 'bullmq';
import type { ParkedInfo, ParkReason } from './claims-sink.js';
import { BLUEBUTTON_SYNC_QUEUE } from './sync.constants.js';

/** What is stored about one beneficiary. */
export interface BeneficiaryRecord {
  enrolled: boolean;
  parked?: ParkedRecord;
  watermark?: string;
  /** When the watermark was last saved (epoch ms); undefined before the first pass. */
  syncedAt?: number;
}

/** A parking, and whether the sink's `onParked` already heard of it. */
export interface ParkedRecord {
  reason: ParkReason;
  parkedAt: number;
  notified: boolean;
}

/** Population figures for monitoring. */
export interface SyncCounts {
  enrolled: number;
  parked: number;
  /** Enrolled but never synced yet. */
  neverSynced: number;
  /** The oldest save time of a watermark (epoch ms), over the beneficiaries synced at least once. */
  oldestSyncedAt?: number;
}

// Every script keeps to the keys it is given (Redis Cluster: put a {hash tag} in the prefix).
const SCRIPTS = {
  bbsyncEnroll: {
    keys: 4,
    lua: `local n = redis.call('ZADD', KEYS[1], 'NX', 0, ARGV[1]) + redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  redis.call('HDEL', KEYS[3], ARGV[1]); redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('ZADD', KEYS[1], 'XX', 0, ARGV[1])
end
return n`,
  },
  bbsyncUnenroll: {
    keys: 5,
    lua: `local n = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('HDEL', KEYS[2], ARGV[1])
for i = 3, 5 do redis.call('HDEL', KEYS[i], ARGV[1]) end
return n`,
  },
  bbsyncRead: {
    keys: 3,
    lua: `return { redis.call('ZSCORE', KEYS[1], ARGV[1]) or '', redis.call('HGET', KEYS[2], ARGV[1]) or '',
  redis.call('HGET', KEYS[3], ARGV[1]) or '' }`,
  },
  // Saves only for an enrolled beneficiary, and never over the watermark of a pass started later.
  bbsyncSave: {
    keys: 4,
    lua: `if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local prev = redis.call('HGET', KEYS[3], ARGV[1])
if prev and tonumber(prev) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]); redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], 'XX', ARGV[4], ARGV[1]); redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])
return 1`,
  },
  bbsyncPark: {
    keys: 2,
    lua: `if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]); return 1
end
return 0`,
  },
  bbsyncNotified: {
    keys: 1,
    lua: `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0`,
  },
  // ZSCAN, not ZRANGE by rank: ranks move as passes finish and rescore members, so paging by rank
  // could skip a beneficiary; a scan returns every member present throughout at least once.
  bbsyncScan: {
    keys: 1,
    lua: `return redis.call('ZSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])`,
  },
  bbsyncCounts: {
    keys: 2,
    lua: `local oldest = redis.call('ZRANGE', KEYS[1], '(0', '+inf', 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
return { redis.call('ZCARD', KEYS[1]), redis.call('HLEN', KEYS[2]), redis.call('ZCOUNT', KEYS[1], 0, 0), oldest[2] or '' }`,
  },
} as const;

type Script = keyof typeof SCRIPTS;

/**
 * The sync's own records, in the Redis that BullMQ uses (through the queue's connection), beside
 * the queue's keys: who is enrolled (a sorted set scored by the last watermark save, so the oldest
 * one is one lookup away), who is parked and why, each beneficiary's watermark, the start time of
 * the pass that wrote it, and its counts. Nothing here is a secret or PHI: keys are the app's own
 * token keys, watermarks hold server instants and digests.
 */
export class SyncState {
  private readonly keys: Record<'enrolled' | 'parked' | 'watermark' | 'started' | 'last', string>;
  private ready?: Promise<RedisClient>;

  /** The state of the module's queue. */
  constructor(
    private readonly queue: Queue,
    prefix: string,
  ) {
    const base = `${prefix}:${BLUEBUTTON_SYNC_QUEUE}:bbsync:`;
    this.keys = {
      enrolled: `${base}enrolled`,
      parked: `${base}parked`,
      watermark: `${base}watermark`,
      started: `${base}started`,
      last: `${base}last`,
    };
  }

  /** Enrolls (or un-parks); `fromScratch` forgets the watermark. True when something changed. */
  async enroll(tokenKey: string, fromScratch: boolean): Promise<boolean> {
    const { enrolled, parked, watermark, started } = this.keys;
    const args = [tokenKey, fromScratch ? '1' : '0'];
    return (await this.run('bbsyncEnroll', [enrolled, parked, watermark, started], args)) > 0;
  }

  /** Forgets everything about the beneficiary; true when they were enrolled or parked. */
  async unenroll(tokenKey: string): Promise<boolean> {
    const k = this.keys;
    const all = [k.enrolled, k.parked, k.watermark, k.started, k.last];
    return (await this.run('bbsyncUnenroll', all, [tokenKey])) > 0;
  }

  /** What is stored about the beneficiary. */
  async read(tokenKey: string): Promise<BeneficiaryRecord> {
    const { enrolled, parked, watermark } = this.keys;
    const [score, park, mark] = (await this.run(
      'bbsyncRead',
      [enrolled, parked, watermark],
      [tokenKey],
    )) as string[];
    return {
      enrolled: score !== '',
      parked: park ? (JSON.parse(park) as ParkedRecord) : undefined,
      watermark: mark || undefined,
      syncedAt: score ? Number(score) || undefined : undefined,
    };
  }

  /**
   * Saves a pass's watermark, unless the beneficiary left (unenrolled, parked) or a pass that
   * started later already saved. `summary` is kept as the last pass's counts.
   */
  async save(
    tokenKey: string,
    watermark: string,
    startedAt: number,
    summary: unknown,
  ): Promise<boolean> {
    const { enrolled, watermark: wm, started, last } = this.keys;
    const args = [
      tokenKey,
      watermark,
      String(startedAt),
      String(Date.now()),
      JSON.stringify(summary),
    ];
    return (await this.run('bbsyncSave', [enrolled, wm, started, last], args)) === 1;
  }

  /** Parks an enrolled beneficiary; false when they were not enrolled (already parked, or gone). */
  async park(tokenKey: string, reason: ParkReason): Promise<ParkedInfo | undefined> {
    const parkedAt = Date.now();
    const record: ParkedRecord = { reason, parkedAt, notified: false };
    const done = await this.run(
      'bbsyncPark',
      [this.keys.enrolled, this.keys.parked],
      [tokenKey, JSON.stringify(record)],
    );
    return done === 1 ? { reason, parkedAt: new Date(parkedAt).toISOString() } : undefined;
  }

  /** Records that the sink heard of this parking. */
  async notified(tokenKey: string, record: ParkedRecord): Promise<void> {
    const value = JSON.stringify({ ...record, notified: true });
    await this.run('bbsyncNotified', [this.keys.parked], [tokenKey, value]);
  }

  /** The last finished pass's summary, as saved. */
  async lastPass(tokenKey: string): Promise<unknown> {
    const text = await (await this.client()).hget(this.keys.last, tokenKey);
    return text ? JSON.parse(text) : undefined;
  }

  /**
   * One step of a scan of the enrolled token keys: pass cursor `'0'` first, then the cursor it
   * returns, until it returns `'0'` again. Keys may come more than once.
   */
  async scan(cursor: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    const [next, flat] = (await this.run(
      'bbsyncScan',
      [this.keys.enrolled],
      [cursor, String(count)],
    )) as [string, string[]];
    return { cursor: String(next), keys: flat.filter((_, i) => i % 2 === 0) };
  }

  /** Population figures. */
  async counts(): Promise<SyncCounts> {
    const [enrolled, parked, neverSynced, oldest] = (await this.run(
      'bbsyncCounts',
      [this.keys.enrolled, this.keys.parked],
      [],
    )) as [number, number, number, string];
    return {
      enrolled: Number(enrolled),
      parked: Number(parked),
      neverSynced: Number(neverSynced),
      oldestSyncedAt: oldest ? Number(oldest) : undefined,
    };
  }

  private async run(name: Script, keys: string[], args: string[]): Promise<any> {
    return (await this.client()).runCommand(name, [...keys, ...args]);
  }

  /** The queue's Redis client, with the scripts defined (once). */
  private client(): Promise<RedisClient> {
    this.ready ??= this.queue
      .getBackend()
      .client.then(client => {
        for (const [name, s] of Object.entries(SCRIPTS))
          client.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
        return client;
      })
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }
}
