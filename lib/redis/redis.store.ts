import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { LOG_CONTEXT } from '../common/bluebutton.constants.js';
import {
  BlueButtonStore,
  type StoreDeleteOptions,
  type StoreSetOptions,
} from '../store/bluebutton.store.js';
import { ValueCipher } from './encryption.js';
import { EntryCodec } from './entry-codec.js';
import { RedisKeyNames } from './key-names.js';
import { DELETE_VERSIONED, RELEASE_LOCK, SET_VERSIONED } from './lua-scripts.js';
import { RedisCommands } from './redis-commands.js';
import {
  resolveRedisStoreOptions,
  type RedisBlueButtonStoreOptions,
} from './redis-store.options.js';

/** An ioredis client: a `Redis` (standalone or Sentinel) or a `Cluster`. */
export type RedisStoreClient = Redis | Cluster;

/**
 * The result of {@link RedisBlueButtonStore.healthCheck}: the shape of `@nestjs/terminus`'s
 * `HealthIndicatorResult`, so it can be returned from `HealthCheckService.check([...])` as is.
 */
export type BlueButtonStoreHealth<Key extends string = string> = Record<
  Key,
  { status: 'up' } | { status: 'down'; message: string }
>;

/**
 * A {@link BlueButtonStore} on Redis (through the app's own ioredis client) for apps that run as
 * several instances: a login started on one instance completes on another, a pending state is
 * taken exactly once (`GETDEL`), a refresh lock (`SET NX PX`) elects one refresher, versioned
 * writes (Lua) never let a stale token overwrite a newer one. Values are encrypted at rest unless the
 * app writes `encryption: false`, and key names are HMACs of the keys,
 * so neither tokens nor session ids and states can be read out of Redis.
 *
 * Every call fails fast with `BlueButtonStoreError` while Redis is unreachable and works again as
 * soon as the client has reconnected. The client belongs to the app: the store never closes it.
 *
 * @example
 * ```ts
 * // The app's own Redis module owns the client (and closes it at shutdown).
 * @Module({
 *   providers: [
 *     {
 *       provide: REDIS,
 *       useFactory: () =>
 *         new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
 *     },
 *     {
 *       provide: RedisBlueButtonStore,
 *       useFactory: (redis: Redis) =>
 *         new RedisBlueButtonStore(redis, {
 *           encryption: { keys: { '2026-11': process.env.BB_STORE_KEY! }, currentKeyId: '2026-11' },
 *         }),
 *       inject: [REDIS],
 *     },
 *   ],
 *   exports: [REDIS, RedisBlueButtonStore],
 * })
 * export class RedisModule {}
 *
 * BlueButtonModule.forRootAsync({
 *   imports: [RedisModule],
 *   useFactory: () => ({ ... }),
 *   // Replaces the default memory store (extra providers are added after it).
 *   extraProviders: [{ provide: BlueButtonStore, useExisting: RedisBlueButtonStore }],
 * });
 *
 * // In a @nestjs/terminus health controller that injects RedisBlueButtonStore:
 * return this.health.check([() => this.store.healthCheck()]);
 * ```
 */
export class RedisBlueButtonStore extends BlueButtonStore {
  private readonly logger = new Logger(LOG_CONTEXT);
  private readonly redis: RedisCommands;
  private readonly codec: EntryCodec;
  private readonly names: RedisKeyNames;
  private readonly fingerprint?: { name: string; value: string };
  private fingerprintChecked = false;

