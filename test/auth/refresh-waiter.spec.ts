import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlueButtonStore, TokenRefreshError } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/**
 * A refresh that finds another instance holding the refresh lock waits for that instance's outcome,
 * but only for a bounded time: `timeoutMs + 5 s` (LOCK_MARGIN_MS in lib/auth/token-refresher.ts),
 * after which it fails with TokenRefreshError — without ever POSTing the (possibly already rotated)
 * refresh token itself.
 */
/** Long enough for the login and the final refresh POST to succeed on a loaded machine. */
const TIMEOUT_MS = 1_000;
const LOCK_MARGIN_MS = 5_000;
const BOUND_MS = TIMEOUT_MS + LOCK_MARGIN_MS;
/** Polling granularity (the waiter sleeps up to 200 ms between looks) plus scheduling slack. */
const SLACK_MS = 1_500;
const TOKEN_POST = /^\/v2\/o\/token\/?$/;

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;

beforeAll(async () => {
  emu = await startEmulator();
  bb = await bootBlueButton(emu, { timeoutMs: TIMEOUT_MS, retrySettings: { total: 0 } });
});
afterAll(async () => {
  await bb?.close();
  await emu?.close();
});

/** The store key the refresher locks for one refresh token (see TokenRefresher.coordinated). */
function refreshLockKey(refreshToken: string): string {
  return `refresh:${createHash('sha256').update(refreshToken).digest('base64url')}`;
}

it(
  'gives up with TokenRefreshError within timeoutMs + 5 s while another holder keeps the lock, with zero refresh POSTs',
  async () => {
    const token = await login(bb.auth, { user: 'BBUser00041' });
    const store = bb.moduleRef.get(BlueButtonStore);
    // "Another instance" takes the lock for this refresh token and never records an outcome.
    const lock = await store.acquireLock(refreshLockKey(token.refreshToken!), 60_000);
    expect(lock).toEqual(expect.any(String));
    emu.clearRequests();

    const started = performance.now();
    const settle = <T>(work: Promise<T>) =>
      work.then(
        value => ({ value, ms: performance.now() - started }),
        (error: unknown) => ({ error, ms: performance.now() - started }),
      );
    // Two callers in this process: an explicit refresh and a data call with the token expired.
    const outcomes = Promise.all([
      settle(firstValueFrom(bb.auth.refreshAuthToken(token))),
      settle(firstValueFrom(bb.fhir.getCoverageData(expiredCopy(token)))),
    ]);
    const stopWatchdog = new AbortController();
    const hang = sleep(BOUND_MS + SLACK_MS * 3, 'hung' as const, { signal: stopWatchdog.signal });
    const raced = await Promise.race([outcomes, hang]).finally(() => stopWatchdog.abort());
    hang.catch(() => undefined);
    expect(raced).not.toBe('hung');
    const [refresh, data] = raced as Awaited<typeof outcomes>;

    for (const outcome of [refresh, data]) {
      expect('error' in outcome && outcome.error).toBeInstanceOf(TokenRefreshError);
      expect((outcome as { error: TokenRefreshError }).error.detail).toBe(
        'another instance is refreshing this token and did not finish in time',
      );
      expect(outcome.ms).toBeGreaterThanOrEqual(BOUND_MS - 50);
      expect(outcome.ms).toBeLessThan(BOUND_MS + SLACK_MS);
    }
    // On the wire: no refresh POST (the lock holder owns that), and no data call with a dead token.
    expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(0);
    expect(emu.requestsTo('/v2/fhir/')).toHaveLength(0);
    expect(emu.requests).toHaveLength(0);

    // Once the holder lets go (without an outcome), the next refresh does the one POST itself.
    expect(await store.releaseLock(refreshLockKey(token.refreshToken!), lock!)).toBe(true);
    const fresh = await firstValueFrom(bb.auth.refreshAuthToken(token));
    expect(fresh.accessToken).not.toBe(token.accessToken);
    expect(emu.requestsTo(TOKEN_POST, 'POST').map(r => r.form?.refresh_token)).toEqual([
      token.refreshToken,
    ]);
  },
  BOUND_MS + SLACK_MS * 4,
);
