/**
 * The sync guide's examples (docs/sync.md), booted against the emulator and a real redis-server:
 * docs/examples/claims-sync.module.ts (an app storing claims in its own database through a sink)
 * and docs/examples/sync-pass.ts (one pass by hand). The module is used as written, with two
 * seams: its HTTP calls go to the emulator (the `BlueButtonConfig` provider), and its `DATABASE`
 * is a recorder of the SQL it is sent.
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FhirService } from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { describeWithRedis, RedisServer } from '../support/redis-server.js';
import { emulatorData, tokenFor } from '../sync/support/emulator-data.js';
import { toEmulator } from '../support/bluebutton.js';

const CLIENT = { clientId: 'docs-sync-client-id', clientSecret: 'docs-sync-client-secret' };
const CALLBACK = 'https://app.example.org/bluebutton/callback';
const USER = 'BBUser20005';

describeWithRedis('docs/examples/claims-sync.module.ts and sync-pass.ts', () => {
  let emu: BlueButtonEmulator;
  let redis: RedisServer;
  let app: INestApplication;
  const sql: Array<{ sql: string; params: unknown[] }> = [];

  beforeAll(async () => {
    [emu, redis] = await Promise.all([
      BlueButtonEmulator.start({ clients: [{ ...CLIENT, redirectUris: [CALLBACK] }] }),
      RedisServer.start(),
    ]);
    vi.stubEnv('BB_CLIENT_ID', CLIENT.clientId);
    vi.stubEnv('BB_CLIENT_SECRET', CLIENT.clientSecret);
    vi.stubEnv('REDIS_URL', redis.url);
    const { AppModule, DATABASE } = await import('../../docs/examples/claims-sync.module.js');
    const moduleRef = await toEmulator(Test.createTestingModule({ imports: [AppModule] }), emu)
      .overrideProvider(DATABASE)
      .useValue({
        query: async (text: string, params: unknown[]) => sql.push({ sql: text, params }),
      })
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await app?.close();
    await emu?.close();
    await redis?.cleanup();
  });

  it('enrolls a connected user, stores every resource through the sink, and parks them when the grant ends', async () => {
    const { MedicareController } = await import('../../docs/examples/claims-sync.module.js');
    const token = tokenFor(emu, USER);
    // What the built-in callback does with `tokenKey`: the token under the app's user id.
    await app.get(StoredTokens).save('user:u-42', token);
    const controller = app.get(MedicareController);

    const result = await controller.connected({ user: { id: 'u-42' } });
    expect(result.status).toBe('synced');
    const inserts = sql.filter(q => q.sql.includes('INSERT INTO medicare_resources'));
    const expected = await emulatorData(emu.baseUrl, token.accessToken);
    expect(new Set(inserts.map(q => `${q.params[1]}/${q.params[2]}`))).toEqual(
      new Set(expected.keys()),
    );
    expect(new Set(inserts.map(q => q.params[0]))).toEqual(new Set(['u-42']));
    expect(await controller.stats()).toMatchObject({ enrolled: 1, parked: 0, neverSynced: 0 });

    // The grant ends: the next pass parks the user and the sink flags them for reconnection.
    emu.expireGrant(USER);
    const sync = app.get((await import('nestjs-bluebutton/sync')).BlueButtonSyncService);
    expect(await sync.syncNow('u-42')).toEqual({ status: 'parked', reason: 'grant-expired' });
    expect(sql.filter(q => q.sql.startsWith('UPDATE users')).map(q => q.params)).toEqual([
      ['u-42', 'grant-expired'],
    ]);
  });

  it('sync-pass.ts: a full pass, then an incremental one with the watermark it returned', async () => {
    const { syncOnce } = await import('../../docs/examples/sync-pass.js');
    const fhir = app.get(FhirService);
    const token = tokenFor(emu, 'BBUser00002');
    const saved: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const save = async (r: { resourceType: string; id?: string }) => {
        saved.push(`${r.resourceType}/${r.id}`);
      };
      const watermark = await syncOnce(fhir, token, undefined, save);
      expect(saved.length).toBe((await emulatorData(emu.baseUrl, token.accessToken)).size);
      saved.length = 0;
      const loaded = emu.loadClaims({ user: 'BBUser00002', add: { carrier: 1 } });
      await syncOnce(fhir, token, watermark, save);
      expect(saved).toEqual([`ExplanationOfBenefit/${loaded.beneficiaries[0]!.added[0]!.id}`]);
    } finally {
      log.mockRestore();
    }
  });
});
