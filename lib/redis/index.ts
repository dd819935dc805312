/**
 * `nestjs-bluebutton/redis`: a `BlueButtonStore` on Redis for apps that run as several instances.
 *
 * ioredis (`^5.4.0 || ^6.0.0`) is an optional peer dependency: this entry imports it for types
 * only, and the app passes its own client, so nothing here loads ioredis. Requires Redis ≥ 6.2.
 *
 * Recommended client options — fail fast during an outage instead of queueing commands, and
 * reconnect on your own schedule (ioredis' default backoff is fine):
 * ```ts
 * new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
 * ```
 * With `enableOfflineQueue: false`, calls made before the first connection fail too; to boot only
 * once Redis answers, add `lazyConnect: true` and `await redis.connect()` in the client's factory.
 * Whatever the options, each store call is bounded by `operationTimeoutMs` (default 1 s).
 *
 * Encryption at rest is required: pass `encryption: { keys, currentKeyId }`, or write
 * `encryption: false` to store values in clear; without either the constructor throws.
 *
 * Redis keys (default prefix `bluebutton:`): values at `<prefix>h:<kind>:<HMAC(key)>` holding
 * `{"v":<version|null>,"e":{k,iv,t,c}}` (or `"d":<value>` without encryption), locks at
 * `<prefix>hl:<SHA-256(key)>` holding the lock token; no session id, state or user id appears in
 * a key name. Entries of earlier versions at `<prefix>v:<key>` are still read, and moved, while
 * `legacyKeyNames` is on. Every key that can expire has a Redis TTL.
 *
 * @packageDocumentation
 */
export {
  RedisBlueButtonStore,
  type BlueButtonStoreHealth,
  type RedisStoreClient,
} from './redis.store.js';
export {
  type RedisBlueButtonStoreOptions,
  type RedisStoreEncryptionKey,
  type RedisStoreEncryptionOptions,
} from './redis-store.options.js';
