import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AuthorizationToken } from '../../auth/authorization-token.js';
import { StoredTokens } from '../../auth/stored-tokens.js';
import { LOG_CONTEXT } from '../../common/bluebutton.constants.js';
import { BlueButtonClock } from '../../common/clock.js';
import { BlueButtonConfig } from '../../config/bluebutton-config.js';
import { BlueButtonConfigError } from '../../errors/bluebutton.errors.js';
import {
  cookieAttributes,
  headerOf,
  httpAdapterOf,
  isSecureRequest,
  type BlueButtonHttpRequest,
} from '../request/http-request.js';
import { BuiltInRoutePaths } from './built-in-route-paths.js';
import { readCookie, serializeCookie, signSession, verifySession } from './session-cookie.js';

/**
 * Per-user token storage keyed by a session: by default a signed (HMAC), httpOnly, SameSite=Lax
 * cookie set at login; with the `tokenKey` option, the app's own session or user id instead.
 * Cookies are written through the app's HTTP adapter, so Express and Fastify answer alike.
 */
@Injectable()
export class BlueButtonSessions {
  private readonly logger = new Logger(LOG_CONTEXT);
  private secret?: string;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly storedTokens: StoredTokens,
    private readonly adapterHost: HttpAdapterHost,
    private readonly routePaths: BuiltInRoutePaths,
    // The cookie's expiry follows the same time as the stored session's TTL.
    private readonly clock: BlueButtonClock,
  ) {}

  /**
   * Where the 401 answers send the user to log in: the built-in login route as the browser sees it
   * (global prefix, `RouterModule` path and version included), if the routes are on.
   */
  get loginUrl(): string | undefined {
    return this.routePaths.login;
  }

  /** The store key of this request's token: the app's `tokenKey`, or the verified session cookie. */
  keyFor(req: BlueButtonHttpRequest): string | undefined {
    if (this.config.tokenKey) {
      const key = this.config.tokenKey(req);
      return typeof key === 'string' && key ? `user:${key}` : undefined;
    }
    const cookie = readCookie(headerOf(req, 'cookie'), this.config.session.cookieName);
    const sessionId = verifySession(cookie, this.cookieSecret(), this.clock.now());
    return sessionId ? `session:${sessionId}` : undefined;
  }

  /** This request's stored token, if any. Refreshes of it are written back automatically. */
  async tokenFor(req: BlueButtonHttpRequest): Promise<AuthorizationToken | undefined> {
    const key = this.keyFor(req);
    return key ? this.storedTokens.load(key) : undefined;
  }

  /**
   * Stores a new login's token: under the app's `tokenKey`, or under a fresh session id whose signed
   * cookie is set on `res`, the adapter's response object (a new id at every login, so a planted
   * session id is worthless).
   */
  async startSession(
    req: BlueButtonHttpRequest,
    res: unknown,
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
    const adapter = httpAdapterOf(this.adapterHost);
    // The secret first: a refused session (PRODUCTION without one) must not leave a stored token behind.
    const secret = this.cookieSecret();
    if (previous) await this.storedTokens.remove(previous);
    const { value, ttlMs } = await this.storeSession(token, secret);
    adapter.setCookie(
      res,
      this.config.session.cookieName,
      value,
      cookieAttributes(ttlMs, this.secure(req)),
    );
  }

  /**
   * Stores `token` under a new cookie session and returns the cookie: `cookie` for a `Cookie`
   * request header (handy in tests with supertest), `setCookie` for a `Set-Cookie` response header.
   */
  async createSession(
    token: AuthorizationToken,
    secure = this.secure(),
  ): Promise<{ cookie: string; setCookie: string }> {
    const { value, ttlMs } = await this.storeSession(token, this.cookieSecret());
    const name = this.config.session.cookieName;
    return {
      cookie: `${name}=${encodeURIComponent(value)}`,
      setCookie: serializeCookie(name, value, { maxAgeMs: ttlMs, secure }),
    };
  }

  /** Forgets this request's token and clears the cookie on `res`; returns the token (e.g. to revoke it). */
  async endSession(
    req: BlueButtonHttpRequest,
    res: unknown,
  ): Promise<AuthorizationToken | undefined> {
    const key = this.keyFor(req);
    const token = key ? await this.storedTokens.load(key) : undefined;
    if (key) await this.storedTokens.remove(key);
    if (!this.config.tokenKey) {
      httpAdapterOf(this.adapterHost).clearCookie(
        res,
        this.config.session.cookieName,
        cookieAttributes(0, this.secure(req)),
      );
    }
    return token;
  }

  private async storeSession(token: AuthorizationToken, secret: string) {
    const sessionId = randomBytes(24).toString('base64url');
    const { ttlMs } = this.config.session;
    await this.storedTokens.save(`session:${sessionId}`, token);
    return { value: signSession(sessionId, this.clock.now() + ttlMs, secret), ttlMs };
  }

  private secure(req?: BlueButtonHttpRequest): boolean {
    return isSecureRequest(req, this.config.callbackUrl);
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
