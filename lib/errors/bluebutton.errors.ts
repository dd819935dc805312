import { inspect } from 'node:util';
import { operationOutcomeIssues, type FhirIssue } from './operation-outcome.js';
import { printable } from './printable.js';

/**
 * Base class of every error this package throws. Each carries a stable `code` for programmatic
 * handling; messages and fields never contain a client secret, token, code verifier or PHI body.
 */
export abstract class BlueButtonError extends Error {
  /** A stable, machine-readable error code (e.g. `BB_STATE_MISMATCH`). */
  abstract readonly code: string;

  /** Creates the error; `cause` must already be free of secrets. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The safe fields only: what logging libraries and `JSON.stringify` see. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    for (const [k, v] of Object.entries(this)) if (k !== 'cause') out[k] = v;
    return out;
  }

  /** Keeps `console.log(err)` to the safe fields plus the stack. */
  [inspect.custom](): string {
    const fields = this.toJSON();
    delete fields.name;
    delete fields.message;
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect(fields)}`;
  }
}

/** One bad configuration key, as the user spelled it, and why it was rejected. */
export interface ConfigIssue {
  /** The key path as written by the user, e.g. `retry_settings.backoff_factor`. */
  key: string;
  /** What is wrong and what to do about it. */
  reason: string;
}

/** Configuration is invalid, or its file is missing, unreadable or malformed. Stops the app at boot. */
export class BlueButtonConfigError extends BlueButtonError {
  readonly code = 'BB_CONFIG';

  /** Builds one error listing every issue, naming the file the configuration came from. */
  constructor(
    readonly issues: ConfigIssue[],
    readonly source?: string,
    summary?: string,
  ) {
    const where = source ? ` (from ${source})` : '';
    const head = summary ?? `Invalid Blue Button configuration${where}`;
    const lines = issues.map(i => `  - ${i.key}: ${i.reason}`);
    super(lines.length ? `${head}:\n${lines.join('\n')}` : head);
  }
}

/** The beneficiary clicked Cancel on the consent page (`error=access_denied` on the callback). */
export class AuthorizationDeniedError extends BlueButtonError {
  readonly code = 'BB_AUTHORIZATION_DENIED';

  /** Creates the error with a message suitable for showing to the beneficiary. */
  constructor() {
    super('The beneficiary declined to share their Medicare data with this application.');
  }
}

/** The callback's `state` is missing, unknown, expired, replayed or different from the one sent. */
export class StateMismatchError extends BlueButtonError {
  readonly code = 'BB_STATE_MISMATCH';

  /** Creates the error; the expected state is never included. */
  constructor(detail = 'The callback state does not match an authorization this app started.') {
    super(`${detail} Start the login again.`);
  }
}

/** The authorization server answered with an OAuth2 error (`{ error, error_description }`). */
export class OAuthError extends BlueButtonError {
  readonly code = 'BB_OAUTH';

  readonly error: string;
  readonly errorDescription: string | undefined;

  /** Creates the error from the server's OAuth2 error fields. */
  constructor(
    error: string,
    errorDescription: string | undefined,
    readonly status: number | undefined,
  ) {
    // Both fields can come from a callback URL anyone can craft: no control characters (forged log
    // lines) and a bounded length.
    const err = printable(error, 64);
    const description =
      errorDescription === undefined ? undefined : printable(errorDescription, 300);
    super(
      `Blue Button OAuth error "${err}"${status ? ` (HTTP ${status})` : ''}${description ? `: ${description}` : ''}`,
    );
    this.error = err;
    this.errorDescription = description;
  }
}

/** Why a token can no longer be refreshed and the beneficiary must log in and consent again. */
export type ReauthorizationReason =
  | 'grant-expired'
  | 'grant-not-found'
  | 'one-time-app'
  | 'app-inactive'
  | 'refresh-token-rejected'
  | 'no-refresh-token';

const REAUTH_TEXT: Record<ReauthorizationReason, string> = {
  'grant-expired': "the beneficiary's 13-month data access grant has expired",
  'grant-not-found': 'the data access grant was revoked or cannot be found',
  'one-time-app': 'this application has one-time access and may not refresh tokens',
  'app-inactive': 'the application is inactive at Blue Button',
  'refresh-token-rejected': 'the refresh token was rejected (already used, rotated or unknown)',
  'no-refresh-token': 'the token has no refresh token',
};

/** The token cannot be refreshed; send the beneficiary through authorization again. */
export class ReauthorizationRequiredError extends BlueButtonError {
  readonly code = 'BB_REAUTHORIZATION_REQUIRED';

  /** Creates the error for the given reason (and the HTTP status the server answered, if any). */
  constructor(
    readonly reason: ReauthorizationReason,
    readonly status?: number,
  ) {
    super(`Re-authorization required: ${REAUTH_TEXT[reason]}.`);
  }
}

/** A refresh failed for a transient reason (network, timeout, 5xx); the old token is kept. */
export class TokenRefreshError extends BlueButtonError {
  readonly code = 'BB_TOKEN_REFRESH';

  /** Creates the error; `status` is the server's HTTP status when one was received. */
  constructor(
    readonly detail: string,
    readonly status?: number,
  ) {
    super(`Token refresh failed: ${detail}. The token is unchanged; try again later.`);
  }
}

/** Blue Button answered a data request with a non-2xx status (after any retries). */
export class FhirHttpError extends BlueButtonError {
  readonly code = 'BB_FHIR_HTTP';
  /**
   * The issues of an OperationOutcome body (v3 errors relayed from the FHIR backend, and v2 ones
   * where they appear), bounded in count and length; empty for any other body, such as BB2's own
   * `{"detail": …}` refusals (401, 403, 429) on every version.
   */
  readonly issues: readonly FhirIssue[];

  /** Creates the error; `body` is the parsed FHIR/DRF error body, or a short safe excerpt. */
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly method: string,
    readonly path: string,
    readonly retryAfterMs?: number,
  ) {
    super(`Blue Button answered HTTP ${status} to ${method} ${path}${describeBody(body)}`);
    this.issues = operationOutcomeIssues(body);
  }
}

/** A 2xx answer whose body is not the JSON that was expected (HTML page, truncated JSON...). */
export class UnexpectedResponseError extends BlueButtonError {
  readonly code = 'BB_UNEXPECTED_RESPONSE';

  /** Creates the error naming the request and what was wrong with the body. */
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `Blue Button answered ${method} ${path} with an unusable body (HTTP ${status}): ${problem}`,
    );
  }
}

/** A URL was about to receive the bearer token but is not on the configured Blue Button origin. */
export class UnsafeUrlError extends BlueButtonError {
  readonly code = 'BB_UNSAFE_URL';

  /** Creates the error; only the URL's origin and path are reported, never its query. */
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`Refusing to send a Blue Button token to ${url}: ${reason}. No request was sent.`);
  }
}

/** A request attempt took longer than `timeoutMs`. */
export class BlueButtonTimeoutError extends BlueButtonError {
  readonly code = 'BB_TIMEOUT';

  /** Creates the error naming the request and the timeout. */
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${path} timed out after ${timeoutMs} ms`);
  }
}

