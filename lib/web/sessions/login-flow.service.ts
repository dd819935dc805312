import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  Logger,
  MethodNotAllowedException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import { AuthService } from '../../auth/auth.service.js';
import { LOG_CONTEXT } from '../../common/bluebutton.constants.js';
import { BlueButtonConfig } from '../../config/bluebutton-config.js';
import type { BlueButtonVersion } from '../../config/bluebutton-options.interface.js';
import { CONFIG_DEFAULTS } from '../../config/config.defaults.js';
import {
  AuthorizationDeniedError,
  OAuthError,
  StateMismatchError,
} from '../../errors/bluebutton.errors.js';
import { BlueButtonSessions } from './bluebutton-sessions.service.js';
import { httpAdapterOf, type BlueButtonHttpRequest } from '../request/http-request.js';
import { LoginBinding } from './login-binding.js';
import { describeError } from './log-safe.js';
import { isCrossSite, sameSitePath } from '../request/same-site.js';

/** A redirect, as a handler decorated with `@Redirect()` returns it. */
export interface BlueButtonRedirect {
  url: string;
  statusCode: number;
}

/** Why a login did not complete, as sent in `?bluebutton_error=` to the failure redirect. */
export type BlueButtonLoginErrorCode =
  'access_denied' | 'state_mismatch' | 'oauth_error' | 'server_error' | 'login_failed';

/** The callback's redirect, with the reason when the login did not complete. */
export interface BlueButtonCallbackRedirect extends BlueButtonRedirect {
  error?: BlueButtonLoginErrorCode;
}

/** Options of {@link BlueButtonLoginFlow.login}. */
export interface BlueButtonLoginOptions {
  /** Same-site path to come back to after the callback. Default: the `returnTo` query parameter. */
  returnTo?: string;
  /** Scopes to ask for (default: the configured `scopes`; required on v3). */
  scopes?: readonly string[];
  /** The API version to connect through (default: the configured `version`), e.g. 3 for a v3 button. */
  version?: BlueButtonVersion;
  /** Where a login that cannot start goes (with `?bluebutton_error=login_failed`). */
  failureRedirect?: string;
}

/** Options of {@link BlueButtonLoginFlow.callback}; defaults come from the `routes` option, else `/`. */
export interface BlueButtonCallbackOptions {
  successRedirect?: string;
  failureRedirect?: string;
}

/** Options of {@link BlueButtonLoginFlow.logout}; the default comes from the `routes` option, else `/`. */
export interface BlueButtonLogoutOptions {
  redirect?: string;
}

/**
 * The login, callback and logout handling of the built-in routes, for apps that serve those routes
 * from their own controller: call each method with the request and the response (`@Req()`,
 * `@Res({ passthrough: true })`) from a handler decorated with `@Redirect()`, and return its result.
 * It binds each login to its browser (a cookie checked at the callback), keeps the session and
 * writes every header through the app's HTTP adapter, so it answers the same on Express and Fastify.
 */
