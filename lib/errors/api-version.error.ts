import type { BlueButtonVersion } from '../common/api-version.js';
import { BlueButtonError } from './bluebutton.errors.js';

/**
 * A token was about to be used on another API version's endpoint: an API v3 call (the insurance
 * card, AuditEvent, a v3-only search parameter) with a v1/v2 token, or a URL under `/v2/` with a
 * v3 token. Blue Button's tokens do not carry over between versions, so nothing was sent.
 */
export class ApiVersionMismatchError extends BlueButtonError {
  readonly code = 'BB_API_VERSION_MISMATCH';

  /** Creates the error; `target` names the call, parameter or (query-free) URL refused. */
  constructor(
    readonly tokenVersion: BlueButtonVersion,
    readonly requiredVersion: BlueButtonVersion,
    readonly target: string,
  ) {
    super(
      `${target} belongs to Blue Button API v${requiredVersion}, but this token was issued under ` +
        `API v${tokenVersion}, and tokens do not carry over between API versions. Use a token from ` +
        `a v${requiredVersion} authorization (startAuthorization({ version: ${requiredVersion} })). ` +
        'No request was sent.',
    );
  }
}