/** The request never got an HTTP answer: connection refused or reset, DNS failure… */
export class BlueButtonNetworkError extends BlueButtonError {
  readonly code = 'BB_NETWORK';

  /** Creates the error; `reason` is the system error code such as `ECONNRESET`. */
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${method} ${path} failed without an HTTP answer (${reason})`);
  }
}

/**
 * Blue Button's answer to one request was larger than `maxResponseBytes` once decompressed. Reading
 * stopped at the limit (the rest was never buffered) and the request is not retried.
 */
export class ResponseTooLargeError extends BlueButtonError {
  readonly code = 'BB_RESPONSE_TOO_LARGE';

  /** Creates the error naming the request and the limit it crossed. */
  constructor(
    readonly method: string,
    readonly path: string,
    readonly limitBytes: number,
  ) {
    super(
      `Blue Button's answer to ${method} ${path} is larger than ${limitBytes} bytes ` +
        `(maxResponseBytes); it was not read further`,
    );
  }
}

/**
 * Pagination stopped: a `next` link repeated, a page added no new resource while promising more
 * (a server loop), the first page described an impossible plan, or the page cap was reached.
 */
export class PaginationError extends BlueButtonError {
  readonly code = 'BB_PAGINATION';
}

/** The shared store (e.g. Redis) could not be reached; the request cannot proceed safely. */
export class BlueButtonStoreError extends BlueButtonError {
  readonly code = 'BB_STORE_UNAVAILABLE';
}

function describeBody(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const text = b.detail ?? b.error_description ?? b.message ?? b.error;
    if (typeof text === 'string') return `: ${text.slice(0, 200)}`;
    const issue = (b.issue as Array<{ diagnostics?: string }> | undefined)?.[0]?.diagnostics;
    if (typeof issue === 'string') return `: ${issue.slice(0, 200)}`;
  }
  return '';
}
