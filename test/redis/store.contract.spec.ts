import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { MemoryBlueButtonStore, type BlueButtonStore } from 'nestjs-bluebutton';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

/** Short TTLs with real waits: the expiry is Redis' own, so it cannot be faked with a clock. */
const TTL_MS = 120;
const PAST_TTL_MS = 250;

const TOKEN = {
  accessToken: 'contract-access-token-0123456789',
  refreshToken: 'contract-refresh-token-0123456789',
  expiresAt: '2026-11-23T13:00:00.000Z',
  scope: ['patient/Patient.rs', 'profile'],
  patient: '-19990000000001',
  accessGrantExpiration: null,
  nested: { list: [1, 2.5, -3, true, false, null, 'ünïcödé ✓'], empty: {} },
};

/**
 * The `BlueButtonStore` contract: every implementation must pass this same suite, so the module
 * behaves identically on the default memory store and on a shared store.
 */
function storeContract(makeStore: () => BlueButtonStore): void {
  let store: BlueButtonStore;
  beforeEach(() => {
    store = makeStore();
  });

  describe('get / set / delete', () => {
    it('returns undefined for a key never written', async () => {
      expect(await store.get('never:written')).toBeUndefined();
    });

    it('round-trips a JSON value and reports the write', async () => {
      expect(await store.set('token:a', TOKEN)).toBe(true);
      expect(await store.get('token:a')).toEqual(TOKEN);
    });

    it.each([
      ['a string', 'plain string'],
      ['a number', 42.5],
      ['zero', 0],
      ['false', false],
      ['null', null],
      ['an array', [1, 'two', { three: 3 }]],
    ])('round-trips %s', async (_, value) => {
      await store.set('scalar', value);
      expect(await store.get('scalar')).toEqual(value);
    });

    it('keeps what was stored when the caller mutates its object afterwards', async () => {
      const value = { list: [1] };
      await store.set('copy', value);
      value.list.push(2);
      expect(await store.get('copy')).toEqual({ list: [1] });
    });

    it('overwrites an existing value when no version is given', async () => {
      await store.set('over', 'first');
      expect(await store.set('over', 'second')).toBe(true);
      expect(await store.get('over')).toBe('second');
    });

    it('deletes a value, and deleting an absent key is not an error', async () => {
      await store.set('del', 'x');
      await store.delete('del');
      expect(await store.get('del')).toBeUndefined();
      await expect(store.delete('del')).resolves.toBeUndefined();
    });

    it('keeps keys apart', async () => {
      await store.set('k:1', 'one');
      await store.set('k:2', 'two');
      await store.delete('k:1');
      expect(await store.get('k:1')).toBeUndefined();
      expect(await store.get('k:2')).toBe('two');
    });
  });

  describe('TTL', () => {
    it('keeps a value until its TTL, then it is gone', async () => {
      await store.set('ttl', 'short-lived', { ttlMs: TTL_MS });
      expect(await store.get('ttl')).toBe('short-lived');
      await sleep(PAST_TTL_MS);
      expect(await store.get('ttl')).toBeUndefined();
      expect(await store.take('ttl')).toBeUndefined();
    });

    it('keeps a value without TTL', async () => {
      await store.set('forever', 'stays');
      await sleep(PAST_TTL_MS);
      expect(await store.get('forever')).toBe('stays');
    });

    it('a rewrite without TTL replaces the old TTL', async () => {
      await store.set('re', 'v1', { ttlMs: TTL_MS });
      await store.set('re', 'v2');
      await sleep(PAST_TTL_MS);
      expect(await store.get('re')).toBe('v2');
    });

    it('a rewrite with a new TTL restarts the clock', async () => {
      await store.set('re2', 'v1', { ttlMs: TTL_MS });
      await store.set('re2', 'v2', { ttlMs: 5_000 });
      await sleep(PAST_TTL_MS);
      expect(await store.get('re2')).toBe('v2');
    });
  });

  describe('versioned set', () => {
    it('writes a newer version and refuses an older or equal one, keeping the newer value', async () => {
      expect(await store.set('ver', 'v2', { version: 2 })).toBe(true);
      expect(await store.set('ver', 'v1', { version: 1 })).toBe(false);
      expect(await store.set('ver', 'v2-again', { version: 2 })).toBe(false);
      expect(await store.get('ver')).toBe('v2');
      expect(await store.set('ver', 'v3', { version: 3 })).toBe(true);
      expect(await store.get('ver')).toBe('v3');
    });

    it('writes when there is no entry, or the entry has no version', async () => {
      expect(await store.set('ver-new', 'a', { version: 5 })).toBe(true);
      await store.set('ver-plain', 'unversioned');
      expect(await store.set('ver-plain', 'b', { version: 1 })).toBe(true);
      expect(await store.get('ver-plain')).toBe('b');
    });

    it('compares timestamp-sized versions exactly (login = Date.now(), refresh = +1)', async () => {
      const login = Date.now();
      expect(await store.set('ver-ts', 'login', { version: login })).toBe(true);
      expect(await store.set('ver-ts', 'refresh', { version: login + 1 })).toBe(true);
      expect(await store.set('ver-ts', 'stale refresh', { version: login + 1 })).toBe(false);
      expect(await store.set('ver-ts', 'older login', { version: login - 1 })).toBe(false);
      expect(await store.get('ver-ts')).toBe('refresh');
    });

    it('a write without version overwrites a versioned entry', async () => {
      await store.set('ver-force', 'v9', { version: 9 });
      expect(await store.set('ver-force', 'forced')).toBe(true);
      expect(await store.get('ver-force')).toBe('forced');
    });

    it('applies the TTL of a versioned write, and an expired entry no longer blocks older versions', async () => {
      expect(await store.set('ver-ttl', 'v5', { version: 5, ttlMs: TTL_MS })).toBe(true);
      expect(await store.get('ver-ttl')).toBe('v5');
      await sleep(PAST_TTL_MS);
      expect(await store.get('ver-ttl')).toBeUndefined();
      expect(await store.set('ver-ttl', 'v1', { version: 1 })).toBe(true);
      expect(await store.get('ver-ttl')).toBe('v1');
    });

    it('lets exactly one of many concurrent writers of the same version win', async () => {
      await store.set('ver-race', 'v1', { version: 1 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.set('ver-race', `writer-${i}`, { version: 2 })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('ver-race')).toBe(`writer-${results.indexOf(true)}`);
    });
  });

  describe('versioned delete', () => {
    it('deletes an entry of that version or older, or without one, but never a newer one', async () => {
      await store.set('vdel', 'login-2', { version: 2 });
      await store.delete('vdel', { version: 1 });
      expect(await store.get('vdel')).toBe('login-2');
      await store.delete('vdel', { version: 2 });
      expect(await store.get('vdel')).toBeUndefined();
      await store.set('vdel-plain', 'unversioned');
      await store.delete('vdel-plain', { version: 1 });
      expect(await store.get('vdel-plain')).toBeUndefined();
      await store.delete('vdel-absent', { version: 1 });
    });

    it('rejects a version that is not a finite number', async () => {
      await expect(store.delete('vdel', { version: NaN })).rejects.toThrow(RangeError);
    });
  });

  describe('take', () => {
    it('returns the value and deletes it', async () => {
      await store.set('pending:s1', { codeVerifier: 'v'.repeat(43) });
      expect(await store.take('pending:s1')).toEqual({ codeVerifier: 'v'.repeat(43) });
      expect(await store.get('pending:s1')).toBeUndefined();
      expect(await store.take('pending:s1')).toBeUndefined();
    });

    it('gives the value to exactly one of 50 concurrent takes', async () => {
      await store.set('pending:race', 'the-verifier', { ttlMs: 10_000 });
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.take('pending:race')),
      );
      expect(results.filter(r => r !== undefined)).toEqual(['the-verifier']);
    });
  });

  describe('locks', () => {
    it('gives the lock to exactly one of 50 concurrent acquirers', async () => {
      const tokens = await Promise.all(
        Array.from({ length: 50 }, () => store.acquireLock('refresh:race', 5_000)),
      );
      const winners = tokens.filter(t => t !== undefined);
      expect(winners).toHaveLength(1);
      expect(typeof winners[0]).toBe('string');
      expect(winners[0]!.length).toBeGreaterThanOrEqual(16);
    });

    it('refuses a release by the wrong token and keeps the lock held', async () => {
      const token = await store.acquireLock('refresh:wrong', 5_000);
      expect(token).toBeDefined();
      expect(await store.releaseLock('refresh:wrong', 'not-the-token')).toBe(false);
      expect(await store.acquireLock('refresh:wrong', 5_000)).toBeUndefined();
      expect(await store.releaseLock('refresh:wrong', token!)).toBe(true);
      expect(await store.releaseLock('refresh:wrong', token!)).toBe(false);
      expect(await store.acquireLock('refresh:wrong', 5_000)).toBeDefined();
    });

    it('releasing a lock that is not held returns false', async () => {
      expect(await store.releaseLock('refresh:none', 'whatever')).toBe(false);
    });

    it('expires after its TTL; the old holder can then not release the new holder’s lock', async () => {
      const first = await store.acquireLock('refresh:ttl', TTL_MS);
      expect(first).toBeDefined();
      expect(await store.acquireLock('refresh:ttl', TTL_MS)).toBeUndefined();
      await sleep(PAST_TTL_MS);
      const second = await store.acquireLock('refresh:ttl', 5_000);
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      expect(await store.releaseLock('refresh:ttl', first!)).toBe(false);
      expect(await store.acquireLock('refresh:ttl', 5_000)).toBeUndefined();
    });

    it('locks live apart from values under the same key', async () => {
      await store.set('refresh:shared', { token: 'outcome' });
      const lock = await store.acquireLock('refresh:shared', 5_000);
      expect(lock).toBeDefined();
      expect(await store.get('refresh:shared')).toEqual({ token: 'outcome' });
      expect(await store.take('refresh:shared')).toEqual({ token: 'outcome' });
      await store.delete('refresh:shared');
      expect(await store.acquireLock('refresh:shared', 5_000)).toBeUndefined();
      expect(await store.releaseLock('refresh:shared', lock!)).toBe(true);
      expect(await store.get('refresh:shared')).toBeUndefined();
    });

    it('locks on different keys are independent', async () => {
      expect(await store.acquireLock('refresh:a', 5_000)).toBeDefined();
      expect(await store.acquireLock('refresh:b', 5_000)).toBeDefined();
    });
  });
}

describe('BlueButtonStore contract — MemoryBlueButtonStore', () => {
  storeContract(() => new MemoryBlueButtonStore());
});

describeWithRedis('BlueButtonStore contract — RedisBlueButtonStore', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  let client: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    client = await clients.connect(server.url);
  });
  afterAll(async () => {
    clients.closeAll();
    await server?.cleanup();
  });

  describe('plain', () => {
    // A fresh prefix per test gives each test an empty store on the shared server.
    storeContract(
      () =>
        new RedisBlueButtonStore(client, {
          prefix: `contract:${randomUUID()}:`,
          encryption: false,
        }),
    );
  });

  describe('encrypted', () => {
    const keys = { k1: randomBytes(32) };
    storeContract(
      () =>
        new RedisBlueButtonStore(client, {
          prefix: `contract-enc:${randomUUID()}:`,
          encryption: { keys, currentKeyId: 'k1' },
        }),
    );
  });

  it('sends nothing to Redis but these tests’ keys (a sanity check on the prefixes)', async () => {
    const keys = await client.keys('*');
    expect(keys.every(k => /^contract(-enc)?:[0-9a-f-]{36}:(h|hl|hk):/.test(k))).toBe(true);
  });
});
