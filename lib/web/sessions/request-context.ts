import type { AbstractHttpAdapter, HttpAdapterHost } from '@nestjs/core';
import type { AuthorizationToken } from '../../auth/authorization-token.js';
import type { BlueButtonSessions } from './bluebutton-sessions.service.js';
import type { BlueButtonHttpRequest } from '../request/http-request.js';

/** Where the middleware puts the context on the request. */
export const BLUEBUTTON_REQUEST = Symbol.for('nestjs-bluebutton:request');

type WithContext = { [BLUEBUTTON_REQUEST]?: BlueButtonRequestContext; raw?: unknown };

/** The Blue Button view of one HTTP request: its beneficiary's token, loaded once and on demand. */
export class BlueButtonRequestContext {
  private token$?: Promise<AuthorizationToken | undefined>;

  /** Created by the module's middleware for every request it runs on. */
  constructor(
    private readonly sessions: BlueButtonSessions,
    private readonly req: BlueButtonHttpRequest,
    private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** The built-in login route, for 401 answers (undefined when routes are off). */
  get loginUrl(): string | undefined {
    return this.sessions.loginUrl;
  }

  /** The app's HTTP adapter, for answers written outside dependency injection. */
  get httpAdapter(): AbstractHttpAdapter | undefined {
    return this.adapterHost?.httpAdapter;
  }

  /** This request's stored token, if the user has connected their Medicare account. */
  token(): Promise<AuthorizationToken | undefined> {
    return (this.token$ ??= this.sessions.tokenFor(this.req));
  }

  /** The same context for the framework's request object wrapping the one it was made for. */
  forRequest(req: BlueButtonHttpRequest): BlueButtonRequestContext {
    return new BlueButtonRequestContext(this.sessions, req, this.adapterHost);
  }
}

/**
 * The context the middleware attached to `req`, if it ran. On Fastify the middleware sees Node's
 * request and handlers see Fastify's, which wraps it as `req.raw`: the context is then rebound to
 * the Fastify request, so that `tokenKey(req)` reads what the app's guards put there.
 */
export function findRequestContext(req: unknown): BlueButtonRequestContext | undefined {
  const own = (req as WithContext | undefined)?.[BLUEBUTTON_REQUEST];
  if (own) return own;
  const raw = (req as WithContext | undefined)?.raw as WithContext | undefined;
  const context = raw?.[BLUEBUTTON_REQUEST]?.forRequest(req as BlueButtonHttpRequest);
  if (context) (req as WithContext)[BLUEBUTTON_REQUEST] = context;
  return context;
}

/** The context the middleware attached, with a clear message when it did not run. */
export function requestContext(req: unknown): BlueButtonRequestContext {
  const context = findRequestContext(req);
  if (!context) {
    throw new Error(
      "No Blue Button context on this request: import BlueButtonModule.forRoot() in the application module, and include this route in its `middleware` option's routes (the middleware attaches the context; HTTP requests only).",
    );
  }
  return context;
}

/** The JSON body of every "log in first" answer. */
export function unauthorizedBody(
  loginUrl: string | undefined,
  message = 'Connect your Medicare account first.',
) {
  return { statusCode: 401, error: 'Unauthorized', message, ...(loginUrl && { loginUrl }) };
}
