import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';

/** Key material of one encryption key: 32 raw bytes, or those bytes in base64 / base64url. */
export type RedisStoreEncryptionKey = Buffer | Uint8Array | string;

/**
 * At-rest encryption of stored values (AES-256-GCM). Rotate by adding a new key and switching
 * `currentKeyId` on every instance; keep the old key configured until the values written with it
 * have expired (13 months for tokens by default), or accept that their users log in again.
 */
export interface RedisStoreEncryptionOptions {
  /**
   * Every key that may have encrypted a stored value, by key id. Ids are stored next to each value
   * (and may be logged), so they are names such as `2026-11` — never key material. Generate a key
   * with `openssl rand -base64 32`.
   */
  keys: Record<string, RedisStoreEncryptionKey>;
  /** The id (in `keys`) of the key that encrypts new writes. */
  currentKeyId: string;
}

/** Options of {@link RedisBlueButtonStore}. */
export interface RedisBlueButtonStoreOptions {
  /**
   * Prepended to every Redis key, so that several apps or environments can share one Redis.
   * Default `bluebutton:`.
   */
  prefix?: string;
  /**
   * Upper bound of each store call in ms (including a reconnecting client's queue), after which it
   * fails with `BlueButtonStoreError`. Default 1000.
   */
  operationTimeoutMs?: number;
  /**
   * Encryption at rest of stored values — required: tokens and PKCE verifiers are bearer
   * credentials to a person's Medicare claims, and anyone who can write to Redis could otherwise
   * switch a session to another beneficiary. Write `encryption: false` to store them in clear
   * (local development, or a Redis as trusted as the app's own memory).
   */
  encryption: RedisStoreEncryptionOptions | false;
  /**
   * Also read, and move to their hashed names, entries that earlier versions stored under raw key
   * names (`<prefix>v:<key>`). Default true; turn it off once those entries have expired (13
   * months for tokens) to save one round trip whenever a key is absent.
   */
  legacyKeyNames?: boolean;
}

/** The options once validated, with defaults applied and keys decoded. */
export interface ResolvedRedisStoreOptions {
  prefix: string;
  operationTimeoutMs: number;
  /** The decoded keys, or undefined when the app wrote `encryption: false`. */
  encryption?: { keys: Map<string, Buffer>; currentKeyId: string };
  legacyKeyNames: boolean;
}

/** Default of {@link RedisBlueButtonStoreOptions.prefix}. */
export const DEFAULT_REDIS_PREFIX = 'bluebutton:';
/** Default of {@link RedisBlueButtonStoreOptions.operationTimeoutMs}. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 1000;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;
const HEX_64 = /^[0-9a-fA-F]{64}$/;

/**
 * Validates the client and options and applies the defaults; throws one `BlueButtonConfigError`
 * naming every bad option. Key material never appears in the error.
 */
export function resolveRedisStoreOptions(
  client: unknown,
  options: RedisBlueButtonStoreOptions | undefined,
): ResolvedRedisStoreOptions {
  const issues: ConfigIssue[] = [];
  if (typeof (client as { call?: unknown } | null)?.call !== 'function') {
    issues.push({
      key: 'client',
      reason: 'must be an ioredis client (new Redis(...) or new Cluster(...) from ioredis ≥ 5.4)',
    });
  }
  const opts = (options ?? {}) as Partial<RedisBlueButtonStoreOptions>;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new BlueButtonConfigError(
      issues,
      undefined,
      'RedisBlueButtonStore options must be an object',
    );
  }

  const prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== 'string') issues.push({ key: 'prefix', reason: 'must be a string' });

  const operationTimeoutMs = opts.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  if (
    typeof operationTimeoutMs !== 'number' ||
    !Number.isFinite(operationTimeoutMs) ||
    operationTimeoutMs <= 0
  ) {
    issues.push({ key: 'operationTimeoutMs', reason: 'must be a positive number of milliseconds' });
  }

  let encryption: ResolvedRedisStoreOptions['encryption'];
  if (opts.encryption === undefined) {
    issues.push({
      key: 'encryption',
      reason:
        'is required: stored tokens are bearer credentials to Medicare claims. Pass ' +
        '{ keys: { k1: <32 random bytes, base64 — `openssl rand -base64 32`> }, currentKeyId: "k1" }, ' +
        'or write encryption: false to store them in clear (development only)',
    });
  } else if (opts.encryption !== false) {
    encryption = resolveEncryption(opts.encryption, issues);
  }
  const legacyKeyNames = opts.legacyKeyNames ?? true;
  if (typeof legacyKeyNames !== 'boolean')
    issues.push({ key: 'legacyKeyNames', reason: 'must be true or false' });

  if (issues.length) {
    throw new BlueButtonConfigError(issues, undefined, 'Invalid RedisBlueButtonStore options');
  }
  return { prefix, operationTimeoutMs, encryption, legacyKeyNames };
}

function resolveEncryption(
  encryption: RedisStoreEncryptionOptions,
  issues: ConfigIssue[],
): ResolvedRedisStoreOptions['encryption'] {
  if (!encryption || typeof encryption !== 'object') {
    issues.push({
      key: 'encryption',
      reason: 'must be an object { keys, currentKeyId }, or false',
    });
    return undefined;
  }
  const { keys: given, currentKeyId } = encryption;
  const keys = new Map<string, Buffer>();
  if (!given || typeof given !== 'object' || Array.isArray(given) || !Object.keys(given).length) {
    issues.push({
      key: 'encryption.keys',
      reason:
        'must be an object with at least one key: { [keyId]: <32-byte Buffer or base64 string> }',
    });
  } else {
    for (const [id, material] of Object.entries(given)) {
      const where = `encryption.keys.${id}`;
      if (!KEY_ID.test(id)) {
        issues.push({
          key: where,
          reason:
            "the key id must be 1-64 letters, digits, '.', '_' or '-' (it is stored next to each value)",
        });
        continue;
      }
      const problem = decodeKey(material);
      if (typeof problem === 'string') issues.push({ key: where, reason: problem });
      else keys.set(id, problem);
    }
  }
  if (typeof currentKeyId !== 'string' || !currentKeyId) {
    issues.push({ key: 'encryption.currentKeyId', reason: 'must name one of encryption.keys' });
  } else if (given && typeof given === 'object' && !Object.hasOwn(given, currentKeyId)) {
    issues.push({
      key: 'encryption.currentKeyId',
      reason: `"${KEY_ID.test(currentKeyId) ? currentKeyId : '…'}" is not one of encryption.keys`,
    });
  }
  return { keys, currentKeyId };
}

/** The 32 key bytes (a private copy), or why the material is unusable — without echoing it. */
function decodeKey(material: unknown): Buffer | string {
  let bytes: Buffer;
  if (Buffer.isBuffer(material) || material instanceof Uint8Array) {
    bytes = Buffer.from(material);
  } else if (typeof material === 'string') {
    const text = material.trim();
    if (HEX_64.test(text)) {
      return 'looks like hex; pass Buffer.from(hexString, "hex") or a base64 string instead';
    }
    if (!BASE64.test(text)) {
      return 'must be a 32-byte Buffer or a base64 string of 32 bytes (e.g. from `openssl rand -base64 32`)';
    }
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  } else {
    return 'must be a 32-byte Buffer or a base64 string of 32 bytes (e.g. from `openssl rand -base64 32`)';
  }
  if (bytes.length !== 32) return `must be exactly 32 bytes for AES-256 (got ${bytes.length})`;
  return bytes;
}
