import { randomBytes } from 'node:crypto';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import {
  AuthService,
  BlueButtonConfigError,
  BlueButtonModule,
  BlueButtonStore,
} from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import { RedisBlueButtonStore, type RedisBlueButtonStoreOptions } from 'nestjs-bluebutton/redis';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { ValueCipher } from '../../lib/redis/encryption.js';
import { RedisClients } from '../redis/redis-clients.js';
import { consent, emulatorOptions, startEmulator } from '../support/bluebutton.js';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { SecretLedger } from '../support/secret-ledger.js';

/**
 * Family 7: what an attacker with access to Redis could read or change. Encryption at rest is on
 * unless the app writes `encryption: false`; key names hide session ids, states and user ids;
 * entries cannot be moved between sessions; entries of earlier versions keep working.
 */

const KEY = randomBytes(32);
const ledger = new SecretLedger();

describeWithRedis('RedisBlueButtonStore against an attacker with Redis access', () => {
  let redis: RedisServer;
  let emu: BlueButtonEmulator;
  const clients = new RedisClients();
  let raw: Redis;
  let n = 0;
  let prefix: string;
  beforeAll(async () => {
    // The store logs through Nest's static logger: every line goes to the ledger.
    Logger.overrideLogger(ledger.logger);
    [redis, emu] = await Promise.all([RedisServer.start(), startEmulator()]);
    raw = await clients.connect(redis.url);
  });
  beforeEach(() => {
    prefix = `hostile${++n}:`;
  });
  afterAll(async () => {
    clients.closeAll();
    await redis?.cleanup();
    await emu?.close();
    Logger.overrideLogger(new ConsoleLogger());
    ledger.expectClean('redis at rest');
  });

  const encrypted = (extra: Partial<RedisBlueButtonStoreOptions> = {}) =>
    new RedisBlueButtonStore(raw, {
      prefix,
      encryption: { keys: { k1: KEY }, currentKeyId: 'k1' },
      ...extra,
    });

  /** Every key and value under this test's prefix. */
  async function dump(): Promise<string> {
    const keys = await raw.keys(`${prefix}*`);
    const values = await Promise.all(keys.map(k => raw.get(k)));
    return [...keys, ...values].join('\n');
  }

  it('refuses to boot without encryption, naming the two ways out', async () => {
    const compile = Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({
          ...emulatorOptions(emu),
          extraProviders: [
            {
              provide: BlueButtonStore,
              useFactory: () => new RedisBlueButtonStore(raw, { prefix } as never),
            },
          ],
        }),
      ],
    }).compile();
    const error = ledger.error(await compile.catch((e: unknown) => e));
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect((error as BlueButtonConfigError).issues).toEqual([
      {
        key: 'encryption',
        reason: expect.stringMatching(
          /^is required: .*currentKeyId.*or write encryption: false to store them in clear/,
        ) as unknown as string,
      },
    ]);
  });

  it('keeps no token, verifier, state, session id or patient id readable in Redis, in keys or values', async () => {
    const store = encrypted();
    const moduleRef = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({
          ...emulatorOptions(emu),
          extraProviders: [{ provide: BlueButtonStore, useValue: store }],
        }),
      ],
    })
      .setLogger(ledger.logger)
      .compile();
    const auth = moduleRef.get(AuthService);
    const { url, state } = await firstValueFrom(auth.startAuthorization());
    const during = await dump();
    const callback = await consent(url);
    const { token } = await firstValueFrom(
      auth.completeAuthorization(Object.fromEntries(callback.searchParams)),
    );
    const sessionId = `session:${randomBytes(16).toString('base64url')}`;
    await moduleRef.get(StoredTokens).save(sessionId, token);
    const after = await dump();
    const verifier = emu.requestsTo('/v2/o/token/', 'POST')[0]!.form!.code_verifier!;
    for (const secret of [
      state,
      verifier,
      sessionId.slice('session:'.length),
      token.accessToken,
      token.refreshToken!,
      token.patient!,
    ]) {
      ledger.add(secret);
      expect(during + after).not.toContain(secret);
    }
    await moduleRef.close();
  });

  it("cannot switch a victim's session to the attacker's token by copying entries", async () => {
    const store = encrypted();
    await store.set('token:session:victim', { token: 'victim-record' }, { version: 1 });
    await store.set('token:session:attacker', { token: 'attacker-record' }, { version: 1 });
    await raw.copy(
      store.redisKey('token:session:attacker'),
      store.redisKey('token:session:victim'),
      'REPLACE',
    );
    expect(await store.get('token:session:victim')).toBeUndefined();
    // Nor by writing a plaintext record there.
    await raw.set(
      store.redisKey('token:session:victim'),
      JSON.stringify({ v: 2, d: { token: 'planted' } }),
    );
    expect(await store.get('token:session:victim')).toBeUndefined();
  });

  it('keeps reading an entry encrypted by an earlier version (raw key name), then moves it under its HMAC name with its TTL', async () => {
    const record = { token: { accessToken: ledger.secret('legacy-access') }, version: 7 };
    const sealed = new ValueCipher(new Map([['k1', KEY]]), 'k1').seal(JSON.stringify(record), {
      key: 'token:session:legacy',
      version: 7,
    });
    const legacyName = `${prefix}v:token:session:legacy`;
    await raw.set(legacyName, JSON.stringify({ v: 7, e: sealed }), 'PX', 60_000);
    const store = encrypted();
    expect(await store.get('token:session:legacy')).toEqual(record);
    expect(await raw.exists(legacyName)).toBe(0);
    const pttl = await raw.pttl(store.redisKey('token:session:legacy'));
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    // A logout deletes it wherever it is; the lookup of raw names can be turned off.
    await raw.set(legacyName, JSON.stringify({ v: 7, e: sealed }));
    expect(await encrypted({ legacyKeyNames: false }).get('token:session:legacy')).toEqual(record);
    await raw.del(store.redisKey('token:session:legacy'));
    expect(await encrypted({ legacyKeyNames: false }).get('token:session:legacy')).toBeUndefined();
    await store.delete('token:session:legacy');
    expect(await raw.exists(legacyName)).toBe(0);
  });

  it('ignores a plaintext entry of an earlier version once encryption is on; with encryption: false it keeps working', async () => {
    const legacyName = `${prefix}v:token:session:plain`;
    await raw.set(legacyName, JSON.stringify({ v: 3, d: { token: 'plain-record' } }));
    expect(await encrypted().get('token:session:plain')).toBeUndefined();
    const plain = new RedisBlueButtonStore(raw, { prefix, encryption: false });
    expect(await plain.get('token:session:plain')).toEqual({ token: 'plain-record' });
    expect(await raw.exists(legacyName)).toBe(0);
  });
});
