import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisBlueButtonStore, type RedisStoreEncryptionOptions } from 'nestjs-bluebutton/redis';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const ACCESS = 'AccessTokenSecretValue-9f8e7d6c5b4a';
const REFRESH = 'RefreshTokenSecretValue-0a1b2c3d4e5f';
const PATIENT = '-19990000000001';
const TOKEN_RECORD = {
  token: {
    accessToken: ACCESS,
    refreshToken: REFRESH,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2026-11-23T13:00:00.000Z',
    scope: ['patient/Patient.rs', 'patient/ExplanationOfBenefit.rs'],
    patient: PATIENT,
    accessGrantExpiration: '2027-12-21T14:05:00.000Z',
  },
  version: 1_790_000_000_000,
};
const SECRETS = [ACCESS, REFRESH, PATIENT, 'ExplanationOfBenefit', 'Bearer'];

interface RawEntry {
  v: number | null;
  d?: unknown;
  e?: { k: string; iv: string; t: string; c: string };
}

/** Captures the package's log lines for one test. */
function captureLogs() {
  const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  onTestFinished(() => {
    warn.mockRestore();
    error.mockRestore();
  });
  return { warn, error };
}

/** Expects `key` to read as absent with one authentication-failure error logged. */
async function expectRejected(s: RedisBlueButtonStore, key: string): Promise<void> {
  const logs = captureLogs();
  expect(await s.get(key)).toBeUndefined();
  expect(logs.error).toHaveBeenCalledTimes(1);
  expect(logs.error.mock.calls[0]![0]).toBe(
    'Ignoring a stored "token" entry that failed authentication with key "k1": it was ' +
      'tampered with, or written by an instance whose key "k1" has different bytes.',
  );
  for (const call of [...logs.error.mock.calls, ...logs.warn.mock.calls]) {
    expect(String(call[0])).not.toMatch(/session-id|AccessToken|RefreshToken/);
  }
}

