import type { Logger } from '@nestjs/common';
import { ValueCipher, type OpenFailure } from './encryption.js';

/** One stored entry: the version stays readable by Lua, outside the (possibly encrypted) value. */
interface Entry {
  v: number | null;
  /** The value itself (no encryption). Absent when the value was `undefined`. */
  d?: unknown;
  /** The encrypted value's JSON (encryption on); unchecked until {@link ValueCipher.isSealed}. */
  e?: unknown;
}

/**
 * The JSON form of stored entries, `{"v":<version|null>,"d":<value>}` or, encrypted,
 * `{"v":…,"e":{k,iv,t,c}}`. Reading refuses what it must not trust (plaintext while encryption is
 * on, envelopes that fail authentication) and logs why without naming the key's secret part.
 */
export class EntryCodec {
  /** The "cannot read this entry" warnings already logged: a retired key must not flood the log. */
  private readonly warned = new Set<string>();

  /** `cipher` is undefined when the app chose `encryption: false`. */
  constructor(
    private readonly cipher: ValueCipher | undefined,
    private readonly logger: Logger,
  ) {}

  /** The entry's text for `value` under `key` at `version`. */
  encode(key: string, value: unknown, version: number | null): string {
    const json = JSON.stringify(value);
    const head = `{"v":${JSON.stringify(version)}`;
    if (json === undefined) return `${head}}`;
    if (!this.cipher) return `${head},"d":${json}}`;
    return `${head},"e":${JSON.stringify(this.cipher.seal(json, { key, version }))}}`;
  }

  /** The value an entry's text holds, or undefined when it is absent or must not be trusted. */
  decode<T>(key: string, raw: unknown): T | undefined {
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

/** The first segment of a store key (`token`, `auth`, `refresh`): safe to log, unlike the rest. */
function kind(key: string): string {
  const head = key.split(':', 1)[0] ?? '';
  return /^[A-Za-z0-9_-]{1,32}$/.test(head) ? `"${head}"` : '(unnamed)';
}
