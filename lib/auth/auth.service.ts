import { Injectable, Logger } from '@nestjs/common';
import { defer, firstValueFrom, type Observable } from 'rxjs';
import { LOG_CONTEXT, PENDING_AUTHORIZATION_TTL_MS } from '../common/bluebutton.constants.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import type { BlueButtonVersion } from '../config/bluebutton-options.interface.js';
import {
  AuthorizationDeniedError,
  BlueButtonConfigError,
  OAuthError,
  StateMismatchError,
} from '../errors/bluebutton.errors.js';
import { BlueButtonHttp } from '../http/bluebutton-http.service.js';
import { BlueButtonStore } from '../store/bluebutton.store.js';
import type { AuthorizationToken } from './authorization-token.js';
import { OAUTH_MAX_RESPONSE_BYTES, oauthError, tokenFromAnswer } from './oauth-answers.js';
import { createAuthData, safeEqual, type AuthData } from './pkce.js';
import { TokenRefresher } from './token-refresher.js';

/** Options of the authorize URL. */
export interface AuthorizeUrlOptions {
  /** Scopes to request (default: the configured `scopes`; required on v3). */
  scopes?: readonly string[];
  /** Language of Blue Button's pages. */
  lang?: 'en' | 'es';
}

/** Options of {@link AuthService.generateAuthData}. */
export interface AuthDataOptions {
  /** The API version to authorize for (default: the configured `version`). */
  version?: BlueButtonVersion;
}

/** Options of {@link AuthService.startAuthorization}. */
export interface StartAuthorizationOptions extends AuthorizeUrlOptions, AuthDataOptions {
  /** Where to send the browser after the callback (a same-origin path, checked by the routes). */
  returnTo?: string;
}

/** The query parameters Blue Button puts on the callback URL. */
export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/** The result of a completed authorization. */
export interface CompletedAuthorization {
  token: AuthorizationToken;
  /** The `returnTo` given to `startAuthorization`, if any. */
  returnTo?: string;
}

/** What is kept in the store between the redirect and the callback. */
interface PendingAuthorization {
  codeVerifier: string;
  returnTo?: string;
  /** Absent in logins started by version 0.1 (a rolling deploy): the configured version. */
  version?: BlueButtonVersion;
}