@Injectable()
export class BlueButtonLoginFlow {
  private readonly logger = new Logger(LOG_CONTEXT);
  /** The app's public origin, from `callbackUrl`: a logout posted from it is same-site. */
  private readonly publicOrigin: string;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly auth: AuthService,
    private readonly sessions: BlueButtonSessions,
    private readonly binding: LoginBinding,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.publicOrigin = new URL(config.callbackUrl).origin;
  }

  /**
   * Starts a login: keeps its state and PKCE verifier in the store, binds it to this browser, and
   * returns the redirect to Blue Button. A `returnTo` that is not a path on this site is a 400.
   */
  async login(
    req: BlueButtonHttpRequest,
    res: unknown,
    options: BlueButtonLoginOptions = {},
  ): Promise<BlueButtonRedirect> {
    const asked = options.returnTo ?? this.query(req).get('returnTo') ?? undefined;
    const returnTo = asked === undefined ? undefined : sameSitePath(asked);
    if (asked !== undefined && returnTo === undefined) {
      throw new BadRequestException('returnTo must be a path on this site, such as /claims');
    }
    try {
      const { url, state } = await firstValueFrom(
        this.auth.startAuthorization({
          returnTo,
          scopes: options.scopes,
          version: options.version,
        }),
      );
      this.binding.bind(req, res, state);
      return redirect(url);
    } catch (error) {
      this.logger.warn(`Could not start a Blue Button login: ${describeError(error)}`);
      return redirect(
        withError(options.failureRedirect ?? this.route('failureRedirect'), 'login_failed'),
      );
    }
  }

  /**
   * Completes the login Blue Button redirected back with: checks that this browser started it,
   * exchanges the code, starts the session, and redirects to `returnTo` or the success path. Every
   * failure — a denial included — redirects to the failure path with `?bluebutton_error=<code>`.
   */
  async callback(
    req: BlueButtonHttpRequest,
    res: unknown,
    options: BlueButtonCallbackOptions = {},
  ): Promise<BlueButtonCallbackRedirect> {
    const query = this.query(req);
    const param = (name: string) => query.get(name) ?? undefined;
    try {
      if (!this.binding.check(req, res, param('state'))) {
        // Checked before the state is used, so a callback URL sent to someone else stays inert.
        throw new StateMismatchError(
          'The callback did not come back to the browser that started the login.',
        );
      }
      const { token, returnTo } = await firstValueFrom(
        this.auth.completeAuthorization({
          code: param('code'),
          state: param('state'),
          error: param('error'),
          error_description: param('error_description'),
        }),
      );
      await this.sessions.startSession(req, res, token);
      const success = options.successRedirect ?? this.route('successRedirect');
      return redirect((returnTo && sameSitePath(returnTo)) ?? success);
    } catch (error) {
      const code = callbackErrorCode(error);
      if (code !== 'access_denied')
        this.logger.warn(`Blue Button callback failed: ${describeError(error)}`);
      const failure = options.failureRedirect ?? this.route('failureRedirect');
      return { ...redirect(withError(failure, code)), error: code };
    }
  }

  /**
   * Ends the session, revokes the grant at Blue Button, and returns the redirect. Logging out
   * revokes the beneficiary's grant, so a link or an image on another site must not do it: only a
   * same-site POST is accepted (405 with `Allow: POST` otherwise, 403 for a cross-site POST).
   */
  async logout(
    req: BlueButtonHttpRequest,
    res: unknown,
    options: BlueButtonLogoutOptions = {},
  ): Promise<BlueButtonRedirect> {
    const adapter = httpAdapterOf(this.adapterHost);
    if (adapter.getRequestMethod(req) !== 'POST') {
      adapter.setHeader(res, 'Allow', 'POST');
      const path = new URL(String(adapter.getRequestUrl(req)), 'http://app.invalid').pathname;
      throw new MethodNotAllowedException(`Log out with POST ${path} (a form button), not a link`);
    }
    if (isCrossSite(req, this.publicOrigin)) {
      throw new ForbiddenException('Logout must be posted from a page of this site');
    }
    try {
      const token = await this.sessions.endSession(req, res);
      if (token) await firstValueFrom(this.auth.revoke(token));
    } catch (error) {
      // The local session is gone either way; a failed revocation is logged, not shown.
      this.logger.warn(`Logout could not revoke the token: ${describeError(error)}`);
    }
    return redirect(options.redirect ?? this.route('logoutRedirect'));
  }

  private route(key: 'successRedirect' | 'failureRedirect' | 'logoutRedirect'): string {
    return this.config.routes?.[key] ?? CONFIG_DEFAULTS.routes[key];
  }

  /** The query string as the client sent it (the original URL, whatever the app's query parser). */
  private query(req: BlueButtonHttpRequest): URLSearchParams {
    const url = String(httpAdapterOf(this.adapterHost).getRequestUrl(req) ?? '/');
    return new URL(url, 'http://app.invalid').searchParams;
  }
}

function callbackErrorCode(error: unknown): BlueButtonLoginErrorCode {
  if (error instanceof AuthorizationDeniedError) return 'access_denied';
  if (error instanceof StateMismatchError) return 'state_mismatch';
  if (error instanceof OAuthError) return 'oauth_error';
  return 'server_error';
}

function redirect(url: string): BlueButtonRedirect {
  return { url, statusCode: 302 };
}

function withError(path: string, code: BlueButtonLoginErrorCode): string {
  return `${path}${path.includes('?') ? '&' : '?'}bluebutton_error=${code}`;
}
