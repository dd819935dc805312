import type { BlueButtonVersion } from '../config/bluebutton-options.interface.js';
import { OAuthError, UnexpectedResponseError } from '../errors/bluebutton.errors.js';
import type { BlueButtonResponse } from '../http/bluebutton-http.service.js';
import { AuthorizationToken } from './authorization-token.js';

/**
 * Bound of token and revoke answers. They are under 2 KB; a megabyte is 500 times that and still
 * far below `maxResponseBytes`, which is sized for FHIR pages.
 */
export const OAUTH_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The token a 200 answer of the token endpoint carries (`previous` fills what a refresh omits);
 * `version` is the API version of that endpoint (default: `previous`'s).
 */
export function tokenFromAnswer(
  res: BlueButtonResponse,
  previous?: AuthorizationToken,
  version?: BlueButtonVersion,
): AuthorizationToken {
  if (res.data === undefined || res.data === null || typeof res.data !== 'object') {
    throw new UnexpectedResponseError(
      res.status,
      res.method,
      res.path,
      res.jsonProblem ?? 'the token endpoint answered without a JSON object',
    );
  }
  return AuthorizationToken.fromTokenResponse(res.data, res.receivedAt, previous, version);
}

/** An OAuth error from a non-200 answer of the token or revoke endpoint (either error family). */
export function oauthError(res: BlueButtonResponse): OAuthError {
  const body = (res.body ?? {}) as {
    error?: unknown;
    error_description?: unknown;
    message?: unknown;
  };
  const error = typeof body.error === 'string' ? body.error : `http_${res.status}`;
  const text = body.error_description ?? body.message;
  return new OAuthError(error, typeof text === 'string' ? text : undefined, res.status);
}
