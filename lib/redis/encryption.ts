import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

/** The encrypted form of one value, as stored inside the Redis entry. */
export interface SealedValue {
  /** Id of the key that encrypted it. */
  k: string;
  /** The 12-byte GCM nonce, base64url. */
  iv: string;
  /** The 16-byte GCM authentication tag, base64url. */
  t: string;
  /** The ciphertext of the value's JSON, base64url. */
  c: string;
}

/** Why a sealed value could not be opened. */
export type OpenFailure = 'unknown-key' | 'tampered';

/** What an entry is bound to: a sealed value only opens under the same key id, store key and version. */
export interface SealContext {
  key: string;
  version: number | null;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM over values, with key rotation: new values use the current key, old ones open with the
 * key their envelope names. The key id, store key and version are authenticated (AAD), so an
 * envelope can neither be relabelled to another key nor moved to another entry or version.
 */
export class ValueCipher {
  private readonly keys = new Map<string, KeyObject>();

  /** Takes the validated keys; they are held as `KeyObject`s so they never print. */
  constructor(
    keys: ReadonlyMap<string, Buffer>,
    private readonly currentKeyId: string,
  ) {
    for (const [id, bytes] of keys) this.keys.set(id, createSecretKey(bytes));
  }

  /** Encrypts `plaintext` with the current key and a fresh random IV. */
  seal(plaintext: string, context: SealContext): SealedValue {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.currentKeyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      k: this.currentKeyId,
      iv: iv.toString('base64url'),
      t: cipher.getAuthTag().toString('base64url'),
      c: ciphertext.toString('base64url'),
    };
  }

  /** Decrypts a sealed value, or says why it cannot: its key is not configured, or it fails authentication. */
  open(
    sealed: SealedValue,
    context: SealContext,
  ): { plaintext: string } | { failure: OpenFailure } {
    const key = this.keys.get(sealed.k);
    if (!key) return { failure: 'unknown-key' };
    try {
      const iv = Buffer.from(sealed.iv, 'base64url');
      const tag = Buffer.from(sealed.t, 'base64url');
      // A short tag would weaken GCM's forgery bound, and a wrong IV length is never ours.
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return { failure: 'tampered' };
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(sealed.k, context));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([
        decipher.update(Buffer.from(sealed.c, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
      return { plaintext };
    } catch {
      return { failure: 'tampered' };
    }
  }

  /** Whether `value` has the shape of a {@link SealedValue}. */
  static isSealed(value: unknown): value is SealedValue {
    if (!value || typeof value !== 'object') return false;
    const sealed = value as Record<string, unknown>;
    return (
      typeof sealed.k === 'string' &&
      typeof sealed.iv === 'string' &&
      typeof sealed.t === 'string' &&
      typeof sealed.c === 'string'
    );
  }
}

function aad(keyId: string, { key, version }: SealContext): Buffer {
  return Buffer.from(JSON.stringify(['bluebutton-store/1', keyId, key, version]), 'utf8');
}
