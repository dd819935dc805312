import { BlueButtonClock, BlueButtonStore, TokenRefreshError } from 'nestjs-bluebutton';
import { EmulatorClock, type BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { LOCK_MARGIN_MS, refreshOutcomeKey } from '../../lib/auth/token-refresher.js';
import {
  bootBlueButton,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/**
 * A refresh that finds another instance holding the refresh lock waits for that instance's outcome,
 * but only for a bounded time: `timeoutMs + LOCK_MARGIN_MS` on the module's clock, after which it
 * fails with TokenRefreshError — without ever POSTing the (possibly already rotated) refresh token
 * itself. The module's clock stands still here, so the test moves it past the bound instead of
 * waiting for it.
 */
const TIMEOUT_MS = 1_000;
const BOUND_MS = TIMEOUT_MS + LOCK_MARGIN_MS;
const TOKEN_POST = /^\/v2\/o\/token\/?$/;

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
/** The module's time: frozen, moved only by `clock.advance()`. */
const frozenAt = Date.now();
const clock = new EmulatorClock({ now: () => frozenAt });

beforeAll(async () => {
  emu = await startEmulator();
  bb = await bootBlueButton(emu, {
    timeoutMs: TIMEOUT_MS,
    retrySettings: { total: 0 },
    extraProviders: [{ provide: BlueButtonClock, useValue: clock }],
  });
});
afterAll(async () => {
  await bb?.close();
  await emu?.close();
});

/** A promise's outcome, error included, so both callers can be inspected. */
function settle<T>(work: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return work.then(
    value => ({ value }),
    (error: unknown) => ({ error }),
  );
}

it('gives up with TokenRefreshError once the clock passes timeoutMs + 5 s while another holder keeps the lock, with zero refresh POSTs', async () => {
  const token = await login(bb.auth, { user: 'BBUser00041' });
  const store = bb.moduleRef.get(BlueButtonStore);
  // "Another instance" takes the lock for this refresh token and never records an outcome.
  const lock = await store.acquireLock(refreshOutcomeKey(token.refreshToken!), 60_000);
  expect(lock).toEqual(expect.any(String));
  const looks = vi.spyOn(store, 'acquireLock');
  emu.clearRequests();

  const started = clock.now();
  let settledAt: number | undefined;
  // Two callers in this process: an explicit refresh and a data call with the token expired.
  const outcomes = Promise.all([
    settle(firstValueFrom(bb.auth.refreshAuthToken(token))),
    settle(firstValueFrom(bb.fhir.getCoverageData(expiredCopy(token, 1000, clock.now())))),
  ]).finally(() => (settledAt = clock.now()));

  // At the bound itself the waiters still wait: two more looks at the lock after the move mean
  // at least one full turn of the loop compared the moved time with the deadline.
  clock.advance(BOUND_MS);
  const seen = looks.mock.calls.length;
  await vi.waitFor(() => expect(looks.mock.calls.length).toBeGreaterThanOrEqual(seen + 2));
  expect(settledAt).toBeUndefined();
  // One millisecond past it, they give up at their next look.
  clock.advance(1);
  const [refresh, data] = await outcomes;
  expect(settledAt! - started).toBe(BOUND_MS + 1);

  for (const outcome of [refresh, data]) {
    expect('error' in outcome && outcome.error).toBeInstanceOf(TokenRefreshError);
    expect((outcome as { error: TokenRefreshError }).error.detail).toBe(
      'another instance is refreshing this token and did not finish in time',
    );
  }
  // On the wire: no refresh POST (the lock holder owns that), and no data call with a dead token.
  expect(emu.requestsTo(TOKEN_POST, 'POST')).toHaveLength(0);
  expect(emu.requestsTo('/v2/fhir/')).toHaveLength(0);
  expect(emu.requests).toHaveLength(0);

  // Once the holder lets go (without an outcome), the next refresh does the one POST itself.
  expect(await store.releaseLock(refreshOutcomeKey(token.refreshToken!), lock!)).toBe(true);
  const fresh = await firstValueFrom(bb.auth.refreshAuthToken(token));
  expect(fresh.accessToken).not.toBe(token.accessToken);
  expect(emu.requestsTo(TOKEN_POST, 'POST').map(r => r.form?.refresh_token)).toEqual([
    token.refreshToken,
  ]);
});
