import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
// Relative to the package source: compiled next to it (see ../../support/child-build.ts).
import type { SyncedResource } from '../../../lib/index.js';
import {
  ClaimsSink,
  type ParkedInfo,
  type SyncPassSummary,
  type UpsertContext,
} from '../../../lib/sync/index.js';

/** DI tokens of the sink's Redis client, key prefix, instance name and per-batch delay (ms). */
export const SINK_REDIS = 'SYNC_TEST_SINK_REDIS';
export const SINK_PREFIX = 'SYNC_TEST_SINK_PREFIX';
export const SINK_INSTANCE = 'SYNC_TEST_SINK_INSTANCE';
export const SINK_DELAY_MS = 'SYNC_TEST_SINK_DELAY_MS';

/** The keys a {@link RedisSink} writes, for the test to read. */
export function sinkKeys(prefix: string) {
  return {
    /** Hash per beneficiary: `Type/id` → `meta.lastUpdated` (ms). The app's "database". */
    data: (tokenKey: string) => `${prefix}data:${tokenKey}`,
    /** Hash: `tokenKey|Type/id|lastUpdated` → how many times it was upserted (> 1: replayed). */
    count: `${prefix}count`,
    /** Set of token keys that got at least one upsert. */
    touched: `${prefix}touched`,
    /** Counter of finished passes; and hash `tokenKey` → highest attempt of a finished pass. */
    completed: `${prefix}completed`,
    attempts: `${prefix}attempts`,
    /** Hash `tokenKey` → park reason. */
    parked: `${prefix}parked`,
    /** Hash `tokenKey` → instance, while a pass has stored batches but not finished. */
    inflight: `${prefix}inflight`,
  };
}

/**
 * A sink shared by every worker process through Redis: idempotent by type and id (HSET), and
 * counting each version it receives so that replays after a crash can be reported.
 */
@Injectable()
export class RedisSink extends ClaimsSink {
  private readonly keys: ReturnType<typeof sinkKeys>;

  /** Created by Nest. */
  constructor(
    @Inject(SINK_REDIS) private readonly redis: Redis,
    @Inject(SINK_PREFIX) prefix: string,
    @Inject(SINK_INSTANCE) private readonly instance: string,
    @Inject(SINK_DELAY_MS) private readonly delayMs: number,
  ) {
    super();
    this.keys = sinkKeys(prefix);
  }

  /** Stores the versions and counts them. */
  async upsert(tokenKey: string, resources: SyncedResource[], _context: UpsertContext) {
    const multi = this.redis.multi();
    for (const r of resources) {
      const key = `${r.resourceType}/${r.id}`;
      const at = Date.parse(r.meta!.lastUpdated!);
      multi.hset(this.keys.data(tokenKey), key, String(at));
      multi.hincrby(this.keys.count, `${tokenKey}|${key}|${at}`, 1);
    }
    multi.sadd(this.keys.touched, tokenKey);
    multi.hset(this.keys.inflight, tokenKey, this.instance);
    await multi.exec();
    // A slow database: the pass spends a while with batches stored and its watermark not saved.
    if (this.delayMs) await new Promise(resolve => setTimeout(resolve, this.delayMs));
  }

  /** Counts finished passes and remembers how many attempts they took. */
  override async onPassComplete(tokenKey: string, summary: SyncPassSummary) {
    await this.redis
      .multi()
      .incr(this.keys.completed)
      .hdel(this.keys.inflight, tokenKey)
      .hset(this.keys.attempts, tokenKey, String(summary.pass.attempt))
      .exec();
  }

  /** Records the parking. */
  override async onParked(tokenKey: string, parked: ParkedInfo) {
    await this.redis.hset(this.keys.parked, tokenKey, parked.reason);
  }
}