/**
 * The OAuth2 side of Blue Button: PKCE + state, the authorize URL, the code exchange, refresh
 * (single-flight, coordinated across instances) and revocation.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(LOG_CONTEXT);

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly http: BlueButtonHttp,
    private readonly store: BlueButtonStore,
    private readonly refresher: TokenRefresher,
  ) {}

  /**
   * Fresh `state` and PKCE verifier/challenge (32 CSPRNG bytes each, unpadded base64url, S256), for
   * a login at `options.version` (default: the configured one), which the authorize URL and the
   * code exchange of this `authData` then use.
   */
  generateAuthData(options: AuthDataOptions = {}): AuthData {
    return { ...createAuthData(), version: checkVersion(options.version ?? this.config.version) };
  }

  /**
   * The Blue Button authorize URL for `authData` (at its API version), every parameter
   * percent-encoded. A v3 authorization must ask for scopes: without any (given or configured),
   * it fails with `BlueButtonConfigError`.
   */
  generateAuthorizeUrl(authData: AuthData, options: AuthorizeUrlOptions = {}): string {
    const version = checkVersion(authData.version ?? this.config.version);
    const scopes = options.scopes ?? this.config.scopes;
    if (version === 3 && !scopes?.length) {
      throw new BlueButtonConfigError([
        {
          key: 'scopes',
          reason:
            'is required on API v3: Blue Button refuses a v3 authorization without scope. Set scopes in the configuration or pass them per call, e.g. startAuthorization({ version: 3, scopes: [...] })',
        },
      ]);
    }
    const url = new URL(`${this.config.apiBaseUrlFor(version)}/o/authorize/`);
    const params = new URLSearchParams({
      client_id: this.config.clientId,
      redirect_uri: this.config.callbackUrl,
      state: authData.state,
      response_type: 'code',
      code_challenge_method: authData.codeChallengeMethod,
      code_challenge: authData.codeChallenge,
    });
    if (scopes?.length) params.set('scope', scopes.join(' '));
    const lang = options.lang ?? this.config.lang;
    if (lang) params.set('lang', lang);
    // URLSearchParams writes spaces as "+"; Blue Button documents scopes as %20-separated.
    url.search = params.toString().replace(/\+/g, '%20');
    return url.toString();
  }

  /**
   * Validates the callback parameters against `authData` (denial, missing code, missing or
   * mismatched state — compared in constant time) and exchanges the code for a token.
   */
  getAuthorizationToken(
    authData: AuthData,
    code?: string,
    state?: string,
    error?: string,
  ): Observable<AuthorizationToken> {
    return defer(() => {
      checkCallbackError(error);
      const validCode = requireCode(code);
      if (!state) throw new StateMismatchError('The callback has no state parameter.');
      if (!safeEqual(state, authData.state)) throw new StateMismatchError();
      const version = checkVersion(authData.version ?? this.config.version);
      return this.exchangeCode(validCode, authData.codeVerifier, version);
    });
  }

  /**
   * Starts an authorization whose state and PKCE verifier live in the {@link BlueButtonStore}
   * (single use, 10-minute TTL), so no app keeps a global `authData`. Returns the URL to redirect to
   * and the state: tie it to the user's browser (the built-in routes use a cookie) and check it at
   * the callback, or another person's callback URL could log this user in as someone else.
   * `version` (default: the configured one) picks the API version: one app can log v2 users and
   * v3 early adopters in side by side; the token records it and is used at that version only.
   */
  startAuthorization(
    options: StartAuthorizationOptions = {},
  ): Observable<{ url: string; state: string }> {
    return defer(async () => {
      const authData = this.generateAuthData({ version: options.version });
      const url = this.generateAuthorizeUrl(authData, options);
      const pending: PendingAuthorization = {
        codeVerifier: authData.codeVerifier,
        returnTo: options.returnTo,
        version: authData.version,
      };
      await this.store.set(pendingKey(authData.state), pending, {
        ttlMs: PENDING_AUTHORIZATION_TTL_MS,
      });
      this.logger.debug('Authorization started');
      return { url, state: authData.state };
    });
  }

  /**
   * Completes an authorization started with {@link startAuthorization}: takes (and so invalidates)
   * the pending state, then exchanges the code at the API version the login was started for (so
   * the token is of that version). A replayed, unknown or expired state fails with
   * {@link StateMismatchError}; a denial with {@link AuthorizationDeniedError}.
   */
  completeAuthorization(params: CallbackParams): Observable<CompletedAuthorization> {
    return defer(async () => {
      const pending =
        typeof params.state === 'string' && params.state
          ? await this.store.take<PendingAuthorization>(pendingKey(params.state))
          : undefined;
      checkCallbackError(params.error, params.error_description);
      const code = requireCode(params.code);
      if (!params.state) throw new StateMismatchError('The callback has no state parameter.');
      if (!pending)
        throw new StateMismatchError('The callback state is unknown, expired or was already used.');
      const version = pending.version ?? this.config.version;
      const token = await firstValueFrom(this.exchangeCode(code, pending.codeVerifier, version));
      this.logger.log('Authorization completed');
      return { token, returnTo: pending.returnTo };
    });
  }

  /**
   * Refreshes a token. Concurrent calls for the same refresh token share one POST (across instances
   * too, through the store's lock); the old refresh token is kept if the answer omits one; the POST
   * is never retried. Fails with `ReauthorizationRequiredError` (send the user to log in again) or
   * `TokenRefreshError` (transient; the old token is still valid).
   */
  refreshAuthToken(token: AuthorizationToken): Observable<AuthorizationToken> {
    return defer(() => this.refresher.refresh(token));
  }

  /**
   * Revokes the beneficiary's grant to this app and its tokens (`POST /v{N}/o/revoke/`, N being
   * the token's version), or with `tokenOnly` just the token (`/revoke_token/`, RFC 7009).
   */
  revoke(token: AuthorizationToken, options: { tokenOnly?: boolean } = {}): Observable<void> {
    const path = options.tokenOnly ? 'revoke_token' : 'revoke';
    const form: Record<string, string> = {
      token: token.accessToken,
      client_id: this.config.clientId,
    };
    if (options.tokenOnly) form.token_type_hint = 'access_token';
    return this.http.send(
      {
        method: 'POST',
        url: `${this.config.apiBaseUrlFor(token.version)}/o/${path}/`,
        form,
        basicAuth: true,
        maxBytes: OAUTH_MAX_RESPONSE_BYTES,
      },
      res => {
        if (res.status !== 200) throw oauthError(res);
        this.logger.log('Token revoked');
      },
    );
  }

  private exchangeCode(
    code: string,
    codeVerifier: string,
    version: BlueButtonVersion,
  ): Observable<AuthorizationToken> {
    return this.http.send(
      {
        method: 'POST',
        url: `${this.config.apiBaseUrlFor(version)}/o/token/`,
        form: {
          client_id: this.config.clientId,
          client_secret: this.config.clientSecret,
          code,
          grant_type: 'authorization_code',
          redirect_uri: this.config.callbackUrl,
          code_verifier: codeVerifier,
        },
        maxBytes: OAUTH_MAX_RESPONSE_BYTES,
      },
      res => {
        if (res.status !== 200) throw oauthError(res);
        return tokenFromAnswer(res, undefined, version);
      },
    );
  }
}

/** `version` when it is an API version; a `BlueButtonConfigError` otherwise (JS callers, bad data). */
function checkVersion(version: unknown): BlueButtonVersion {
  if (version === 1 || version === 2 || version === 3) return version;
  throw new BlueButtonConfigError([
    { key: 'version', reason: `must be 1, 2 or 3 (got ${JSON.stringify(version) ?? 'nothing'})` },
  ]);
}

function pendingKey(state: string): string {
  return `auth:${state}`;
}

function checkCallbackError(error?: string, description?: string): void {
  if (!error) return;
  if (error === 'access_denied') throw new AuthorizationDeniedError();
  throw new OAuthError(error, description, undefined);
}

function requireCode(code?: string): string {
  if (!code)
    throw new OAuthError('invalid_request', 'The callback URL has no "code" parameter', undefined);
  return code;
}
