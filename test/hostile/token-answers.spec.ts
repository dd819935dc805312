import { inspect } from 'node:util';
import {
  AuthorizationToken,
  OAuthError,
  TokenRefreshError,
  UnexpectedResponseError,
  type AuthorizationTokenJSON,
} from 'nestjs-bluebutton';
import { firstValueFrom } from 'rxjs';
import { HostileServer, json } from '../support/hostile-server.js';
import { SecretLedger } from '../support/secret-ledger.js';
import { bootAgainst, failure, recordWireSecrets, type HostileApp } from './harness.js';

/**
 * Family 5: a token answer with a huge `expires_in` used to give an Invalid Date (never expired;
 * inspect, JSON.stringify and session creation threw RangeError). Only a finite `expires_in` in
 * [0, 366 days] is accepted, no Invalid Date can be built, and a `token_type` other than Bearer is
 * an OAuthError.
 */

const TOKEN = '/v2/o/token/';
const ledger = new SecretLedger();
let server: HostileServer;
let app: HostileApp;

beforeAll(async () => {
  server = await HostileServer.start();
  app = await bootAgainst(server, ledger);
});
afterEach(() => recordWireSecrets(server, ledger));
beforeEach(() => server.reset());
afterAll(async () => {
  await app?.close();
  await server?.close();
  ledger.expectClean('token answers');
});

/** A token endpoint answer with fresh tokens and these fields changed. */
function answer(patch: Record<string, unknown>) {
  return {
    access_token: ledger.secret('access'),
    refresh_token: ledger.secret('refresh'),
    token_type: 'Bearer',
    expires_in: 36000,
    scope: 'patient/ExplanationOfBenefit.rs',
    patient: '-19990000000001',
    ...patch,
  };
}

/** Exchanges a fresh code; the token endpoint gives `body`. */
function exchange(body: unknown) {
  server.route(TOKEN, json(200, body));
  const authData = app.auth.generateAuthData();
  ledger.add(authData.codeVerifier);
  return firstValueFrom(
    app.auth.getAuthorizationToken(authData, ledger.secret('code'), authData.state),
  );
}

/** Every rendering of a token must work: an Invalid Date would make these throw. */
function expectRenderable(token: AuthorizationToken): void {
  expect(Number.isFinite(token.expiresAt.getTime())).toBe(true);
  expect(() => [inspect(token), JSON.stringify(token), token.toJSON()]).not.toThrow();
  expect(AuthorizationToken.fromJSON(token.toJSON()).expiresAt).toEqual(token.expiresAt);
}

describe('expires_in', () => {
  it.each([
    ['1e13', 1e13],
    ['"9e15"', '9e15'],
    ['1e308', 1e308],
    ['"1e999" (Infinity)', '1e999'],
    ['-1', -1],
    ['366 days and 1 second', 366 * 24 * 3600 + 1],
    ['"NaN"', 'NaN'],
    ['true', true],
  ])('%s → UnexpectedResponseError after 1 POST', async (_, expiresIn) => {
    const error = ledger.error(await failure(() => exchange(answer({ expires_in: expiresIn }))));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).problem).toBe(
      'expires_in is missing or not a number of seconds between 0 and 31622400',
    );
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });

  it.each([
    ['0 (already expired)', 0, true],
    ['"36000.5"', '36000.5', false],
    ['366 days exactly', 366 * 24 * 3600, false],
  ])('%s is accepted and gives a real date', async (_, expiresIn, expired) => {
    const token = await exchange(answer({ expires_in: expiresIn }));
    expect(token.isExpired()).toBe(expired);
    expectRenderable(token);
  });

  it('on refresh, 1e13 → TokenRefreshError after 1 POST (never an unusable token)', async () => {
    server.route(TOKEN, json(200, answer({ expires_in: 1e13 })));
    const error = ledger.error(
      await failure(() => firstValueFrom(app.auth.refreshAuthToken(ledger.token()))),
    );
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect((error as TokenRefreshError).detail).toMatch(/^expires_in is missing or not a number/);
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });
});

describe('token_type', () => {
  it.each(['mac', 'DPoP', 'N_A', ''])('"%s" → OAuthError after 1 POST', async tokenType => {
    const error = ledger.error(await failure(() => exchange(answer({ token_type: tokenType }))));
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'unsupported_token_type', status: 200 });
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });

  it('"mac" on a refresh → OAuthError after 1 POST', async () => {
    server.route(TOKEN, json(200, answer({ token_type: 'mac' })));
    const error = ledger.error(
      await failure(() => firstValueFrom(app.auth.refreshAuthToken(ledger.token()))),
    );
    expect(error).toBeInstanceOf(OAuthError);
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });

  it.each(['bearer', 'BEARER', 'Bearer'])('"%s" is Bearer', async tokenType => {
    const token = await exchange(answer({ token_type: tokenType }));
    expect(token.tokenType).toBe('Bearer');
  });
});

/** A stored token's JSON, fresh secrets inside. */
const storedJson = (): AuthorizationTokenJSON => ledger.token().toJSON();

describe('AuthorizationToken.fromJSON on stored values that were tampered with', () => {
  it.each([
    ['expiresIn 1e308', { expiresIn: 1e308 }, 'expiresIn'],
    ['expiresIn Infinity', { expiresIn: Infinity }, 'expiresIn'],
    ['expiresAt not a date', { expiresAt: 'soon' }, 'expiresAt'],
    ['tokenType mac', { tokenType: 'mac' }, 'tokenType'],
  ])('%s → TypeError naming the field', (_, patch, field) => {
    expect(() => AuthorizationToken.fromJSON({ ...storedJson(), ...patch })).toThrow(
      new TypeError(`AuthorizationToken.fromJSON: "${field}" is missing or invalid`),
    );
  });

  it('the constructor refuses an Invalid Date', () => {
    expect(
      () =>
        new AuthorizationToken({
          accessToken: 'a'.repeat(20),
          expiresIn: 1e13,
          expiresAt: new Date(Date.now() + 1e16),
        }),
    ).toThrow(new TypeError('AuthorizationToken: expiresAt is not a valid date'));
  });
});
