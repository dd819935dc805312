import type { IncomingMessage, ServerResponse } from 'node:http';
import { Catch, HttpException, Logger, type ArgumentsHost } from '@nestjs/common';
import {
  BlueButtonConfig,
  BlueButtonError,
  BlueButtonExceptionFilter,
  BlueButtonSessions,
  MissingScopesException,
} from 'nestjs-bluebutton';
import { backendLabel, loginHref, RETURN_PAGES } from './sample.constants.js';
import type { SafeHtml } from './views/html.js';
import { layout } from './views/layout.js';
import { errorPage, notSharedPage } from './views/pages.js';

type Request = IncomingMessage & { originalUrl?: string };

/**
 * Turns every error into a page a person can read. It reuses the package's
 * {@link BlueButtonExceptionFilter} mapping (status and safe message for each Blue Button error),
 * but answers with HTML instead of JSON: a visitor who has not connected is sent to the overview,
 * one who withheld demographics gets an explanation, and nothing internal reaches the page.
 */
@Catch()
export class SampleExceptionFilter extends BlueButtonExceptionFilter {
  private readonly logger = new Logger('Sample');

  /** Created by Nest (registered as `APP_FILTER`). */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly sessions: BlueButtonSessions,
  ) {
    super();
  }

  /** Writes the HTML answer (or the redirect) for `error`. */
  override catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<ServerResponse>();
    if (res.headersSent) return;
    const path = new URL(req.originalUrl ?? req.url ?? '/', 'http://sample.invalid').pathname;
    // A signed session cookie is enough to keep the navigation on error pages (no store lookup).
    const connected = this.sessions.keyFor(req) !== undefined;

    if (error instanceof HttpException && error.getStatus() === 401) {
      // `@BlueButtonToken()` and the scope guard answer 401 when there is no connected account.
      const next =
        req.method === 'GET' && RETURN_PAGES.has(path) ? `?next=${encodeURIComponent(path)}` : '';
      res.statusCode = req.method === 'GET' ? 302 : 303;
      res.setHeader('Location', `/${next}`);
      res.end();
      return;
    }
    const missing = missingScopes(error);
    if (missing) {
      const what = PAGE_TITLES[path] ?? 'Not shared';
      return this.send(res, 403, what, true, notSharedPage(what, missing));
    }
    if (error instanceof BlueButtonError) {
      const answer = this.answerFor(error);
      this.logger.warn(`${req.method} ${path} failed: ${error.code} → HTTP ${answer.status}`);
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      const title = answer.login ? 'Please connect again' : titleFor(answer.status);
      const body = errorPage(
        answer.status,
        title,
        answer.message,
        answer.login ? loginHref() : undefined,
      );
      return this.send(res, answer.status, title, connected && !answer.login, body);
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const title = titleFor(status);
      const message =
        status === 404
          ? 'There is no page at this address.'
          : 'The request could not be completed.';
      return this.send(res, status, title, connected, errorPage(status, title, message));
    }
    this.logger.error(
      `${req.method} ${path} failed`,
      error instanceof Error ? error.stack : String(error),
    );
    const title = titleFor(500);
    const body = errorPage(500, title, 'The app hit an unexpected problem. Please try again.');
    this.send(res, 500, title, connected, body);
  }

  private send(
    res: ServerResponse,
    status: number,
    title: string,
    connected: boolean,
    body: SafeHtml,
  ): void {
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(layout({ title, connected, backend: backendLabel(this.config) }, body));
  }
}

/** The pages whose scopes the beneficiary may have withheld, by path. */
const PAGE_TITLES: Readonly<Record<string, string>> = {
  '/profile': 'Profile',
  '/patient': 'Patient',
  '/insurance-card': 'Insurance card',
};

/** The scopes a scope-guard 403 names, if `error` is one. */
function missingScopes(error: unknown): string[] | undefined {
  return error instanceof MissingScopesException ? error.missingScopes : undefined;
}

function titleFor(status: number): string {
  switch (status) {
    case 403:
      return 'Access not granted';
    case 404:
      return 'Page not found';
    case 429:
      return 'Too many requests';
    case 502:
      return 'Medicare data is unavailable';
    case 503:
      return 'Medicare data is temporarily unavailable';
    case 504:
      return 'Medicare.gov took too long to answer';
    default:
      return status >= 500 ? 'Something went wrong' : 'That did not work';
  }
}
