import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { LOG_CONTEXT } from '../bluebutton.constants.js';
import { BlueButtonStoreError } from '../errors/bluebutton.errors.js';
import {
  BlueButtonStore,
  type StoreDeleteOptions,
  type StoreSetOptions,
} from '../store/bluebutton.store.js';
import { ValueCipher, type OpenFailure } from './encryption.js';
import { DELETE_VERSIONED, RELEASE_LOCK, SET_VERSIONED, type LuaScript } from './lua-scripts.js';
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

/** One stored entry: the version stays readable by Lua, outside the (possibly encrypted) value. */
interface Entry {
  v: number | null;
  /** The value itself (no encryption). Absent when the value was `undefined`. */
  d?: unknown;
  /** The encrypted value's JSON (encryption on); unchecked until {@link ValueCipher.isSealed}. */
  e?: unknown;
}

type Operation = 'get' | 'set' | 'take' | 'delete' | 'acquireLock' | 'releaseLock' | 'ping';

class OperationTimeout extends Error {}

/**
 * A {@link BlueButtonStore} on Redis (through the app's own ioredis client) for apps that run as
 * several instances: a login started on one instance completes on another, a pending state is
 * taken exactly once (`GETDEL`), a refresh lock (`SET NX PX`) elects one refresher, versioned
 * writes (Lua) never let a stale token overwrite a newer one, and values can be encrypted at rest.
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
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly cipher?: ValueCipher;
  private reachable = true;
  /** The "cannot read this entry" warnings already logged: a retired key must not flood the log. */
  private readonly warned = new Set<string>();

  /**
   * Wraps the app's ioredis client. Throws `BlueButtonConfigError` (naming each bad option, never
   * key material) when the options are invalid, so a misconfigured app stops at boot.
   */
  constructor(
    private readonly client: RedisStoreClient,
    options?: RedisBlueButtonStoreOptions,
  ) {
    super();
    const resolved = resolveRedisStoreOptions(client, options);
    this.prefix = resolved.prefix;
    this.timeoutMs = resolved.operationTimeoutMs;
    if (resolved.encryption) {
      this.cipher = new ValueCipher(resolved.encryption.keys, resolved.encryption.currentKeyId);
    }
  }

  /** @inheritdoc */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.run('get', () => this.call('GET', this.valueKey(key)));
    return this.decode<T>(key, raw);
  }

  /** @inheritdoc */
  async set<T = unknown>(key: string, value: T, options: StoreSetOptions = {}): Promise<boolean> {
    const { version } = options;
    if (version !== undefined && !Number.isFinite(version)) {
      throw new RangeError('BlueButtonStore.set: version must be a finite number');
    }
    const ttl = ttlArgument(options.ttlMs);
    const entry = this.encode(key, value, version ?? null);
    const redisKey = this.valueKey(key);
    if (version === undefined) {
      await this.run('set', () =>
        ttl === 0
          ? this.call('DEL', redisKey)
          : ttl > 0
            ? this.call('SET', redisKey, entry, 'PX', ttl)
            : this.call('SET', redisKey, entry),
      );
      return true;
    }
    const written = await this.run('set', () =>
      this.script(SET_VERSIONED, redisKey, String(version), entry, String(ttl)),
    );
    return written === 1;
  }

  /** @inheritdoc */
  async take<T = unknown>(key: string): Promise<T | undefined> {
    // GETDEL (Redis ≥ 6.2) is one atomic command: two instances can never both take a state.
    const raw = await this.run('take', () => this.call('GETDEL', this.valueKey(key)));
    return this.decode<T>(key, raw);
  }

  /** @inheritdoc */
  async delete(key: string, options: StoreDeleteOptions = {}): Promise<void> {
    const { version } = options;
    if (version !== undefined && !Number.isFinite(version)) {
      throw new RangeError('BlueButtonStore.delete: version must be a finite number');
    }
    await this.run('delete', () =>
      version === undefined
        ? this.call('DEL', this.valueKey(key))
        : this.script(DELETE_VERSIONED, this.valueKey(key), String(version)),
    );
  }

  /** @inheritdoc */
  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
      // A lock without a positive, finite TTL could outlive a crashed holder forever.
      throw new RangeError('BlueButtonStore.acquireLock: ttlMs must be a positive finite number');
    }
    const token = randomUUID();
    const reply = await this.run('acquireLock', () =>
      this.call('SET', this.lockKey(key), token, 'NX', 'PX', Math.ceil(ttlMs)),
    );
    return reply === 'OK' ? token : undefined;
  }

  /** @inheritdoc */
  async releaseLock(key: string, lockToken: string): Promise<boolean> {
    const released = await this.run('releaseLock', () =>
      this.script(RELEASE_LOCK, this.lockKey(key), lockToken),
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
      await this.run('ping', () => this.call('PING'));
      return { [key]: { status: 'up' } } as BlueButtonStoreHealth<Key>;
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown error';
      return { [key]: { status: 'down', message } } as BlueButtonStoreHealth<Key>;
    }
  }

  private valueKey(key: string): string {
    return `${this.prefix}v:${key}`;
  }

  /** Locks live apart from values (`lock:` vs `v:`), so no value key can ever collide with a lock. */
  private lockKey(key: string): string {
    return `${this.prefix}lock:${key}`;
  }

  private call(command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.client.call(command, ...args) as Promise<unknown>;
  }

  private async script(script: LuaScript, key: string, ...args: string[]): Promise<unknown> {
    try {
      return await this.call('EVALSHA', script.sha, 1, key, ...args);
    } catch (error) {
      // After a Redis restart (or on a fresh node) the script cache is empty.
      if (!((error as Error)?.message ?? '').startsWith('NOSCRIPT')) throw error;
      return this.call('EVAL', script.source, 1, key, ...args);
    }
  }

  /**
   * Runs one Redis round trip bounded by the operation timeout, mapping every failure to a
   * `BlueButtonStoreError`. The bound matters even with `enableOfflineQueue: false`: a half-open
   * connection accepts commands and never answers.
   */
  private async run<R>(operation: Operation, command: () => Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OperationTimeout()), this.timeoutMs);
      timer.unref();
    });
    let pending: Promise<R>;
    try {
      pending = command();
    } catch (error) {
      pending = Promise.reject(error);
    }
    // Once the timeout has won, the command's own late failure must not become an unhandled rejection.
    pending.catch(() => undefined);
    try {
      const result = await Promise.race([pending, timeout]);
      this.markReachable();
      return result;
    } catch (error) {
      throw this.toStoreError(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private toStoreError(operation: Operation, error: unknown): BlueButtonStoreError {
    if (error instanceof OperationTimeout) {
      const reason = `no answer within ${this.timeoutMs} ms`;
      this.markUnreachable(reason);
      return unavailable(operation, reason);
    }
    const reason = safeReason(error);
    if ((error as Error | undefined)?.name === 'ReplyError') {
      // Redis answered, so it is reachable; the command itself was refused.
      this.markReachable();
      if (/^ERR unknown command .GETDEL/i.test(reason)) {
        return new BlueButtonStoreError(
          'Blue Button store (Redis) needs Redis 6.2 or later (for GETDEL); upgrade the Redis server.',
        );
      }
      return new BlueButtonStoreError(
        `Blue Button store (Redis) refused the ${operation} command: ${reason}. Check the Redis ` +
          `server (authentication, memory limit, read-only replica) and that nothing else writes ` +
          `keys under the prefix "${this.prefix}".`,
      );
    }
    if (this.client.status === 'end') {
      // quit()/disconnect() was called (often a shutdown-order problem): nothing will reconnect.
      return new BlueButtonStoreError(
        `Blue Button store (Redis) is unavailable (${operation}): the ioredis client was closed ` +
          `and will not reconnect. Close it only after the app has stopped using the store.`,
      );
    }
    this.markUnreachable(reason);
    return unavailable(operation, reason);
  }

  private markUnreachable(reason: string): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.logger.warn(
      `Blue Button store (Redis) is unavailable (${reason}); requests that need the store fail until it returns.`,
    );
  }

  private markReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.logger.log('Blue Button store (Redis) is reachable again.');
  }

  private encode(key: string, value: unknown, version: number | null): string {
    const json = JSON.stringify(value);
    const head = `{"v":${JSON.stringify(version)}`;
    if (json === undefined) return `${head}}`;
    if (!this.cipher) return `${head},"d":${json}}`;
    return `${head},"e":${JSON.stringify(this.cipher.seal(json, { key, version }))}}`;
  }

  private decode<T>(key: string, raw: unknown): T | undefined {
    if (raw === null || raw === undefined) return undefined;
    let entry: Entry;
    try {
      entry = JSON.parse(String(raw)) as Entry;
      if (!entry || typeof entry !== 'object' || !('v' in entry)) throw new TypeError();
    } catch {
      this.unreadable(key, 'malformed', 'it is not an entry written by RedisBlueButtonStore');
      return undefined;
    }
    if (entry.e === undefined) {
      if (!('d' in entry)) return undefined;
      if (this.cipher) {
        // Accepting plaintext would let anyone with write access to Redis plant a token.
        this.unreadable(key, 'plaintext', 'it was written without encryption, which is now on');
        return undefined;
      }
      return entry.d as T;
    }
    if (!this.cipher || !ValueCipher.isSealed(entry.e)) {
      this.unreadable(
        key,
        'encrypted',
        this.cipher
          ? 'its envelope is malformed'
          : 'it is encrypted but no encryption is configured',
      );
      return undefined;
    }
    const opened = this.cipher.open(entry.e, { key, version: entry.v });
    if ('failure' in opened) {
      this.cannotOpen(key, entry.e.k, opened.failure);
      return undefined;
    }
    return JSON.parse(opened.plaintext) as T;
  }

  private cannotOpen(key: string, keyId: string, failure: OpenFailure): void {
    const id = /^[A-Za-z0-9._-]{1,64}$/.test(keyId) ? `"${keyId}"` : '(invalid id)';
    if (failure === 'unknown-key') {
      this.unreadable(
        key,
        `key:${keyId}`,
        `it was encrypted with key ${id}, which is no longer configured (its user logs in again; ` +
          `keep a retired key in encryption.keys until its values have expired)`,
      );
      return;
    }
    // Every occurrence is logged: it is either an attack or instances with different keys under one id.
    this.logger.error(
      `Ignoring a stored ${kind(key)} entry that failed authentication with key ${id}: it was ` +
        `tampered with, or written by an instance whose key ${id} has different bytes.`,
    );
  }

  private unreadable(key: string, reason: string, why: string): void {
    const once = `${kind(key)}:${reason}`;
    // Key ids come from stored data: bound the memory an adversarial Redis could make this use.
    if (this.warned.has(once) || this.warned.size >= 100) return;
    this.warned.add(once);
    this.logger.warn(
      `Treating stored ${kind(key)} entries as absent: ${why}. (Logged once per kind of entry.)`,
    );
  }
}

