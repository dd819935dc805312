import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { BlueButtonStore, BlueButtonStoreError } from 'nestjs-bluebutton';
import { RedisBlueButtonStore, type RedisBlueButtonStoreOptions } from 'nestjs-bluebutton/redis';
import {
  DEFAULT_OPERATION_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
} from '../../lib/redis/redis-store.options.js';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every .ts file under `dir`. */
const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter(e => e.isFile() && e.name.endsWith('.ts'))
    .map(e => join(e.parentPath, e.name));

describe('nestjs-bluebutton/redis packaging', () => {
  it('imports ioredis for types only, so the entry loads without ioredis installed', () => {
    const files = sources('lib/redis');
    expect(files.map(f => f.slice(f.lastIndexOf('/') + 1))).toContain('redis.store.ts');
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const valueImports = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'ioredis';/gms)];
      expect(valueImports, file).toEqual([]);
      expect(text, file).not.toMatch(/(?:require|import)\(\s*'ioredis'\s*\)/);
    }
  });

  it('is not reachable from the main entry', () => {
    for (const file of sources('lib').filter(f => !f.includes(`${join('lib', 'redis')}`))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/from\s+'[./]*redis\/|'ioredis'/);
    }
  });

  it('is a BlueButtonStore, usable as the DI token’s implementation', () => {
    expect(Object.getPrototypeOf(RedisBlueButtonStore)).toBe(BlueButtonStore);
    expect(DEFAULT_REDIS_PREFIX).toBe('bluebutton:');
    expect(DEFAULT_OPERATION_TIMEOUT_MS).toBe(1000);
  });
});

