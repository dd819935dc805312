import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthorizationToken } from '../../auth/authorization-token.js';
import { requestContext, unauthorizedBody } from '../sessions/request-context.js';
import { RequiredScopes } from './require-scopes.decorator.js';

/** The 403 of `BlueButtonScopeGuard`: the beneficiary did not grant `missingScopes`. */
export class MissingScopesException extends ForbiddenException {
  /** Creates the exception with the JSON body `{ statusCode, error, message, missingScopes }`. */
  constructor(readonly missingScopes: string[]) {
    super({
      statusCode: 403,
      error: 'Forbidden',
      message: `This needs Blue Button scope(s) the beneficiary did not grant: ${missingScopes.join(', ')}`,
      missingScopes,
    });
  }
}

/**
 * Enforces `@RequireScopes()`: 401 with a `loginUrl` when the user has not connected, 403 naming the
 * missing scopes otherwise. A beneficiary who withholds demographics has no `patient/Patient.*` and
 * no `profile`. Register with `@UseGuards(BlueButtonScopeGuard)` or as an `APP_GUARD`; members are
 * protected so you can subclass it.
 */
@Injectable()
export class BlueButtonScopeGuard implements CanActivate {
  /** Created by Nest. */
  constructor(protected readonly reflector: Reflector) {}

  /** Lets the request through when the token grants every required scope. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.requiredScopes(context);
    if (!required.length) return true;
    const token = await this.getToken(context);
    if (!token) throw new UnauthorizedException(unauthorizedBody(this.loginUrl(context)));
    const missing = this.missingScopes(token, required);
    if (missing.length) throw new MissingScopesException(missing);
    return true;
  }

  /** The scopes required by the handler, else by its class. */
  protected requiredScopes(context: ExecutionContext): string[] {
    return (
      this.reflector.getAllAndOverride(RequiredScopes, [
        context.getHandler(),
        context.getClass(),
      ]) ?? []
    );
  }

  /** The current user's token. */
  protected getToken(context: ExecutionContext): Promise<AuthorizationToken | undefined> {
    return requestContext(context.switchToHttp().getRequest()).token();
  }

  /** The required scopes the token does not grant. */
  protected missingScopes(token: AuthorizationToken, required: string[]): string[] {
    return required.filter(scope => !token.hasScope(scope));
  }

  /** Where to send the user to log in. */
  protected loginUrl(context: ExecutionContext): string | undefined {
    return requestContext(context.switchToHttp().getRequest()).loginUrl;
  }
}
