import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { AuthorizationToken, UnexpectedResponseError } from 'nestjs-bluebutton';
import { createAuthData, safeEqual } from '../../lib/auth/pkce.js';

const ACCESS = 'AccessTokenValue0123456789abcd';
const REFRESH = 'RefreshTokenValue0123456789abc';
const RESPONSE = {
  access_token: ACCESS,
  expires_in: 3600,
  token_type: 'Bearer',
  scope:
    'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs profile openid launch/patient',
  refresh_token: REFRESH,
  patient: '-19990000000001',
  access_grant_expiration: '2027-12-21T14:05:00Z',
};
const RECEIVED = Date.parse('2026-11-23T12:00:00Z');

describe('AuthorizationToken.fromTokenResponse', () => {
  it('counts expiresAt from when the response arrived', () => {
    const token = AuthorizationToken.fromTokenResponse(RESPONSE, RECEIVED);
    expect(token.expiresAt.toISOString()).toBe('2026-11-23T13:00:00.000Z');
    expect(token.scope).toEqual(RESPONSE.scope.split(' '));
    expect(token.accessGrantExpiration?.toISOString()).toBe('2027-12-21T14:05:00.000Z');
  });

  it.each([
    ['a fractional number', 16768.523842, 16768523.842],
    ['a numeric string', '3600', 3_600_000],
    ['a fractional string', '36000.5', 36_000_500],
  ])('accepts expires_in as %s', (_, expiresIn, ms) => {
    const token = AuthorizationToken.fromTokenResponse(
      { ...RESPONSE, expires_in: expiresIn },
      RECEIVED,
    );
    expect(token.expiresAt.getTime() - RECEIVED).toBe(Math.trunc(ms)); // Date keeps whole milliseconds
  });

  it.each([
    ['the docs format with a space', '2025-09-05 19:17:53Z', '2025-09-05T19:17:53.000Z'],
    ['an empty string (research apps)', '', null],
  ])('parses access_grant_expiration in %s', (_, value, expected) => {
    const token = AuthorizationToken.fromTokenResponse(
      { ...RESPONSE, access_grant_expiration: value },
      RECEIVED,
    );
    expect(token.accessGrantExpiration?.toISOString() ?? null).toBe(expected);
  });

  it.each([
    ['no access_token', { access_token: undefined }],
    ['a negative expires_in', { expires_in: -5 }],
    ['a non-numeric expires_in', { expires_in: 'soon' }],
    ['an unparseable grant expiration', { access_grant_expiration: 'next year' }],
  ])('rejects %s with UnexpectedResponseError', (_, patch) => {
    expect(() => AuthorizationToken.fromTokenResponse({ ...RESPONSE, ...patch }, RECEIVED)).toThrow(
      UnexpectedResponseError,
    );
  });

  it('keeps the previous refresh token and patient when a refresh answer omits them (RFC 6749 §6)', () => {
    const previous = AuthorizationToken.fromTokenResponse(RESPONSE, RECEIVED);
    const refreshed = AuthorizationToken.fromTokenResponse(
      { access_token: 'new-access', expires_in: 3600, token_type: 'Bearer', scope: 'profile' },
      RECEIVED + 1000,
      previous,
    );
    expect([refreshed.refreshToken, refreshed.patient, refreshed.accessGrantExpiration]).toEqual([
      REFRESH,
      '-19990000000001',
      previous.accessGrantExpiration,
    ]);
    expect(previous.canRefresh).toBe(true);
    const noRefresh = AuthorizationToken.fromTokenResponse(
      { ...RESPONSE, refresh_token: undefined },
      RECEIVED,
    );
    expect(noRefresh.canRefresh).toBe(false);
  });
});

describe('serialization', () => {
  const token = AuthorizationToken.fromTokenResponse(
    { ...RESPONSE, expires_in: 3600.25 },
    RECEIVED,
  );

  it('round-trips exactly through toJSON() / fromJSON(), as an object and as text', () => {
    const json = token.toJSON();
    expect(json).toEqual({
      accessToken: ACCESS,
      refreshToken: REFRESH,
      tokenType: 'Bearer',
      expiresIn: 3600.25,
      expiresAt: '2026-11-23T13:00:00.250Z',
      scope: RESPONSE.scope.split(' '),
      patient: '-19990000000001',
      accessGrantExpiration: '2027-12-21T14:05:00.000Z',
      version: 2,
    });
    expect(AuthorizationToken.fromJSON(json).toJSON()).toEqual(json);
    expect(AuthorizationToken.fromJSON(JSON.stringify(token.toJSON())).toJSON()).toEqual(json);
  });

  it('shows no secret through console.log, util.inspect, JSON.stringify or object spread', () => {
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const logged: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => logged.push(args.map(a => inspect(a)).join(' '));
    try {
      console.log(token);
      console.log({ user: 'x', token });
    } finally {
      console.log = original;
      spy.mockRestore();
    }
    const renderings = [
      ...logged,
      inspect(token),
      JSON.stringify(token),
      JSON.stringify({ session: { token } }),
      inspect({ ...token }),
      String(token),
    ];
    for (const text of renderings) {
      expect(text).not.toContain(ACCESS);
      expect(text).not.toContain(REFRESH);
    }
    expect(JSON.parse(JSON.stringify(token)).accessToken).toBe('[redacted]');
  });

  it('refuses to restore a redacted form instead of producing a token that cannot work', () => {
    expect(() => AuthorizationToken.fromJSON(JSON.stringify(token))).toThrow(/accessToken/);
  });

  it('names only the position of broken JSON text, never the tokens around it', () => {
    const broken = JSON.stringify(token.toJSON()).replace(`"${ACCESS}"`, ACCESS);
    expect(() => AuthorizationToken.fromJSON(broken)).toThrow(
      /^AuthorizationToken\.fromJSON: the text is not valid JSON( \(at position \d+\))?$/,
    );
  });
});

