import { BlueButtonError, OAuthError } from '../../errors/bluebutton.errors.js';

/** An OAuth2 `error` code as RFC 6749 spells them (`invalid_grant`); anything else is not echoed. */
const OAUTH_ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * What the login routes log about a failure: the error's `code`, and for an OAuth error its `error`
 * field — never a message. Messages can carry text from upstream or from a crafted callback URL
 * (`error_description` may echo what was sent, secrets included).
 */
export function describeError(error: unknown): string {
  if (error instanceof OAuthError) {
    const oauth = OAUTH_ERROR_CODE.test(error.error) ? error.error : 'non-standard';
    return `${error.code} (error=${oauth})`;
  }
  if (error instanceof BlueButtonError) return error.code;
  return error instanceof Error ? error.name : 'unknown error';
}
