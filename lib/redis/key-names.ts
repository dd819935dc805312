import { createHash, createHmac, hkdfSync } from 'node:crypto';

/** HKDF `info` of the key-naming key: a different key from the one that encrypts, for another job. */
const NAMING_INFO = 'nestjs-bluebutton/redis-store key names v1';
/**
 * With `encryption: false` there is no secret to key the HMAC with: names are then a plain hash.
 * That still keeps session ids and states (long random values) out of key names; only a guessable
 * key (a small user id given as `tokenKey`) could be recognised.
 */
const PUBLIC_NAMING_KEY = Buffer.from(NAMING_INFO);

/**
 * Redis key names. The store's keys contain session ids, OAuth states and app user ids; Redis key
 * names are visible to anyone who can run `SCAN`, `MONITOR` or read a slow log, so each value
 * lives at `<prefix>h:<kind>:<HMAC-SHA256(key)>`, where `kind` is the key's first segment
 * (`token`, `auth`, `refresh`: safe, and useful to an operator) and the HMAC key is derived (HKDF)
 * from the current encryption key. Entries at the names of earlier keys (before a rotation) and at
 * the raw names of earlier versions are found through {@link fallbacks}. Locks live at
 * `<prefix>hl:<SHA-256(key)>`: a lock must keep its name across a key rotation (two names would
 * let two instances refresh one token), and the only locks taken guard refresh outcomes, whose keys
 * are already hashes of the refresh token.
 */
export class RedisKeyNames {
  private readonly current: Buffer;
  private readonly older: Buffer[];

  /**
   * @param prefix the store's prefix.
   * @param keys the encryption keys, the current one first; none with `encryption: false`.
   * @param legacy whether {@link fallbacks} includes the raw names of earlier versions.
   */
  constructor(
    private readonly prefix: string,
    keys: readonly Buffer[],
    private readonly legacy: boolean,
  ) {
    const [first, ...rest] = keys.map(namingKey);
    this.current = first ?? PUBLIC_NAMING_KEY;
    this.older = rest;
  }

  /** Where `key`'s value lives. */
  value(key: string): string {
    return this.hashed(this.current, key);
  }

  /** Where `key`'s value may have been written before: under an older key's names, or raw. */
  fallbacks(key: string): string[] {
    const names = this.older.map(k => this.hashed(k, key));
    if (this.legacy) names.push(`${this.prefix}v:${key}`);
    return names;
  }

  /**
   * A key whose value only instances with the same current key bytes agree on: instances that give
   * one key id different bytes would silently not see each other's entries (names differ), so they
   * compare this at start. Undefined with `encryption: false`.
   */
  fingerprint(keyId: string | undefined): { name: string; value: string } | undefined {
    if (keyId === undefined || this.current === PUBLIC_NAMING_KEY) return undefined;
    const value = createHmac('sha256', this.current).update('fingerprint').digest('base64url');
    return { name: `${this.prefix}hk:${keyId}`, value };
  }

  /** Where the lock `key` lives (apart from values, so no value can collide with a lock). */
  lock(key: string): string {
    return `${this.prefix}hl:${createHash('sha256').update(key).digest('base64url')}`;
  }

  private hashed(macKey: Buffer, key: string): string {
    const mac = createHmac('sha256', macKey).update(key).digest('base64url');
    return `${this.prefix}h:${kindOf(key)}:${mac}`;
  }
}

/** The first segment of a store key (`token`, `auth`, `refresh`) when it is a plain word, else `_`. */
export function kindOf(key: string): string {
  const head = key.split(':', 1)[0] ?? '';
  return /^[A-Za-z0-9_-]{1,32}$/.test(head) ? head : '_';
}

function namingKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), NAMING_INFO, 32));
}