describe('the API version', () => {
  const v3 = AuthorizationToken.fromTokenResponse(RESPONSE, RECEIVED, undefined, 3);

  it('is recorded from the token endpoint that answered, and kept by a refresh', () => {
    const refreshed = AuthorizationToken.fromTokenResponse(
      { access_token: 'NewAccessTokenValue0123456789', expires_in: 3600 },
      RECEIVED,
      v3,
    );
    expect([v3.version, refreshed.version]).toEqual([3, 3]);
    expect(AuthorizationToken.fromTokenResponse(RESPONSE, RECEIVED).version).toBe(2);
  });

  it('round-trips through toJSON() / fromJSON(), whatever the default', () => {
    const json = v3.toJSON();
    expect(json.version).toBe(3);
    expect(AuthorizationToken.fromJSON(json, { defaultVersion: 2 }).version).toBe(3);
    expect(AuthorizationToken.fromJSON(JSON.stringify(json)).version).toBe(3);
  });

  it('of JSON saved without one (version 0.1) is the default given, else 2', () => {
    const { version: _, ...legacy } = v3.toJSON();
    expect(AuthorizationToken.fromJSON(legacy, { defaultVersion: 3 }).version).toBe(3);
    expect(AuthorizationToken.fromJSON(legacy).version).toBe(2);
  });

  it.each([4, '3', null, 2.5])('refuses version %j, naming the field only', version => {
    expect(() => AuthorizationToken.fromJSON({ ...v3.toJSON(), version } as never)).toThrow(
      /^AuthorizationToken\.fromJSON: "version" is missing or invalid$/,
    );
  });
});

describe('isExpired and hasScope', () => {
  const token = AuthorizationToken.fromTokenResponse(
    {
      ...RESPONSE,
      scope:
        'patient/Coverage.rs patient/ExplanationOfBenefit.r patient/Patient.read launch/patient',
    },
    RECEIVED,
  );

  it('applies the skew', () => {
    const expiry = token.expiresAt.getTime();
    expect([
      token.isExpired(0, expiry - 61_000),
      token.isExpired(60_000, expiry - 61_000),
      token.isExpired(60_000, expiry - 59_000),
    ]).toEqual([false, false, true]);
  });

  it.each([
    ['patient/Coverage.rs', true],
    ['patient/Coverage.r', true],
    ['patient/Coverage.s', true],
    ['patient/Coverage.read', true],
    ['patient/ExplanationOfBenefit.r', true],
    ['patient/ExplanationOfBenefit.s', false],
    ['patient/ExplanationOfBenefit.rs', false],
    ['patient/Patient.rs', true],
    ['patient/Patient.s', true],
    ['profile', false],
    ['launch/patient', true],
    ['patient/Coverage.c', false],
  ])('%s → %s', (scope, expected) => expect(token.hasScope(scope)).toBe(expected));

  it('lets a wildcard grant cover every resource', () => {
    const wide = AuthorizationToken.fromTokenResponse(
      { ...RESPONSE, scope: 'patient/*.rs' },
      RECEIVED,
    );
    expect(wide.hasScope('patient/ExplanationOfBenefit.read')).toBe(true);
  });
});

describe('PKCE and state', () => {
  it('are RFC 7636 exact: 43 unreserved chars from a CSPRNG, S256 challenge, all distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const data = createAuthData();
      expect(data.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(data.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(data.codeChallenge).toBe(
        createHash('sha256').update(data.codeVerifier).digest('base64url'),
      );
      expect(data.codeChallengeMethod).toBe('S256');
      seen.add(data.codeVerifier).add(data.state);
    }
    expect(seen.size).toBe(400);
  });

  it('compares states of any length without throwing', () => {
    expect([safeEqual('abc', 'abc'), safeEqual('abc', 'abcd'), safeEqual('', 'x')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
