import {
  ApiVersionMismatchError,
  AuthorizationToken,
  BlueButtonSessions,
  BlueButtonStore,
} from 'nestjs-bluebutton';
import { StoredTokens } from '../../lib/auth/stored-tokens.js';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom, type Observable } from 'rxjs';
import {
  bootBlueButton,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

/** One app: version 2 by default, with the scopes its v3 logins ask for. */
const SCOPES = [
  'openid',
  'profile',
  'patient/Patient.rs',
  'patient/Coverage.rs',
  'patient/ExplanationOfBenefit.rs',
];

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
/** A v2 user (the module's default version) and a v3 early adopter, logged in to the same app. */
let v2: AuthorizationToken;
let v3: AuthorizationToken;

beforeAll(async () => {
  emu = await startEmulator({ v3Enabled: true });
  bb = await bootBlueButton(emu, { scopes: SCOPES });
  v2 = await login(bb.auth, { user: 'BBUser00000' });
  v3 = await login(bb.auth, { user: 'BBUser00001' }, { version: 3 });
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

/** Each recorded request's path, keyed by the bearer token that made it. */
function pathsBy(...tokens: AuthorizationToken[]): string[][] {
  return tokens.map(t =>
    emu.requests
      .filter(r => r.headers.authorization === `Bearer ${t.accessToken}`)
      .map(r => r.path),
  );
}

/** Every call a claims app makes for one user: Patient, Coverage, all EOB pages, the profile. */
async function everything(token: AuthorizationToken): Promise<number> {
  const first = await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token, { _count: 10 }));
  const [{ pages }] = await Promise.all([
    firstValueFrom(bb.fhir.getPages(first.data, first.token)),
    firstValueFrom(bb.fhir.getPatientData(token)),
    firstValueFrom(bb.fhir.getCoverageData(token)),
    firstValueFrom(bb.fhir.getProfileData(token)),
  ]);
  return pages.length;
}

describe('a v2 user and a v3 user served by one app at the same time', () => {
  it('each token goes to its own version’s URLs only, next links included', async () => {
    expect([v2.version, v3.version]).toEqual([2, 3]);
    const [v2Pages, v3Pages] = await Promise.all([everything(v2), everything(v3)]);
    const [v2Paths, v3Paths] = pathsBy(v2, v3);
    // Patient, Coverage, userinfo, and every EOB page (the first one included).
    expect([v2Paths.length, v3Paths.length]).toEqual([3 + v2Pages, 3 + v3Pages]);
    expect(v2Pages).toBeGreaterThan(1);
    expect(v3Pages).toBeGreaterThan(1);
    expect(v2Paths.filter(p => !p.startsWith('/v2/'))).toEqual([]);
    expect(v3Paths.filter(p => !p.startsWith('/v3/'))).toEqual([]);
    expect(new Set(v3Paths)).toEqual(
      new Set([
        '/v3/fhir/ExplanationOfBenefit/',
        '/v3/fhir/Patient/',
        '/v3/fhir/Coverage/',
        '/v3/connect/userinfo',
      ]),
    );
    expect(emu.requests).toHaveLength(v2Paths.length + v3Paths.length);
  });

  it('refreshes each expiring token at its own version’s token endpoint, then reads there', async () => {
    const [a, b] = await Promise.all([
      firstValueFrom(bb.fhir.getCoverageData(expiredCopy(v2))),
      firstValueFrom(bb.fhir.getCoverageData(expiredCopy(v3))),
    ]);
    expect([a.token.version, b.token.version]).toEqual([2, 3]);
    const wire = emu.requests.map(r => `${r.method} ${r.path} ${r.form?.refresh_token ?? ''}`);
    expect(wire.sort()).toEqual(
      [
        `POST /v2/o/token/ ${v2.refreshToken}`,
        `POST /v3/o/token/ ${v3.refreshToken}`,
        'GET /v2/fhir/Coverage/ ',
        'GET /v3/fhir/Coverage/ ',
      ].sort(),
    );
    expect(pathsBy(a.token, b.token)).toEqual([['/v2/fhir/Coverage/'], ['/v3/fhir/Coverage/']]);
    v2 = a.token;
    v3 = b.token;
  });
});

describe('a token used with another version’s endpoint fails before anything is sent', () => {
  const refusals: [string, () => Observable<unknown>, 2 | 3, 2 | 3, RegExp][] = [
    ['the insurance card, v2 token', () => bb.fhir.getInsuranceCardData(v2), 2, 3, /^getInsur/],
    ['AuditEvent search, v2 token', () => bb.fhir.getAuditEventData(v2), 2, 3, /^getAuditEv/],
    ['AuditEvent read, v2 token', () => bb.fhir.readAuditEvent('x', v2), 2, 3, /^readAuditEv/],
    [
      'a v3-only search parameter, v2 token',
      () => bb.fhir.getExplanationOfBenefitData(v2, { '_security:not': '42CFRPart2' }),
      2,
      3,
      /^The search parameter _security:not belongs to Blue Button API v3/,
    ],
    [
      'a v3-only parameter written into a custom path, v2 token',
      () => bb.fhir.getCustomData('fhir/ExplanationOfBenefit/?_offset=10', v2),
      2,
      3,
      /^The search parameter _offset belongs to Blue Button API v3/,
    ],
    [
      'a v2 absolute URL, v3 token',
      () => bb.fhir.getCustomData(`${emu.baseUrl}/v2/fhir/Coverage/`, v3),
      3,
      2,
      /^The URL http:\/\/127\.0\.0\.1:\d+\/v2\/fhir\/Coverage\/ belongs to Blue Button API v2, but this token was issued under API v3/,
    ],
    [
      'a v3 path, v2 token',
      () => bb.fhir.getCustomData('/v3/fhir/Coverage/', v2),
      2,
      3,
      /^The URL .*\/v3\/fhir\/Coverage\/ belongs to Blue Button API v3/,
    ],
  ];

  it.each(refusals)('%s', async (_, call, tokenVersion, requiredVersion, message) => {
    const error = (await lastValueFrom(call()).catch(e => e)) as ApiVersionMismatchError;
    expect(error).toBeInstanceOf(ApiVersionMismatchError);
    expect([error.tokenVersion, error.requiredVersion]).toEqual([tokenVersion, requiredVersion]);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/No request was sent\.$/);
    expect(emu.requests).toEqual([]);
  });

  it('a v2 next link handed to the paginator with a v3 token, after the first page', async () => {
    const v2Page = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(v2))).data;
    emu.clearRequests();
    const error = await firstValueFrom(bb.fhir.getPages(v2Page, v3)).catch(e => e);
    expect(error).toBeInstanceOf(ApiVersionMismatchError);
    expect(error.requiredVersion).toBe(2);
    expect(emu.requests).toEqual([]);
  });
});