  /**
   * Wraps the app's ioredis client. Throws `BlueButtonConfigError` (naming each bad option, never
   * key material) when the options are invalid — `encryption` missing included — so a
   * misconfigured app stops at boot.
   */
  constructor(client: RedisStoreClient, options: RedisBlueButtonStoreOptions) {
    super();
    const { prefix, operationTimeoutMs, encryption, legacyKeyNames } = resolveRedisStoreOptions(
      client,
      options,
    );
    this.redis = new RedisCommands(client, prefix, operationTimeoutMs, this.logger);
    const keys = [...(encryption?.keys ?? [])];
    const current = keys.filter(([id]) => id === encryption?.currentKeyId);
    const older = keys.filter(([id]) => id !== encryption?.currentKeyId);
    this.codec = new EntryCodec(
      encryption && new ValueCipher(encryption.keys, encryption.currentKeyId),
      this.logger,
    );
    this.names = new RedisKeyNames(
      prefix,
      [...current, ...older].map(([, bytes]) => bytes),
      legacyKeyNames,
    );
    this.fingerprint = this.names.fingerprint(encryption?.currentKeyId);
  }

  /** The Redis key that holds `key`'s value (for diagnostics: the name is an HMAC of `key`). */
  redisKey(key: string): string {
    return this.names.value(key);
  }

  /** The value under `key`, or undefined when absent or expired. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.checkFingerprint();
    const name = this.names.value(key);
    const raw = await this.redis.call('get', 'GET', name);
    if (raw !== null && raw !== undefined) return this.codec.decode<T>(key, raw);
    for (const old of this.names.fallbacks(key)) {
      const found = await this.redis.call('get', 'GET', old);
      if (found === null || found === undefined) continue;
      const value = this.codec.decode<T>(key, found);
      // Only an entry this store can read is worth its new name; the rest keeps its own TTL.
      if (value !== undefined) await this.move(old, name, String(found));
      return value;
    }
    return undefined;
  }

  /** Stores `value` with its TTL; false when a `version` was given and a newer entry exists (checked and written in one Lua script). */
  async set<T = unknown>(key: string, value: T, options: StoreSetOptions = {}): Promise<boolean> {
    this.checkSetOptions(options);
    const { version } = options;
    this.checkFingerprint();
    const ttl = ttlArgument(options.ttlMs);
    const entry = this.codec.encode(key, value, version ?? null);
    const name = this.names.value(key);
    if (version === undefined) {
      await (ttl === 0
        ? this.redis.call('set', 'DEL', name)
        : ttl > 0
          ? this.redis.call('set', 'SET', name, entry, 'PX', ttl)
          : this.redis.call('set', 'SET', name, entry));
      // An older copy under an earlier name must not resurface once this one expires.
      await Promise.all(this.names.fallbacks(key).map(old => this.redis.call('set', 'DEL', old)));
      return true;
    }
    // A versioned write compares with the newest entry, wherever it is: bring that one home first.
    for (const old of this.names.fallbacks(key)) {
      const found = await this.redis.call('set', 'GET', old);
      if (found !== null && found !== undefined) await this.move(old, name, String(found));
    }
    const written = await this.redis.script(
      'set',
      SET_VERSIONED,
      name,
      String(version),
      entry,
      String(ttl),
    );
    return written === 1;
  }

  /** Atomically returns and deletes the value (`GETDEL`): two concurrent takes never both get it. */
  async take<T = unknown>(key: string): Promise<T | undefined> {
    // GETDEL (Redis ≥ 6.2) is one atomic command: two instances can never both take a state.
    for (const name of [this.names.value(key), ...this.names.fallbacks(key)]) {
      const raw = await this.redis.call('take', 'GETDEL', name);
      if (raw !== null && raw !== undefined) return this.codec.decode<T>(key, raw);
    }
    return undefined;
  }

  /** Deletes the value under `key`; with `version`, only an entry that is not newer (one Lua script). */
  async delete(key: string, options: StoreDeleteOptions = {}): Promise<void> {
    this.checkDeleteOptions(options);
    const { version } = options;
    // Every name the value may live under: a logout must not leave an older copy to resurface.
    await Promise.all(
      [this.names.value(key), ...this.names.fallbacks(key)].map(name =>
        version === undefined
          ? this.redis.call('delete', 'DEL', name)
          : this.redis.script('delete', DELETE_VERSIONED, name, String(version)),
      ),
    );
  }

