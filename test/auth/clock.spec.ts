import { BlueButtonClock, BlueButtonSessions } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/**
 * The module reads the time from `BlueButtonClock`: given the emulator's clock, one fake time
 * drives Blue Button and the client, and a test reaches a token's expiry without waiting 10 hours.
 */
let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;

beforeAll(async () => {
  // Time stands still unless the test moves it, so the boundary below is exact.
  const frozenAt = Date.now();
  emu = await startEmulator({ clock: { now: () => frozenAt } });
  bb = await bootBlueButton(emu, {
    extraProviders: [{ provide: BlueButtonClock, useValue: emu.clock }],
    session: { secret: 'a-test-session-secret-of-32-characters' },
  });
});
afterAll(async () => {
  await bb?.close();
  await emu?.close();
});

const wire = () => emu.requests.map(r => `${r.method} ${r.path}`);

it('refreshes ahead of expiry by refreshSkewMs as the module clock tells it, not the system clock', async () => {
  const token = await login(bb.auth);
  // The access token counts from when its answer arrived, on the module's clock.
  expect(token.expiresAt.getTime()).toBe(emu.clock.now() + token.expiresIn * 1000);
  const skewMs = bb.config.refreshSkewMs;

  emu.clock.advance(token.expiresAt.getTime() - skewMs - 1 - emu.clock.now());
  emu.clearRequests();
  const before = await firstValueFrom(bb.fhir.getCoverageData(token));
  expect(wire()).toEqual(['GET /v2/fhir/Coverage/']);
  expect(before.token).toBe(token);

  emu.clock.advance(1);
  emu.clearRequests();
  const after = await firstValueFrom(bb.fhir.getCoverageData(token));
  expect(wire()).toEqual(['POST /v2/o/token/', 'GET /v2/fhir/Coverage/']);
  expect(after.token.accessToken).not.toBe(token.accessToken);
});

it('expires a session cookie on the module clock, the time its stored session counts in', async () => {
  const sessions = bb.moduleRef.get(BlueButtonSessions);
  const { cookie } = await sessions.createSession(await login(bb.auth));
  const request = { headers: { cookie } };
  emu.clock.advance(bb.config.session.ttlMs - 1);
  expect(sessions.keyFor(request)).toMatch(/^session:/);
  emu.clock.advance(1);
  expect(sessions.keyFor(request)).toBeUndefined();
});
