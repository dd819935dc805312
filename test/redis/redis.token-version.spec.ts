import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthorizationToken,
  BlueButtonModule,
  BlueButtonStore,
  type BlueButtonModuleOptions,
} from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { RedisClients } from './redis-clients.js';

const KEY = randomBytes(32);
const OPTIONS: BlueButtonModuleOptions = {
  clientId: 'client-id-abc',
  clientSecret: 'S3cr3t-client-secret-value-0123456789',
  callbackUrl: 'http://localhost:3000/api/bluebutton/callback/',
};

/** A token that never went over the wire (these tests stop at the store). */
function token(version: 2 | 3): AuthorizationToken {
  return AuthorizationToken.fromJSON({
    accessToken: `access-v${version}-0123456789abcdef`,
    refreshToken: `refresh-v${version}-0123456789abcdef`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    scope: ['patient/Coverage.rs'],
    accessGrantExpiration: null,
    version,
  });
}

describeWithRedis('the API version of tokens kept in Redis', () => {
  let server: RedisServer;
  const clients = new RedisClients();
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const moduleRef of modules) await moduleRef.close();
    clients.closeAll();
    await server?.cleanup();
  });

  /** An app instance on the shared Redis, configured with `options`. */
  async function instance(options: BlueButtonModuleOptions = {}): Promise<TestingModule> {
    const client = await clients.connect(server.url);
    const store = new RedisBlueButtonStore(client, {
      prefix: 'versions:',
      encryption: { keys: { k1: KEY }, currentKeyId: 'k1' },
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({
          ...OPTIONS,
          ...options,
          extraProviders: [{ provide: BlueButtonStore, useValue: store }],
        }),
      ],
    }).compile();
    modules.push(moduleRef);
    return moduleRef;
  }

  it('writes the version into the stored JSON, and another instance reads it back', async () => {
    const a = await instance();
    const b = await instance();
    await a.get(StoredTokens).save('user:v3', token(3));
    const stored = await a
      .get(BlueButtonStore)
      .get<{ token: { version?: number } }>('token:user:v3');
    expect(stored?.token.version).toBe(3);
    // A v2-configured instance still uses this token at v3: the token's version wins.
    expect((await b.get(StoredTokens).load('user:v3'))?.version).toBe(3);
  });

  it('loads a token stored by version 0.1 (no version) as each instance’s configured version', async () => {
    const v2App = await instance();
    const v3App = await instance({ version: 3, scopes: ['patient/Coverage.rs'] });
    const { version: _, ...legacy } = token(3).toJSON();
    await v2App
      .get(BlueButtonStore)
      .set('token:user:legacy', { token: legacy, version: 1 }, { version: 1 });
    const loaded = await Promise.all([
      v2App.get(StoredTokens).load('user:legacy'),
      v3App.get(StoredTokens).load('user:legacy'),
    ]);
    expect(loaded.map(t => t?.version)).toEqual([2, 3]);
  });
});
