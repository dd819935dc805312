import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from './clock.js';

/** API generation a code or token was issued on (v1 and v2 share patient ids). */
export type ApiVersion = 'v1' | 'v2' | 'v3';

/** An authorization code and everything it is bound to. */
export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  /** Stored without `=` padding, like BB2's PKCE validator. */
  codeChallenge: string;
  username: string;
  scopes: string[];
  version: ApiVersion;
  expiresAt: number;
  shareSamhsa: boolean;
}

/** An access token (DOT `AccessToken`). */
export interface AccessToken {
  token: string;
  clientId: string;
  username: string;
  scopes: string[];
  version: ApiVersion;
  issuedAt: number;
  expiresAt: number;
  refreshToken: string;
  /** BB2's `AccessTokenExtension.include_samhsa` (the v3 consent choice; carried over by refresh). */
  shareSamhsa: boolean;
  /** BB2's `AccessTokenExtension.part_d_eob_only` (carried over by refresh). */
  partDEobOnly: boolean;
}

/** A refresh token (DOT `RefreshToken`); revoked ones are kept so reuse is recognised. */
export interface RefreshToken {
  token: string;
  clientId: string;
  username: string;
  scopes: string[];
  version: ApiVersion;
  /** The access token issued with it; cleared when that access token is revoked. */
  accessToken: string | undefined;
  revoked: boolean;
  shareSamhsa: boolean;
  partDEobOnly: boolean;
}

/** A BB2 DataAccessGrant: one per (application, beneficiary). */
export interface DataAccessGrant {
  clientId: string;
  username: string;
  createdAt: number;
  /** THIRTEEN_MONTH expiry; null when the grant never expires. */
  expiresAt: number | null;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A CSPRNG alphanumeric string (codes and tokens are 30 characters on BB2). */
export function randomAlnum(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 248) out += ALNUM[b % 62];
  }
  return out.length === length ? out : out + randomAlnum(length - out.length);
}

/** Python `relativedelta(months=+n)`: calendar months, day clamped to the month's end. */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(
    y,
    m,
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** In-memory OAuth state: codes, tokens and grants, all timed by the emulator clock. */
export class OAuthStore {
  readonly codes = new Map<string, AuthCode>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly grants = new Map<string, DataAccessGrant>();
  /** Token values (access and refresh) ever issued to each (app, beneficiary) pair. */
  private readonly pairs = new Map<string, Set<string>>();

  /** All expiry follows the emulator clock. */
  constructor(private readonly clock: EmulatorClock) {}

  /** Key of the grant map. */
  static grantKey(clientId: string, username: string): string {
    return `${clientId}\u0000${username}`;
  }

  /** Stores a new 60-second authorization code. */
  issueCode(c: Omit<AuthCode, 'code' | 'expiresAt'>): AuthCode {
    const code: AuthCode = { ...c, code: randomAlnum(30), expiresAt: this.clock.now() + 60_000 };
    this.codes.set(code.code, code);
    return code;
  }

  /** Issues a fresh access + refresh token pair. */
  issueTokens(
    t: Pick<
      AccessToken,
      'clientId' | 'username' | 'scopes' | 'version' | 'shareSamhsa' | 'partDEobOnly'
    >,
    expiresInSeconds: number,
  ): { access: AccessToken; refresh: RefreshToken } {
    const now = this.clock.now();
    const refreshValue = randomAlnum(30);
    const access: AccessToken = {
      ...t,
      token: randomAlnum(30),
      issuedAt: now,
      expiresAt: now + expiresInSeconds * 1000,
      refreshToken: refreshValue,
    };
    const refresh: RefreshToken = {
      ...t,
      token: refreshValue,
      accessToken: access.token,
      revoked: false,
    };
    this.accessTokens.set(access.token, access);
    this.refreshTokens.set(refresh.token, refresh);
    const key = OAuthStore.grantKey(t.clientId, t.username);
    const issued = this.pairs.get(key) ?? new Set<string>();
    issued.add(access.token).add(refresh.token);
    this.pairs.set(key, issued);
    return { access, refresh };
  }

  /** DOT `AccessToken.revoke()`: the token goes, and its refresh token can no longer be used. */
  revokeAccessToken(token: string): void {
    const access = this.accessTokens.get(token);
    if (!access) return;
    this.accessTokens.delete(token);
    const refresh = this.refreshTokens.get(access.refreshToken);
    if (refresh) {
      refresh.revoked = true;
      refresh.accessToken = undefined;
    }
  }

  /** DOT `RefreshToken.revoke()`: revokes the refresh token and deletes its access token. */
  revokeRefreshToken(token: string): void {
    const refresh = this.refreshTokens.get(token);
    if (!refresh) return;
    refresh.revoked = true;
    if (refresh.accessToken) this.accessTokens.delete(refresh.accessToken);
    refresh.accessToken = undefined;
  }

  /** Deletes the access tokens and revokes the refresh tokens of an (app, beneficiary) pair. */
  revokeTokensFor(clientId: string, username: string): void {
    // The pair index keeps this O(tokens of the pair), so thousands of beneficiaries stay cheap.
    for (const value of this.pairs.get(OAuthStore.grantKey(clientId, username)) ?? []) {
      this.accessTokens.delete(value);
      const r = this.refreshTokens.get(value);
      if (r) {
        r.revoked = true;
        r.accessToken = undefined;
      }
    }
  }

  /**
   * BB2's `remove_application_user_pair_tokens_data_access(app, user, False, True)` after a new
   * authorization (2e2d4da22): the pair's access and refresh tokens are deleted outright, so an old
   * refresh token is then unknown ("Refresh token not found.") rather than revoked.
   */
  deleteTokensFor(clientId: string, username: string): void {
    const key = OAuthStore.grantKey(clientId, username);
    for (const value of this.pairs.get(key) ?? []) {
      this.accessTokens.delete(value);
      this.refreshTokens.delete(value);
    }
    this.pairs.delete(key);
  }

  /** The grant of a pair, if any. */
  grant(clientId: string, username: string): DataAccessGrant | undefined {
    return this.grants.get(OAuthStore.grantKey(clientId, username));
  }

  /** Creates or renews a grant. */
  upsertGrant(clientId: string, username: string, expiresAt: number | null): DataAccessGrant {
    const g: DataAccessGrant = { clientId, username, createdAt: this.clock.now(), expiresAt };
    this.grants.set(OAuthStore.grantKey(clientId, username), g);
    return g;
  }

  /** Deletes a grant; like BB2's signal, this also kills the pair's tokens. */
  deleteGrant(clientId: string, username: string): boolean {
    const existed = this.grants.delete(OAuthStore.grantKey(clientId, username));
    if (existed) this.revokeTokensFor(clientId, username);
    return existed;
  }

  /** Forgets everything. */
  clear(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.grants.clear();
    this.pairs.clear();
  }
}