/** -1: no TTL; 0: already expired (as the memory store treats ttlMs ≤ 0); otherwise whole ms. */
function ttlArgument(ttlMs: number | undefined): number {
  if (ttlMs === undefined || ttlMs === Infinity) return -1;
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
    throw new RangeError('BlueButtonStore.set: ttlMs must be a number of milliseconds');
  }
  return ttlMs <= 0 ? 0 : Math.ceil(ttlMs);
}

function unavailable(operation: Operation, reason: string): BlueButtonStoreError {
  return new BlueButtonStoreError(
    `Blue Button store (Redis) is unavailable (${operation}: ${reason}) — requests needing the ` +
      `store fail until it returns; the ioredis client reconnects on its own.`,
  );
}

/**
 * The first line of a client or server error, without anything Redis echoes from the command:
 * "unknown command" replies quote the arguments, which may be keys (session ids, states).
 */
function safeReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = (message.split('\n')[0] ?? '')
    .replace(/,? with args beginning with:.*$/i, '')
    .trim();
  return (line.length > 200 ? `${line.slice(0, 200)}…` : line) || 'unknown error';
}

/** The first segment of a store key (`token`, `pending`, `refresh`): safe to log, unlike the rest. */
function kind(key: string): string {
  const head = key.split(':', 1)[0] ?? '';
  return /^[A-Za-z0-9_-]{1,32}$/.test(head) ? `"${head}"` : '(unnamed)';
}
