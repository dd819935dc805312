import { Reflector } from '@nestjs/core';

/** The metadata decorator behind {@link RequireScopes}, internal: `BlueButtonScopeGuard` reads it. */
export const RequiredScopes = Reflector.createDecorator<string[]>();

/**
 * Requires the current user's token to grant every scope listed (SMART v2 semantics: `.rs` covers
 * `.r` and `.s`). Enforced by `BlueButtonScopeGuard`; on a class it applies to every handler, and a
 * handler's own `@RequireScopes()` overrides the class's.
 */
export const RequireScopes = (...scopes: string[]): ClassDecorator & MethodDecorator =>
  RequiredScopes(scopes);
