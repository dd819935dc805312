import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { StoredTokens } from '../auth/stored-tokens.js';
import { LOG_CONTEXT, PENDING_AUTHORIZATION_TTL_MS } from '../bluebutton.constants.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import { BlueButtonConfigError } from '../errors/bluebutton.errors.js';
import { readCookie, serializeCookie, signSession, verifySession } from './session-cookie.js';

/** The parts of an HTTP request and response the sessions read and write (Express and Node alike). */
export interface SessionRequest {
  headers: Record<string, string | string[] | undefined>;
  secure?: boolean;
}
/** See {@link SessionRequest}. */
export interface SessionResponse {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string | string[]): unknown;
}

/**
 * Per-user token storage keyed by a session: by default a signed (HMAC), httpOnly, SameSite=Lax
 * cookie set at login; with the `tokenKey` option, the app's own session or user id instead.
 */
@Injectable()
export class BlueButtonSessions {
  private readonly logger = new Logger(LOG_CONTEXT);
  private secret?: string;
  /** The path of `callbackUrl`: where the callback route answers and the login cookie is sent. */
  readonly callbackPath: string;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly storedTokens: StoredTokens,
  ) {
    this.callbackPath = new URL(config.callbackUrl).pathname;
  }

  /** Where the 401 answers send the user to log in (the built-in login route), if enabled. */
  get loginUrl(): string | undefined {
    return this.config.routes?.login;
  }

  /** The store key of this request's token: the app's `tokenKey`, or the verified session cookie. */
  keyFor(req: SessionRequest): string | undefined {
    if (this.config.tokenKey) {
      const key = this.config.tokenKey(req);
      return typeof key === 'string' && key ? `user:${key}` : undefined;
    }
    const cookie = readCookie(headerOf(req, 'cookie'), this.config.session.cookieName);
    const sessionId = verifySession(cookie, this.cookieSecret());
    return sessionId ? `session:${sessionId}` : undefined;
  }

  /** This request's stored token, if any. Refreshes of it are written back automatically. */
  async tokenFor(req: SessionRequest): Promise<AuthorizationToken | undefined> {
    const key = this.keyFor(req);
    return key ? this.storedTokens.load(key) : undefined;
  }

  /**
   * Stores a new login's token: under the app's `tokenKey`, or under a fresh session id whose signed
   * cookie is set on `res` (a new id at every login, so a planted session id is worthless).
   */
  async startSession(
    req: SessionRequest,
    res: SessionResponse,
    token: AuthorizationToken,
  ): Promise<void> {
    const previous = this.keyFor(req);
    if (this.config.tokenKey) {
      if (!previous)
        throw new Error(
          'tokenKey(req) returned no key: log the user in to your app before Blue Button',
        );
      return this.storedTokens.save(previous, token);
    }
    if (previous) await this.storedTokens.remove(previous);
    appendSetCookie(res, (await this.createSession(token, this.secure(req))).setCookie);
  }

  /**
   * Stores `token` under a new cookie session and returns the cookie: `cookie` for a `Cookie`
   * request header (handy in tests with supertest), `setCookie` for a `Set-Cookie` response header.
   */
  async createSession(
    token: AuthorizationToken,
    secure = this.secure(),
  ): Promise<{ cookie: string; setCookie: string }> {
    // The secret first: a refused session (PRODUCTION without one) must not leave a stored token behind.
    const secret = this.cookieSecret();
    const sessionId = randomBytes(24).toString('base64url');
    const { cookieName, ttlMs } = this.config.session;
    await this.storedTokens.save(`session:${sessionId}`, token);
    const value = signSession(sessionId, Date.now() + ttlMs, secret);
    return {
      cookie: `${cookieName}=${encodeURIComponent(value)}`,
      setCookie: serializeCookie(cookieName, value, { maxAgeMs: ttlMs, secure }),
    };
  }

  /** Forgets this request's token and clears the cookie; returns the token (e.g. to revoke it). */
  async endSession(
    req: SessionRequest,
    res: SessionResponse,
  ): Promise<AuthorizationToken | undefined> {
    const key = this.keyFor(req);
    const token = key ? await this.storedTokens.load(key) : undefined;
    if (key) await this.storedTokens.remove(key);
    if (!this.config.tokenKey) {
      appendSetCookie(
        res,
        serializeCookie(this.config.session.cookieName, '', {
          maxAgeMs: 0,
          secure: this.secure(req),
        }),
      );
    }
    return token;
  }

  /**
   * Ties a login to the browser that starts it (RFC 6749 §10.12): a 10-minute httpOnly cookie,
   * sent only to the callback path, holding a hash of `state`. Without it, anyone could send a
   * victim a callback URL from a login of their own and connect the victim's session to the
   * attacker's Medicare account. One cookie per login, so logins started in two tabs both work.
   */
  bindLogin(req: SessionRequest, res: SessionResponse, state: string): void {
    const hash = stateHash(state);
    appendSetCookie(
      res,
      serializeCookie(this.loginCookieName(hash), hash, {
        maxAgeMs: PENDING_AUTHORIZATION_TTL_MS,
        secure: this.secure(req),
        path: this.callbackPath,
      }),
    );
  }

  /** True when this browser started the login whose `state` came back; then clears its cookie. */
  checkLogin(req: SessionRequest, res: SessionResponse, state: string | undefined): boolean {
    if (!state) return false;
    const hash = stateHash(state);
    const name = this.loginCookieName(hash);
    const bound = readCookie(headerOf(req, 'cookie'), name);
    if (!bound) return false;
    const expected = Buffer.from(hash);
    const given = Buffer.from(bound);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    appendSetCookie(
      res,
      serializeCookie(name, '', { maxAgeMs: 0, secure: this.secure(req), path: this.callbackPath }),
    );
    return true;
  }

  /**
   * `<cookieName>_login_<8 characters of the state's hash>`. A `__Host-` prefix becomes
   * `__Secure-`: browsers refuse `__Host-` cookies whose Path is not `/`.
   */
  private loginCookieName(hash: string): string {
    const base = this.config.session.cookieName.replace(/^__Host-/, '__Secure-');
    return `${base}_login_${hash.slice(0, 8)}`;
  }

  private secure(req?: SessionRequest): boolean {
    return req?.secure === true || this.config.callbackUrl.startsWith('https:');
  }

  private cookieSecret(): string {
    if (this.config.session.secret) return this.config.session.secret;
    if (!this.secret) {
      if (this.config.environment === 'PRODUCTION') {
        throw new BlueButtonConfigError([
          {
            key: 'session.secret',
            reason: 'is required in PRODUCTION to sign session cookies (or set tokenKey)',
          },
        ]);
      }
      this.secret = randomBytes(32).toString('base64url');
      this.logger.warn(
        'No session.secret configured: signing session cookies with a random key. Sessions will not survive a restart or work across instances.',
      );
    }
    return this.secret;
  }
}

function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

function headerOf(req: SessionRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join('; ') : value;
}

function appendSetCookie(res: SessionResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = Array.isArray(existing) ? existing.map(String) : existing ? [String(existing)] : [];
  res.setHeader('Set-Cookie', [...list, cookie]);
}
