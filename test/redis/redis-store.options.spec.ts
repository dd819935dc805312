import { inspect } from 'node:util';
import type { Redis } from 'ioredis';
import { BlueButtonConfigError } from 'nestjs-bluebutton';
import { RedisBlueButtonStore, type RedisBlueButtonStoreOptions } from 'nestjs-bluebutton/redis';

describe('RedisBlueButtonStore options', () => {
  // Validation happens before any command, so a stand-in client is enough here.
  const client = { call: async () => null } as unknown as Redis;
  const KEY_B64 = Buffer.alloc(32, 7).toString('base64');

  function optionsError(options: unknown, c: unknown = client): BlueButtonConfigError {
    try {
      const store = new RedisBlueButtonStore(c as Redis, options as RedisBlueButtonStoreOptions);
      throw new Error(`expected a BlueButtonConfigError, got a ${store.constructor.name}`);
    } catch (error) {
      expect(error).toBeInstanceOf(BlueButtonConfigError);
      return error as BlueButtonConfigError;
    }
  }

  it('rejects something that is not an ioredis client', () => {
    expect(optionsError({ encryption: false }, {}).issues).toEqual([
      {
        key: 'client',
        reason: 'must be an ioredis client (new Redis(...) or new Cluster(...) from ioredis ≥ 5.4)',
      },
    ]);
  });

  it('names every bad option at once', () => {
    const error = optionsError({ prefix: 5, operationTimeoutMs: 0, legacyKeyNames: 'yes' });
    expect(error.message).toBe(
      'Invalid RedisBlueButtonStore options:\n' +
        '  - prefix: must be a string\n' +
        '  - operationTimeoutMs: must be a positive number of milliseconds\n' +
        '  - encryption: is required: stored tokens are bearer credentials to Medicare claims. ' +
        'Pass { keys: { k1: <32 random bytes, base64 — `openssl rand -base64 32`> }, ' +
        'currentKeyId: "k1" }, or write encryption: false to store them in clear (development only)\n' +
        '  - legacyKeyNames: must be true or false',
    );
  });

  it.each([
    ['31 bytes', Buffer.alloc(31, 1), 'must be exactly 32 bytes for AES-256 (got 31)'],
    ['a 16-byte base64 string', Buffer.alloc(16, 9).toString('base64'), 'got 16'],
    ['hex', Buffer.alloc(32, 0xab).toString('hex'), 'looks like hex'],
    ['not base64', 'this is not a key!', 'base64 string of 32 bytes'],
    ['a number', 12345, 'must be a 32-byte Buffer'],
  ])('rejects a key given as %s, without echoing it', (_, material, reason) => {
    const error = optionsError({ encryption: { keys: { k1: material }, currentKeyId: 'k1' } });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.key).toBe('encryption.keys.k1');
    expect(error.issues[0]!.reason).toContain(reason);
    const text = typeof material === 'number' ? String(material) : material.toString('base64');
    for (const rendering of [error.message, JSON.stringify(error), inspect(error)]) {
      expect(rendering).not.toContain(text);
      if (Buffer.isBuffer(material)) expect(rendering).not.toContain(material.toString('hex'));
    }
  });

  it('requires currentKeyId to name a configured key, and key ids to be safe to log', () => {
    expect(
      optionsError({ encryption: { keys: { k1: KEY_B64 }, currentKeyId: 'k2' } }).issues,
    ).toEqual([{ key: 'encryption.currentKeyId', reason: '"k2" is not one of encryption.keys' }]);
    expect(
      optionsError({ encryption: { keys: {}, currentKeyId: 'k1' } }).issues.map(i => i.key),
    ).toEqual(['encryption.keys', 'encryption.currentKeyId']);
    expect(
      optionsError({ encryption: { keys: { 'bad id!': KEY_B64 }, currentKeyId: 'bad id!' } })
        .issues[0]!.key,
    ).toBe('encryption.keys.bad id!');
  });

  it('accepts keys as Buffer, Uint8Array, base64 and base64url', () => {
    const bytes = Buffer.alloc(32, 0xfb);
    const store = new RedisBlueButtonStore(client, {
      encryption: {
        keys: {
          a: bytes,
          b: new Uint8Array(bytes),
          c: bytes.toString('base64'),
          d: bytes.toString('base64url'),
        },
        currentKeyId: 'd',
      },
    });
    expect(store).toBeInstanceOf(RedisBlueButtonStore);
  });
});
