import { Injectable, type NestMiddleware } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BlueButtonSessions } from './bluebutton-sessions.service.js';
import type { BlueButtonHttpRequest } from '../request/http-request.js';
import { BLUEBUTTON_REQUEST, BlueButtonRequestContext } from './request-context.js';

/**
 * Attaches the {@link BlueButtonRequestContext} that `@BlueButtonToken()`, `BlueButtonScopeGuard`
 * and `BlueButtonExceptionFilter` read. It does no I/O: the token is loaded when first asked for.
 * The module mounts it on the routes of its `middleware` option (every route by default).
 */
@Injectable()
export class BlueButtonContextMiddleware implements NestMiddleware {
  /** Created by Nest. */
  constructor(
    private readonly sessions: BlueButtonSessions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Attaches the context, then passes the request on. */
  use(req: BlueButtonHttpRequest, _res: unknown, next: () => void): void {
    (req as { [BLUEBUTTON_REQUEST]?: BlueButtonRequestContext })[BLUEBUTTON_REQUEST] =
      new BlueButtonRequestContext(this.sessions, req, this.adapterHost);
    next();
  }
}