  /** Takes the lock `key` for `ttlMs` (`SET NX PX`); a lock token, or undefined when held by someone else. */
  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    this.checkLockTtl(ttlMs);
    const token = randomUUID();
    const reply = await this.redis.call(
      'acquireLock',
      'SET',
      this.names.lock(key),
      token,
      'NX',
      'PX',
      Math.ceil(ttlMs),
    );
    return reply === 'OK' ? token : undefined;
  }

  /** Releases the lock if `lockToken` still owns it (compare-and-delete in Lua); whether it did. */
  async releaseLock(key: string, lockToken: string): Promise<boolean> {
    const released = await this.redis.script(
      'releaseLock',
      RELEASE_LOCK,
      this.names.lock(key),
      lockToken,
    );
    return released === 1;
  }

  /**
   * A health indicator for `@nestjs/terminus` (≥ 11): PINGs Redis within the operation timeout and
   * resolves `{ [key]: { status: 'up' } }` or `{ [key]: { status: 'down', message } }` — never
   * rejects. Use it as `health.check([() => store.healthCheck()])`.
   */
  async healthCheck<const Key extends string = 'bluebutton-store'>(
    key: Key = 'bluebutton-store' as Key,
  ): Promise<BlueButtonStoreHealth<Key>> {
    try {
      await this.redis.call('ping', 'PING');
      return { [key]: { status: 'up' } } as BlueButtonStoreHealth<Key>;
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown error';
      return { [key]: { status: 'down', message } } as BlueButtonStoreHealth<Key>;
    }
  }

  /**
   * Once per process, in the background: records the current key's fingerprint, or compares it
   * with the one another instance recorded. Different bytes under one key id make the instances'
   * key names differ, so without this check they would silently not share a single entry.
   */
  private checkFingerprint(): void {
    const fingerprint = this.fingerprint;
    if (!fingerprint || this.fingerprintChecked) return;
    this.fingerprintChecked = true;
    const { name, value } = fingerprint;
    void (async () => {
      if ((await this.redis.call('set', 'SET', name, value, 'NX')) === 'OK') return;
      if ((await this.redis.call('get', 'GET', name)) === value) return;
      const id = name.slice(name.lastIndexOf(':') + 1);
      this.logger.error(
        `Another instance uses different bytes for encryption key "${id}": neither can read what ` +
          `the other stores, so users are logged out at random. Give every instance the same ` +
          `keys (if you replaced the key on purpose, delete the Redis key ${name}).`,
      );
    })().catch(() => {
      this.fingerprintChecked = false; // Redis unreachable (already logged): try again later.
    });
  }

  /**
   * Moves an entry found under an earlier name to its current one, keeping its TTL and never
   * overwriting a newer entry written there meanwhile (NX). Best effort: the caller already has
   * the value, and until the move succeeds the entry stays readable where it was.
   */
  private async move(from: string, to: string, raw: string): Promise<void> {
    try {
      const ttl = Number(await this.redis.call('get', 'PTTL', from));
      if (ttl === -2) return;
      await (ttl > 0
        ? this.redis.call('set', 'SET', to, raw, 'PX', ttl, 'NX')
        : this.redis.call('set', 'SET', to, raw, 'NX'));
      await this.redis.call('delete', 'DEL', from);
    } catch {
      // An outage is logged by RedisCommands; the next read tries again.
    }
  }
}

/**
 * -1: no TTL; 0: already expired (as the memory store treats ttlMs ≤ 0); otherwise whole ms.
 * `checkSetOptions` has refused anything but a number.
 */
function ttlArgument(ttlMs: number | undefined): number {
  if (ttlMs === undefined || ttlMs === Infinity) return -1;
  return ttlMs <= 0 ? 0 : Math.ceil(ttlMs);
}