describeWithRedis('RedisBlueButtonStore encryption at rest', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  let raw: Redis;
  let prefix: string;
  let n = 0;
  beforeAll(async () => {
    server = await RedisServer.start();
    raw = await clients.connect(server.url);
  });
  beforeEach(() => {
    prefix = `enc${++n}:`;
  });
  afterAll(async () => {
    clients.closeAll();
    await server?.cleanup();
  });

  function store(encryption: RedisStoreEncryptionOptions | false): RedisBlueButtonStore {
    return new RedisBlueButtonStore(raw, { prefix, encryption });
  }
  const k1Only = () => store({ keys: { k1: K1 }, currentKeyId: 'k1' });
  /** Where `s` keeps `key` (key names are HMACs under the current key: k1 by default here). */
  const nameOf = (key: string, s = k1Only()) => s.redisKey(key);
  const rawEntry = async (key: string, s = k1Only()): Promise<RawEntry> =>
    JSON.parse((await raw.get(nameOf(key, s)))!) as RawEntry;
  const putRaw = (key: string, entry: unknown, s = k1Only()) =>
    raw.set(nameOf(key, s), JSON.stringify(entry));

  it('keeps no plaintext of the token in Redis, and round-trips it', async () => {
    const s = k1Only();
    await s.set('token:session:abc', TOKEN_RECORD, {
      version: TOKEN_RECORD.version,
      ttlMs: 60_000,
    });
    const stored = (await raw.get(nameOf('token:session:abc')))!;
    for (const secret of SECRETS) {
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
      expect(stored).not.toContain(Buffer.from(secret).toString('base64url'));
    }
    const entry = JSON.parse(stored) as RawEntry;
    expect(Object.keys(entry).sort()).toEqual(['e', 'v']);
    expect(entry.v).toBe(TOKEN_RECORD.version);
    expect(entry.e!.k).toBe('k1');
    expect(Buffer.from(entry.e!.iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(entry.e!.t, 'base64url')).toHaveLength(16);
    expect(await s.get('token:session:abc')).toEqual(TOKEN_RECORD);
    expect(await s.take('token:session:abc')).toEqual(TOKEN_RECORD);
    expect(await raw.exists(nameOf('token:session:abc'))).toBe(0);
  });

  it('uses a fresh random IV for every write', async () => {
    const s = k1Only();
    await s.set('a', TOKEN_RECORD);
    await s.set('b', TOKEN_RECORD);
    const [a, b] = [await rawEntry('a'), await rawEntry('b')];
    expect(a.e!.iv).not.toBe(b.e!.iv);
    expect(a.e!.c).not.toBe(b.e!.c);
  });

  it('keeps versioned writes working: the version is stored in clear beside the ciphertext', async () => {
    const s = k1Only();
    expect(await s.set('token:u', 'v2', { version: 2 })).toBe(true);
    expect(await s.set('token:u', 'v1', { version: 1 })).toBe(false);
    expect(await s.get('token:u')).toBe('v2');
    expect((await rawEntry('token:u')).v).toBe(2);
  });

  it('rotates keys: old values stay readable (and move to the new key names), new writes use the new current key', async () => {
    await k1Only().set('token:old', TOKEN_RECORD);
    const rotated = store({ keys: { k1: K1, k2: K2.toString('base64') }, currentKeyId: 'k2' });
    expect(await rotated.get('token:old')).toEqual(TOKEN_RECORD);
    expect(await raw.exists(nameOf('token:old'))).toBe(0); // moved from k1's name to k2's
    await rotated.set('token:new', TOKEN_RECORD);
    expect((await rawEntry('token:new', rotated)).e!.k).toBe('k2');
    expect((await rawEntry('token:old', rotated)).e!.k).toBe('k1');
    // A rewrite (e.g. after a refresh) moves the value to the current key.
    await rotated.set('token:old', { ...TOKEN_RECORD, version: 2 });
    expect((await rawEntry('token:old', rotated)).e!.k).toBe('k2');
    expect(await store({ keys: { k2: K2 }, currentKeyId: 'k2' }).get('token:old')).toEqual({
      ...TOKEN_RECORD,
      version: 2,
    });
  });

  it('reads a value whose key was removed as absent, with one warning naming the key id only', async () => {
    // Written with k1, moved under k2's names by an instance that had both, then read by one that
    // no longer has k1.
    const both = store({ keys: { k1: K1, k2: K2 }, currentKeyId: 'k2' });
    await k1Only().set('token:session:secret-session-id', TOKEN_RECORD);
    await k1Only().set('token:session:other', TOKEN_RECORD);
    expect(await both.get('token:session:secret-session-id')).toEqual(TOKEN_RECORD);
    expect(await both.get('token:session:other')).toEqual(TOKEN_RECORD);
    const logs = captureLogs();
    const k2Only = store({ keys: { k2: K2 }, currentKeyId: 'k2' });
    expect(await k2Only.get('token:session:secret-session-id')).toBeUndefined();
    expect(await k2Only.get('token:session:other')).toBeUndefined();
    expect(await k2Only.take('token:session:other')).toBeUndefined();
    expect(logs.warn).toHaveBeenCalledTimes(1);
    expect(logs.warn.mock.calls[0]![0]).toBe(
      'Treating stored "token" entries as absent: it was encrypted with key "k1", which is no ' +
        'longer configured (its user logs in again; keep a retired key in encryption.keys until ' +
        'its values have expired). (Logged once per kind of entry.)',
    );
    // The user logs in again: a new write under the same key works.
    expect(await k2Only.set('token:session:secret-session-id', 'fresh login', { version: 2 })).toBe(
      true,
    );
    expect(await k2Only.get('token:session:secret-session-id')).toBe('fresh login');
  });

  describe('tampering is detected (the value reads as absent and an error is logged)', () => {
    it('a flipped ciphertext bit', async () => {
      await k1Only().set('token:session-id', TOKEN_RECORD);
      const entry = await rawEntry('token:session-id');
      const c = Buffer.from(entry.e!.c, 'base64url');
      c[5]! ^= 0x01;
      await putRaw('token:session-id', { ...entry, e: { ...entry.e, c: c.toString('base64url') } });
      await expectRejected(k1Only(), 'token:session-id');
    });

    it('a truncated authentication tag', async () => {
      await k1Only().set('token:session-id', TOKEN_RECORD);
      const entry = await rawEntry('token:session-id');
      const t = Buffer.from(entry.e!.t, 'base64url').subarray(0, 4).toString('base64url');
      await putRaw('token:session-id', { ...entry, e: { ...entry.e, t } });
      await expectRejected(k1Only(), 'token:session-id');
    });

    it('a changed version (it is authenticated too)', async () => {
      await k1Only().set('token:session-id', TOKEN_RECORD, { version: 3 });
      const entry = await rawEntry('token:session-id');
      await putRaw('token:session-id', { ...entry, v: 99 });
      await expectRejected(k1Only(), 'token:session-id');
    });

    it('an envelope moved to another entry', async () => {
      await k1Only().set('token:session-victim', { ...TOKEN_RECORD, token: { patient: 'victim' } });
      await k1Only().set('token:session-id', TOKEN_RECORD);
      await raw.copy(nameOf('token:session-victim'), nameOf('token:session-id'), 'REPLACE');
      await expectRejected(k1Only(), 'token:session-id');
    });

    it('an envelope relabelled to another configured key', async () => {
      const both = store({ keys: { k1: K1, k2: K2 }, currentKeyId: 'k2' });
      await both.set('token:session-id', TOKEN_RECORD);
      const entry = await rawEntry('token:session-id', both);
      await putRaw('token:session-id', { ...entry, e: { ...entry.e, k: 'k1' } }, both);
      await expectRejected(both, 'token:session-id');
    });

    it('an instance whose key under the same id has different bytes', async () => {
      // Its key names differ too, so it never even finds the entry: the instances compare key
      // fingerprints instead, and the second one says so.
      const logs = captureLogs();
      const other = store({ keys: { k1: K2 }, currentKeyId: 'k1' });
      await other.set('token:session-id', TOKEN_RECORD);
      await vi.waitFor(async () => expect(await raw.exists(`${prefix}hk:k1`)).toBe(1));
      const mine = k1Only();
      expect(await mine.get('token:session-id')).toBeUndefined();
      await vi.waitFor(() => expect(logs.error).toHaveBeenCalledTimes(1));
      expect(logs.error.mock.calls[0]![0]).toBe(
        'Another instance uses different bytes for encryption key "k1": neither can read what ' +
          'the other stores, so users are logged out at random. Give every instance the same ' +
          `keys (if you replaced the key on purpose, delete the Redis key ${prefix}hk:k1).`,
      );
      // Whatever still reaches a name of this store's keys fails authentication, as before.
      logs.error.mockClear();
      await putRaw('token:session-id', await rawEntry('token:session-id', other));
      expect(await mine.get('token:session-id')).toBeUndefined();
      expect(logs.error.mock.calls.map(c => c[0])).toEqual([
        'Ignoring a stored "token" entry that failed authentication with key "k1": it was ' +
          'tampered with, or written by an instance whose key "k1" has different bytes.',
      ]);
    });
  });

  it('refuses plaintext entries once encryption is on (they could be planted), and vice versa', async () => {
    const logs = captureLogs();
    const plain = store(false);
    await putRaw('token:plain', { v: null, d: TOKEN_RECORD }); // planted where k1 looks
    expect(await k1Only().get('token:plain')).toBeUndefined();
    await k1Only().set('token:sealed', TOKEN_RECORD);
    await putRaw('token:sealed', await rawEntry('token:sealed'), plain);
    expect(await plain.get('token:sealed')).toBeUndefined();
    expect(logs.warn.mock.calls.map(c => c[0])).toEqual([
      'Treating stored "token" entries as absent: it was written without encryption, which is now on. (Logged once per kind of entry.)',
      'Treating stored "token" entries as absent: it is encrypted but no encryption is configured. (Logged once per kind of entry.)',
    ]);
  });
});
