import {
  BlueButtonStore,
  BlueButtonStoreError,
  MemoryBlueButtonStore,
  type StoreSetOptions,
} from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/** A memory store whose writes fail while `down` is set, like Redis dying mid-request. */
class FlakyStore extends MemoryBlueButtonStore {
  down = false;
  override async set<T>(key: string, value: T, options?: StoreSetOptions): Promise<boolean> {
    if (this.down) throw new BlueButtonStoreError('store down (test)');
    return super.set(key, value, options);
  }
}

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let store: FlakyStore;

beforeAll(async () => {
  emu = await startEmulator();
  bb = await bootBlueButton(emu, {
    extraProviders: [{ provide: BlueButtonStore, useClass: FlakyStore }],
  });
  store = bb.moduleRef.get(BlueButtonStore) as FlakyStore;
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});

it('keeps a rotation made while the store fails, and writes it back on the next use', async () => {
  const tokens = bb.moduleRef.get(StoredTokens);
  await tokens.save('user:alice', await login(bb.auth));
  const stale = (await tokens.load('user:alice'))!;
  emu.clearRequests();

  store.down = true; // the store dies right after the refresh POST succeeds
  const fresh = await firstValueFrom(bb.auth.refreshAuthToken(stale));
  store.down = false;
  expect(fresh.refreshToken).not.toBe(stale.refreshToken);

  // After recovery the store still holds the stale token, whose refresh token Blue Button revoked.
  const reloaded = (await tokens.load('user:alice'))!;
  expect(reloaded.refreshToken).toBe(stale.refreshToken);
  const adopted = await firstValueFrom(bb.auth.refreshAuthToken(reloaded));
  expect(adopted.accessToken).toBe(fresh.accessToken); // no second POST, no forced re-login
  expect(emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST')).toHaveLength(1);
  expect((await tokens.load('user:alice'))!.accessToken).toBe(fresh.accessToken); // written back
});

it('reports the refresh error, not the store error, when recording a refusal fails', async () => {
  const token = await login(bb.auth, { user: 'BBUser00007' });
  emu.revokeGrant(token.patient!);
  store.down = true;
  try {
    await expect(firstValueFrom(bb.auth.refreshAuthToken(token))).rejects.toMatchObject({
      reason: 'grant-not-found',
    });
  } finally {
    store.down = false;
  }
});
