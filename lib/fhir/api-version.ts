import type { AuthorizationToken } from '../auth/authorization-token.js';
import { ApiVersionMismatchError } from '../errors/api-version.error.js';

/**
 * Search parameters only API v3 knows. BB2's v1/v2 views drop them silently, so a v2 search for
 * "claims without the 42 CFR Part 2 label" would quietly return those claims: refused instead.
 */
const V3_ONLY_PARAMS = ['_source', '_tag', '_security', '_security:not', '_offset'] as const;

/** The `Prefer` header of strict handling (BB2's `ENFORCE_PARAM_VALIDATION`). */
export const STRICT_HANDLING = 'handling=strict';

/**
 * Fails before anything is sent when a token is used beyond its API version: a v3-only call
 * (`v3Call`, e.g. `getInsuranceCardData`) or a v3-only search parameter in `url` (typed, or
 * written into a custom path) with a v1/v2 token.
 */
export function checkTokenVersion(token: AuthorizationToken, url: URL, v3Call?: string): void {
  if (token.version === 3) return;
  if (v3Call) throw new ApiVersionMismatchError(token.version, 3, v3Call);
  const v3Param = V3_ONLY_PARAMS.find(name => url.searchParams.has(name));
  if (v3Param) {
    throw new ApiVersionMismatchError(token.version, 3, `The search parameter ${v3Param}`);
  }
}
