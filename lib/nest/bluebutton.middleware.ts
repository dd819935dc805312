import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { AuthService } from '../auth/auth.service.js';
import { LOG_CONTEXT } from '../bluebutton.constants.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import {
  AuthorizationDeniedError,
  BlueButtonError,
  OAuthError,
  StateMismatchError,
} from '../errors/bluebutton.errors.js';
import {
  BlueButtonSessions,
  type SessionRequest,
  type SessionResponse,
} from './bluebutton-sessions.service.js';
import { BLUEBUTTON_REQUEST, BlueButtonRequestContext } from './request-context.js';

type Request = SessionRequest & { method?: string; url?: string; originalUrl?: string };
type Response = SessionResponse & { statusCode: number; end(body?: string): unknown };

/**
 * Runs on every HTTP request: attaches the {@link BlueButtonRequestContext} that
 * `@BlueButtonToken()` and the scope guard read, and — when the `routes` option is on — serves the
 * login, callback (its path taken from `callbackUrl`) and logout routes.
 */
@Injectable()
export class BlueButtonMiddleware implements NestMiddleware {
  private readonly logger = new Logger(LOG_CONTEXT);
  private readonly callbackPath: string;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly sessions: BlueButtonSessions,
    private readonly auth: AuthService,
  ) {
    this.callbackPath = new URL(config.callbackUrl).pathname;
  }

  /** Attaches the context, then serves a built-in route or passes the request on. */
  async use(req: Request, res: Response, next: (error?: unknown) => void): Promise<void> {
    (req as unknown as Record<symbol, unknown>)[BLUEBUTTON_REQUEST] = new BlueButtonRequestContext(
      this.sessions,
      req,
    );
    const routes = this.config.routes;
    if (!routes || (req.method !== 'GET' && req.method !== 'POST')) return next();
    const url = new URL(req.originalUrl ?? req.url ?? '/', 'http://app.invalid');
    if (req.method === 'GET' && url.pathname === routes.login) return this.login(url, res);
    if (req.method === 'GET' && url.pathname === this.callbackPath)
      return this.callback(req, res, url);
    if (url.pathname === routes.logout) return this.logout(req, res);
    next();
  }

  private async login(url: URL, res: Response): Promise<void> {
    const returnTo = url.searchParams.get('returnTo') ?? undefined;
    if (returnTo !== undefined && !isSameOriginPath(returnTo)) {
      return json(res, 400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'returnTo must be a path on this site, such as /claims',
      });
    }
    try {
      const { url: authorizeUrl } = await firstValueFrom(
        this.auth.startAuthorization({ returnTo }),
      );
      redirect(res, authorizeUrl);
    } catch (error) {
      this.logger.warn(`Could not start a Blue Button login: ${describe(error)}`);
      redirect(res, withError(this.config.routes!.failureRedirect, 'login_failed'));
    }
  }

  private async callback(req: Request, res: Response, url: URL): Promise<void> {
    const routes = this.config.routes!;
    const param = (name: string) => url.searchParams.get(name) ?? undefined;
    try {
      const { token, returnTo } = await firstValueFrom(
        this.auth.completeAuthorization({
          code: param('code'),
          state: param('state'),
          error: param('error'),
          error_description: param('error_description'),
        }),
      );
      await this.sessions.startSession(req, res, token);
      redirect(res, returnTo && isSameOriginPath(returnTo) ? returnTo : routes.successRedirect);
    } catch (error) {
      const code =
        error instanceof AuthorizationDeniedError
          ? 'access_denied'
          : error instanceof StateMismatchError
            ? 'state_mismatch'
            : error instanceof OAuthError
              ? 'oauth_error'
              : 'server_error';
      if (code !== 'access_denied')
        this.logger.warn(`Blue Button callback failed: ${describe(error)}`);
      redirect(res, withError(routes.failureRedirect, code));
    }
  }

  private async logout(req: Request, res: Response): Promise<void> {
    try {
      const token = await this.sessions.endSession(req, res);
      if (token) await firstValueFrom(this.auth.revoke(token));
    } catch (error) {
      // The local session is gone either way; a failed revocation is logged, not shown.
      this.logger.warn(`Logout could not revoke the token: ${describe(error)}`);
    }
    redirect(res, this.config.routes!.logoutRedirect);
  }
}

/** True for `/path?query` on this site; false for `//evil.example`, `/\evil`, `https://…`, etc. */
export function isSameOriginPath(value: string): boolean {
  if (
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    value.length > 2048
  )
    return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return false;
  try {
    return new URL(value, 'http://app.invalid').origin === 'http://app.invalid';
  } catch {
    return false;
  }
}

function withError(path: string, code: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}bluebutton_error=${code}`;
}

function redirect(res: Response, location: string): void {
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

function json(res: Response, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function describe(error: unknown): string {
  return error instanceof BlueButtonError
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.name
      : 'unknown error';
}
