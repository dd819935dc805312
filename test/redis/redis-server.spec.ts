import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import {
  describeWithRedis,
  REDIS_MISSING_MESSAGE,
  REDIS_SERVER_BIN,
  RedisServer,
} from '../support/redis-server.js';

describe('test/support/redis-server when the binary is missing', () => {
  it('finds nothing for a REDIS_SERVER_BIN that does not exist, and start() says why', async () => {
    vi.resetModules();
    vi.stubEnv('REDIS_SERVER_BIN', '/nonexistent/redis-server');
    try {
      const helper = await import('../support/redis-server.js');
      expect(helper.REDIS_SERVER_BIN).toBeUndefined();
      await expect(helper.RedisServer.start()).rejects.toThrow(REDIS_MISSING_MESSAGE);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(REDIS_MISSING_MESSAGE).toContain('redis-server');
    expect(REDIS_MISSING_MESSAGE).toContain('.ci/run installs it');
  });
});

describeWithRedis('test/support/redis-server', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const s of servers) await s.cleanup();
  });
  const client = (s: RedisServer) => {
    const c = new Redis(s.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  it('runs private servers on distinct loopback ports, with data surviving stop + restart', async () => {
    const [one, two] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    servers.push(one, two);
    expect(REDIS_SERVER_BIN).toMatch(/redis-server$/);
    expect(one.port).not.toBe(two.port);
    expect(one.url).toBe(`redis://127.0.0.1:${one.port}`);
    expect(one.running).toBe(true);

    const c = client(one);
    await c.set('k', 'persisted');
    expect(await client(two).get('k')).toBeNull();

    await one.stop();
    expect(one.running).toBe(false);
    expect(one.pid).toBeUndefined();
    await one.stop(); // idempotent
    await one.restart();
    expect(one.running).toBe(true);
    expect(await c.get('k')).toBe('persisted');

    await one.stop({ signal: 'SIGKILL' });
    await one.restart();
    expect(await c.get('k')).toBe('persisted');

    await one.cleanup();
    expect(existsSync(one.dir)).toBe(false);
    await expect(one.restart()).rejects.toThrow('after cleanup()');
  });

  it('fails with the server’s own words when redis-server cannot start', async () => {
    const error = await RedisServer.start({ args: ['--no-such-option', 'x'] }).catch(e => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /redis-server exited during startup[\s\S]*no-such-option/i,
    );
  });
});