describe('the stored-token paths keep the version', () => {
  it('StoredTokens and sessions give back each token with its own version', async () => {
    const sessions = bb.moduleRef.get(BlueButtonSessions);
    const stored = bb.moduleRef.get(StoredTokens);
    const { cookie } = await sessions.createSession(v3);
    await stored.save('user:v2', v2);
    const fromSession = await sessions.tokenFor({ headers: { cookie } } as never);
    const fromKey = await stored.load('user:v2');
    expect([fromSession?.version, fromKey?.version]).toEqual([3, 2]);
    expect(fromSession?.accessToken).toBe(v3.accessToken);
  });

  it('a token stored by version 0.1 (no version in its JSON) loads as the configured version', async () => {
    const { version: _, ...legacy } = v3.toJSON();
    await bb.moduleRef
      .get(BlueButtonStore)
      .set('token:user:legacy', { token: legacy, version: 1 }, { version: 1 });
    const v3Module = await bootBlueButton(emu, { version: 3, scopes: SCOPES });
    try {
      await v3Module.moduleRef
        .get(BlueButtonStore)
        .set('token:user:legacy', { token: legacy, version: 1 }, { version: 1 });
      const asV2 = await bb.moduleRef.get(StoredTokens).load('user:legacy');
      const asV3 = await v3Module.moduleRef.get(StoredTokens).load('user:legacy');
      expect([asV2?.version, asV3?.version]).toEqual([2, 3]);
    } finally {
      await v3Module.close();
    }
  });
});
