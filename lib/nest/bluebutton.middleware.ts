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
  /** The app's public origin, from `callbackUrl`: a logout posted from it is same-site. */
  private readonly publicOrigin: string;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly sessions: BlueButtonSessions,
    private readonly auth: AuthService,
  ) {
    this.publicOrigin = new URL(config.callbackUrl).origin;
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
    if (req.method === 'GET' && url.pathname === routes.login) return this.login(req, res, url);
    if (req.method === 'GET' && url.pathname === this.sessions.callbackPath)
      return this.callback(req, res, url);
    if (url.pathname === routes.logout) return this.logout(req, res);
    next();
  }

  private async login(req: Request, res: Response, url: URL): Promise<void> {
    const asked = url.searchParams.get('returnTo') ?? undefined;
    const returnTo = asked === undefined ? undefined : sameSitePath(asked);
    if (asked !== undefined && returnTo === undefined) {
      return json(res, 400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'returnTo must be a path on this site, such as /claims',
      });
    }
    try {
      const { url: authorizeUrl, state } = await firstValueFrom(
        this.auth.startAuthorization({ returnTo }),
      );
      this.sessions.bindLogin(req, res, state);
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
      if (!this.sessions.checkLogin(req, res, param('state'))) {
        // Checked before the state is used, so a callback URL sent to someone else stays inert.
        throw new StateMismatchError(
          'The callback did not come back to the browser that started the login (no or another login cookie).',
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
      redirect(res, (returnTo && sameSitePath(returnTo)) ?? routes.successRedirect);
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
    // Logout revokes the beneficiary's grant: a link or an image on another site must not do that.
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return json(res, 405, {
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `Log out with POST ${this.config.routes!.logout} (a form button), not a link`,
      });
    }
    if (isCrossSite(req, this.publicOrigin)) {
      return json(res, 403, {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Logout must be posted from a page of this site',
      });
    }
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

/**
 * The normalised `/path?query#hash` of `value` when it stays on this site; undefined for
 * `//evil.example`, `/\\evil`, `https://…`, control characters and the like. Normalised (percent-encoded)
 * so that whatever is accepted can always be sent back in a `Location` header.
 */
export function sameSitePath(value: string): string | undefined {
  if (
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    value.length > 2048
  )
    return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  try {
    const url = new URL(value, 'http://app.invalid');
    const path = url.pathname + url.search + url.hash;
    // `/.//evil.example` normalises to `//evil.example`, which a browser reads as another host.
    return url.origin === 'http://app.invalid' && !path.startsWith('//') ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A request a browser says came from another site. Fetch Metadata decides when present; otherwise a
 * foreign `Origin` (compared with the app's public origin from `callbackUrl`, `Host` and
 * `X-Forwarded-Host`). `Origin: null` (sent under `Referrer-Policy: no-referrer`) proves nothing
 * either way and is let through: the session cookie is SameSite=Lax, so it does not ride on a
 * cross-site POST anyway.
 */
function isCrossSite(req: Request, publicOrigin: string): boolean {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const fetchSite = header('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite === 'cross-site';
  const origin = header('origin');
  if (origin === undefined || origin === 'null') return false;
  try {
    const url = new URL(origin);
    if (url.origin === publicOrigin) return false;
    const forwarded = header('x-forwarded-host')?.split(',')[0]?.trim();
    return url.host !== header('host') && url.host !== forwarded;
  } catch {
    return true;
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
