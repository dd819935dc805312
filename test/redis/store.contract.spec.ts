import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import { blueButtonStoreContract } from 'nestjs-bluebutton/testing';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

/**
 * The shipped `BlueButtonStore` contract on a real Redis, in clear and encrypted. Its TTLs are
 * Redis' own, so the expiry cases poll with real time (30 ms TTLs). The memory store runs the same
 * suite in test/store/store-contract.spec.ts.
 */
describeWithRedis('BlueButtonStore contract — RedisBlueButtonStore', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  let client: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    client = await clients.connect(server.url);
  });
  afterAll(async () => {
    clients.closeAll();
    await server?.cleanup();
  });

  describe('plain', () => {
    // A fresh prefix per test gives each test an empty store on the shared server.
    blueButtonStoreContract(
      () =>
        new RedisBlueButtonStore(client, {
          prefix: `contract:${randomUUID()}:`,
          encryption: false,
        }),
      { describe, it, beforeEach },
    );
  });

  describe('encrypted', () => {
    const keys = { k1: randomBytes(32) };
    blueButtonStoreContract(
      () =>
        new RedisBlueButtonStore(client, {
          prefix: `contract-enc:${randomUUID()}:`,
          encryption: { keys, currentKeyId: 'k1' },
        }),
      { describe, it, beforeEach },
    );
  });

  it('sends nothing to Redis but these tests’ keys (a sanity check on the prefixes)', async () => {
    const keys = await client.keys('*');
    expect(keys.every(k => /^contract(-enc)?:[0-9a-f-]{36}:(h|hl|hk):/.test(k))).toBe(true);
  });
});
