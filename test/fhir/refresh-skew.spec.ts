import { AuthorizationToken } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/**
 * The emulator's clock source, moved 1 h + 1 s ahead once `expireAfterGets` EOB GETs have arrived:
 * the access token then expires on the server in the middle of a pagination, with no fault injected.
 */
let expireAfterGets = Infinity;
const EOB = '/v2/fhir/ExplanationOfBenefit';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let token: AuthorizationToken;

beforeAll(async () => {
  emu = await startEmulator({
    clock: {
      now: () => Date.now() + (emu.requestsTo(EOB, 'GET').length >= expireAfterGets ? 3601_000 : 0),
    },
  });
  bb = await bootBlueButton(emu);
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(async () => {
  expireAfterGets = Infinity;
  emu.faults.clear();
  token = await login(bb.auth);
  emu.clearRequests();
});

/** The same token, expiring `ms` from now (as far as the client can tell). */
const expiringIn = (t: AuthorizationToken, ms: number) =>
  AuthorizationToken.fromJSON({
    ...t.toJSON(),
    expiresAt: new Date(Date.now() + ms).toISOString(),
  });
const wire = () => emu.requests.map(r => `${r.method} ${r.path} ${r.headers.authorization ?? ''}`);

describe('a token that expires within refreshSkewMs (default 60 s)', () => {
  it('is refreshed before the GET, which carries the new bearer', async () => {
    const res = await firstValueFrom(bb.fhir.getCoverageData(expiringIn(token, 30_000)));
    expect(res.token.accessToken).not.toBe(token.accessToken);
    expect(wire()).toEqual([
      `POST /v2/o/token/ Basic ${Buffer.from(`${emu.client.clientId}:${emu.client.clientSecret}`).toString('base64')}`,
      `GET /v2/fhir/Coverage/ Bearer ${res.token.accessToken}`,
    ]);
  });

  it('is used as is when the refresh fails transiently (503): it is still valid', async () => {
    emu.faults.enqueue({ path: '/v2/o/token', method: 'POST' }, { status: 503 });
    const res = await firstValueFrom(bb.fhir.getCoverageData(expiringIn(token, 30_000)));
    expect([res.status, res.token.accessToken]).toEqual([200, token.accessToken]);
    // One refresh attempt (never retried), then the GET with the old, still valid token.
    expect(wire().map(w => w.replace(/ Basic \S+$/, ' Basic'))).toEqual([
      'POST /v2/o/token/ Basic',
      `GET /v2/fhir/Coverage/ Bearer ${token.accessToken}`,
    ]);
  });

  it('is not refreshed when it expires after a smaller refreshSkewMs', async () => {
    const narrow = await bootBlueButton(emu, { refreshSkewMs: 10_000 });
    try {
      await firstValueFrom(narrow.fhir.getCoverageData(expiringIn(token, 30_000)));
      expect(wire()).toEqual([`GET /v2/fhir/Coverage/ Bearer ${token.accessToken}`]);
    } finally {
      await narrow.close();
    }
  });
});

describe('getPages when the token expires in the middle of the pages', () => {
  it('sends every page with the token in force at that moment: later pages use the rotated one', async () => {
    const first = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token))).data;
    emu.clearRequests();
    // A fresh module (own store and refresher): no rotation this process already saw can hide a
    // page sent with a stale token.
    const fresh = await bootBlueButton(emu);
    try {
      // The server considers the token expired from the 3rd page request on (startIndex=30).
      expireAfterGets = 3;
      const { pages, token: after } = await firstValueFrom(
        fresh.fhir.getPages(first, token, { pageConcurrency: 1, pageSize: 'server' }),
      );
      expect(pages).toHaveLength(6);
      expect(after.accessToken).not.toBe(token.accessToken);
      const old = `Bearer ${token.accessToken}`;
      const rotated = `Bearer ${after.accessToken}`;
      expect(
        emu.requests.map(
          r =>
            `${r.method} ${r.query.get('startIndex') ?? r.path} ${r.headers.authorization?.startsWith('Basic') ? 'Basic' : r.headers.authorization}`,
        ),
      ).toEqual([
        `GET 10 ${old}`,
        `GET 20 ${old}`,
        `GET 30 ${old}`, // 401 invalid_token "The access token has expired."
        'POST /v2/o/token/ Basic',
        `GET 30 ${rotated}`,
        `GET 40 ${rotated}`,
        `GET 50 ${rotated}`,
      ]);
    } finally {
      await fresh.close();
    }
  });
});
