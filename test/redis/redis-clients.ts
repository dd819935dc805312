import { Redis, type RedisOptions } from 'ioredis';

/**
 * The client options the package documents for `RedisBlueButtonStore`: fail fast while Redis is
 * down instead of queueing, and connect before use so the first call is not refused.
 */
export const RECOMMENDED_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
  // Tests restart Redis: reconnect quickly rather than on ioredis' growing backoff.
  retryStrategy: () => 50,
};

/** Tracks the clients a spec file opens so `closeAll()` in afterAll can close every one. */
export class RedisClients {
  private readonly clients: Redis[] = [];
  /** Errors the clients emitted (an app would log them); recorded so they never go unhandled. */
  readonly errors: Error[] = [];

  /** A connected client with the recommended options (overridable). */
  async connect(url: string, options: RedisOptions = {}): Promise<Redis> {
    const client = new Redis(url, { ...RECOMMENDED_CLIENT_OPTIONS, ...options });
    client.on('error', error => this.errors.push(error));
    this.clients.push(client);
    if (client.status === 'wait') await client.connect();
    return client;
  }

  /** Closes every client without waiting for a server that may be down. */
  closeAll(): void {
    for (const client of this.clients.splice(0)) client.disconnect();
  }
}
