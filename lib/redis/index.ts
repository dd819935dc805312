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
 * Redis keys (default prefix `bluebutton:`): values at `<prefix>v:<key>` holding
 * `{"v":<version|null>,"d":<value>}` (or `"e":{k,iv,t,c}` when encrypted), locks at
 * `<prefix>lock:<key>` holding the lock token. Every key that can expire has a Redis TTL.
 *
 * @packageDocumentation
 */
export {
  RedisBlueButtonStore,
  type BlueButtonStoreHealth,
  type RedisStoreClient,
} from './redis.store.js';
export {
  DEFAULT_OPERATION_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
  type RedisBlueButtonStoreOptions,
  type RedisStoreEncryptionKey,
  type RedisStoreEncryptionOptions,
} from './redis-store.options.js';
