import type { AuthorizationToken } from '../auth/authorization-token.js';
import type { BlueButtonSessions, SessionRequest } from './bluebutton-sessions.service.js';

/** Where the middleware puts the context on the request. */
export const BLUEBUTTON_REQUEST = Symbol.for('nestjs-bluebutton:request');

/** The Blue Button view of one HTTP request: its beneficiary's token, loaded once and on demand. */
export class BlueButtonRequestContext {
  private token$?: Promise<AuthorizationToken | undefined>;

  /** Created by the module's middleware for every request. */
  constructor(
    private readonly sessions: BlueButtonSessions,
    private readonly req: SessionRequest,
  ) {}

  /** The built-in login route, for 401 answers (undefined when routes are off). */
  get loginUrl(): string | undefined {
    return this.sessions.loginUrl;
  }

  /** This request's stored token, if the user has connected their Medicare account. */
  token(): Promise<AuthorizationToken | undefined> {
    return (this.token$ ??= this.sessions.tokenFor(this.req));
  }
}

/** The context the middleware attached, with a clear message when it did not run. */
export function requestContext(req: unknown): BlueButtonRequestContext {
  const context = (req as Record<symbol, BlueButtonRequestContext | undefined>)?.[
    BLUEBUTTON_REQUEST
  ];
  if (!context) {
    throw new Error(
      'No Blue Button context on this request: import BlueButtonModule.forRoot() in the application module (its middleware attaches the context; HTTP requests only).',
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