describeWithRedis('RedisBlueButtonStore on a real Redis', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  let raw: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    raw = await clients.connect(server.url);
  });
  afterAll(async () => {
    clients.closeAll();
    await server?.cleanup();
  });

  /** A store on its own client: one "app instance". */
  async function instance(
    options: Partial<RedisBlueButtonStoreOptions> = {},
  ): Promise<RedisBlueButtonStore> {
    return new RedisBlueButtonStore(await clients.connect(server.url), {
      encryption: false,
      ...options,
    });
  }

  describe('key layout', () => {
    it('stores values at <prefix>h:<kind>:<HMAC(key)> as {"v","d"} JSON with a PX TTL', async () => {
      const store = new RedisBlueButtonStore(raw, { encryption: false });
      await store.set('token:session:abc', { accessToken: 'x' }, { version: 7, ttlMs: 60_000 });
      const name = store.redisKey('token:session:abc');
      expect(name).toMatch(/^bluebutton:h:token:[A-Za-z0-9_-]{43}$/);
      expect(await raw.get(name)).toBe('{"v":7,"d":{"accessToken":"x"}}');
      const pttl = await raw.pttl(name);
      expect(pttl).toBeGreaterThan(55_000);
      expect(pttl).toBeLessThanOrEqual(60_000);

      await store.set('pending:s', 'plain');
      expect(await raw.get(store.redisKey('pending:s'))).toBe('{"v":null,"d":"plain"}');
      expect(await raw.pttl(store.redisKey('pending:s'))).toBe(-1);
      expect((await raw.keys('bluebutton:*')).filter(k => k.includes('session'))).toEqual([]);
    });

    it('stores a lock at <prefix>hl:<SHA-256(key)> holding its token, with the lock TTL', async () => {
      const store = new RedisBlueButtonStore(raw, { encryption: false });
      const token = await store.acquireLock('refresh:h', 30_000);
      const name = `bluebutton:hl:${createHash('sha256').update('refresh:h').digest('base64url')}`;
      expect(await raw.get(name)).toBe(token);
      expect(await raw.pttl(name)).toBeGreaterThan(25_000);
      expect(await store.releaseLock('refresh:h', token!)).toBe(true);
      expect(await raw.exists(name)).toBe(0);
    });

    it('rounds fractional TTLs up and treats ttlMs ≤ 0 as already expired', async () => {
      const store = new RedisBlueButtonStore(raw, { prefix: 'ttl-edge:', encryption: false });
      await store.set('frac', 1, { ttlMs: 10_000.2 });
      expect(await raw.pttl(store.redisKey('frac'))).toBeGreaterThan(9_000);
      await store.set('zero', 'old');
      expect(await store.set('zero', 'new', { ttlMs: 0 })).toBe(true);
      expect(await store.get('zero')).toBeUndefined();
      await store.set('zero-v', 'kept', { version: 5 });
      expect(await store.set('zero-v', 'stale', { version: 4, ttlMs: 0 })).toBe(false);
      expect(await store.get('zero-v')).toBe('kept');
    });

    it('refuses a lock without a positive TTL and a non-finite version (programming errors)', async () => {
      const store = new RedisBlueButtonStore(raw, { prefix: 'edge:', encryption: false });
      await expect(store.acquireLock('l', 0)).rejects.toThrow(RangeError);
      await expect(store.acquireLock('l', Infinity)).rejects.toThrow(RangeError);
      await expect(store.set('v', 1, { version: NaN })).rejects.toThrow(RangeError);
      expect(await raw.keys('edge:*')).toEqual([]);
    });
  });

  describe('two instances (two clients)', () => {
    it('see each other’s writes, takes, versions and locks', async () => {
      const [a, b] = [await instance({ prefix: 'multi:' }), await instance({ prefix: 'multi:' })];
      await a.set('pending:state1', { codeVerifier: 'verifier' }, { ttlMs: 60_000 });
      expect(await b.get('pending:state1')).toEqual({ codeVerifier: 'verifier' });
      expect(await b.take('pending:state1')).toEqual({ codeVerifier: 'verifier' });
      expect(await a.take('pending:state1')).toBeUndefined();

      expect(await a.set('token:u', 'login', { version: 100 })).toBe(true);
      expect(await b.set('token:u', 'refresh', { version: 101 })).toBe(true);
      expect(await a.set('token:u', 'stale refresh', { version: 101 })).toBe(false);
      expect(await a.get('token:u')).toBe('refresh');

      const lock = await a.acquireLock('refresh:x', 5_000);
      expect(await b.acquireLock('refresh:x', 5_000)).toBeUndefined();
      expect(await b.releaseLock('refresh:x', 'guess')).toBe(false);
      expect(await a.releaseLock('refresh:x', lock!)).toBe(true);
      expect(await b.acquireLock('refresh:x', 5_000)).toBeDefined();

      await b.delete('token:u');
      expect(await a.get('token:u')).toBeUndefined();
    });

    it('give a state to exactly one of 50 takes spread over 5 instances', async () => {
      const stores = await Promise.all(
        Array.from({ length: 5 }, () => instance({ prefix: 'race:' })),
      );
      await stores[0]!.set('pending:s', 'verifier', { ttlMs: 60_000 });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % 5]!.take('pending:s')),
      );
      expect(results.filter(r => r !== undefined)).toEqual(['verifier']);
    });

    it('give a lock to exactly one of 50 acquirers spread over 5 instances', async () => {
      const stores = await Promise.all(
        Array.from({ length: 5 }, () => instance({ prefix: 'race:' })),
      );
      const tokens = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % 5]!.acquireLock('refresh:r', 5_000)),
      );
      expect(tokens.filter(t => t !== undefined)).toHaveLength(1);
    });
  });

  describe('prefixes', () => {
    it('isolate two stores on one Redis', async () => {
      const one = new RedisBlueButtonStore(raw, { prefix: 'app-one:', encryption: false });
      const two = new RedisBlueButtonStore(raw, { prefix: 'app-two:', encryption: false });
      await one.set('token:u', 'one');
      expect(await two.get('token:u')).toBeUndefined();
      expect(await two.take('token:u')).toBeUndefined();
      await two.set('token:u', 'two', { version: 1 });
      expect(await one.set('token:u', 'one-versioned', { version: 1 })).toBe(true);
      expect(await one.acquireLock('refresh:r', 5_000)).toBeDefined();
      expect(await two.acquireLock('refresh:r', 5_000)).toBeDefined();
      await one.delete('token:u');
      expect(await two.get('token:u')).toBe('two');
      const lock = createHash('sha256').update('refresh:r').digest('base64url');
      expect((await raw.keys('app-*')).sort()).toEqual(
        [`app-one:hl:${lock}`, `app-two:hl:${lock}`, two.redisKey('token:u')].sort(),
      );
    });
  });

  it('says so when the app closed the client (it will not reconnect)', async () => {
    const client = await clients.connect(server.url);
    const store = new RedisBlueButtonStore(client, { prefix: 'closed:', encryption: false });
    await client.quit();
    const error = await store.get('token:x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueButtonStoreError);
    expect((error as Error).message).toBe(
      'Blue Button store (Redis) is unavailable (get): the ioredis client was closed and will ' +
        'not reconnect. Close it only after the app has stopped using the store.',
    );
  });

  describe('scripts and foreign data', () => {
    it('reloads its Lua scripts after Redis lost them (SCRIPT FLUSH, as after a restart)', async () => {
      const store = new RedisBlueButtonStore(raw, { prefix: 'flush:', encryption: false });
      await store.set('v', 'a', { version: 1 });
      await raw.script('FLUSH');
      expect(await store.set('v', 'b', { version: 2 })).toBe(true);
      const lock = await store.acquireLock('l', 5_000);
      await raw.script('FLUSH');
      expect(await store.releaseLock('l', lock!)).toBe(true);
    });

    it('reads an entry it did not write as absent, with one warning that names no key', async () => {
      const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const store = new RedisBlueButtonStore(raw, { prefix: 'foreign:', encryption: false });
        await raw.set(store.redisKey('token:secret-session-id'), 'not json');
        await raw.set('foreign:v:token:other-session-id', '"a json string"'); // an earlier version's name
        expect(await store.get('token:secret-session-id')).toBeUndefined();
        expect(await store.get('token:other-session-id')).toBeUndefined();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0]![0]).toBe(
          'Treating stored "token" entries as absent: it is not an entry written by RedisBlueButtonStore. (Logged once per kind of entry.)',
        );
      } finally {
        warn.mockRestore();
      }
    });

    it('maps a refused command to BlueButtonStoreError without the key or value', async () => {
      const store = new RedisBlueButtonStore(raw, { prefix: 'wrongtype:', encryption: false });
      await raw.hset(store.redisKey('token:secret-session-id'), 'f', 'v');
      const error = await store.get('token:secret-session-id').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlueButtonStoreError);
      expect((error as BlueButtonStoreError).code).toBe('BB_STORE_UNAVAILABLE');
      expect((error as Error).message).toBe(
        'Blue Button store (Redis) refused the get command: WRONGTYPE Operation against a key ' +
          'holding the wrong kind of value. Check the Redis server (authentication, memory limit, ' +
          'read-only replica) and that nothing else writes keys under the prefix "wrongtype:".',
      );
      const set = await store.set('token:secret-session-id', 'the-value').catch((e: unknown) => e);
      // SET overwrites any type, so only the versioned (Lua) path can meet the foreign hash.
      expect(set).toBe(true);
      await raw.hset(store.redisKey('token:secret-session-id2'), 'f', 'v');
      const versioned = await store
        .set('token:secret-session-id2', 'the-value', { version: 1 })
        .catch((e: unknown) => e);
      expect(versioned).toBeInstanceOf(BlueButtonStoreError);
      expect(String((versioned as Error).message)).not.toMatch(/secret-session-id|the-value/);
    });
  });
});
