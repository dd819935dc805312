import {
  createParamDecorator,
  UnauthorizedException,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import type { AuthorizationToken } from '../../auth/authorization-token.js';
import {
  requestContext,
  unauthorizedBody,
  type BlueButtonRequestContext,
} from '../sessions/request-context.js';

/** Options of {@link BlueButtonToken}. */
export interface BlueButtonTokenOptions {
  /** Give `undefined` instead of answering 401 when the user has not connected. */
  optional?: boolean;
}

/** Awaits the request's stored token; answers 401 with a `loginUrl` when there is none. */
class BlueButtonTokenPipe implements PipeTransform<
  BlueButtonRequestContext,
  Promise<AuthorizationToken | undefined>
> {
  constructor(private readonly options: BlueButtonTokenOptions) {}

  async transform(context: BlueButtonRequestContext): Promise<AuthorizationToken | undefined> {
    const token = await context.token();
    if (!token && !this.options.optional)
      throw new UnauthorizedException(unauthorizedBody(context.loginUrl));
    return token;
  }
}

const RequestContextParam = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  requestContext(ctx.switchToHttp().getRequest()),
);

/**
 * Injects the current user's {@link AuthorizationToken}. A request without one gets a 401 JSON body
 * with a `loginUrl` (or `undefined` with `{ optional: true }`). When `FhirService` refreshes a token
 * obtained this way, the new token is written back to the store; when the refresh says
 * re-authorization is required, the stored token is removed.
 */
export const BlueButtonToken = (options: BlueButtonTokenOptions = {}): ParameterDecorator =>
  RequestContextParam(undefined, new BlueButtonTokenPipe(options));
