import {
  BlueButtonError,
  BlueButtonNetworkError,
  BlueButtonTimeoutError,
  FhirHttpError,
  ReauthorizationRequiredError,
  TokenRefreshError,
} from '../errors/bluebutton.errors.js';
import type { RefreshOutcomeKind } from './telemetry.js';

/**
 * The `error.type` of a failed call, from a closed vocabulary so it can never carry a message, a
 * URL or a value: the HTTP status as a string (`'503'`, as the HTTP semantic conventions ask), then
 * `'timeout'`, a system error code (`'ECONNRESET'`), this package's error code
 * (`'BB_UNEXPECTED_RESPONSE'`), `'cancelled'`, or `'_OTHER'`.
 */
export function errorType(error: unknown): string {
  if (error === 'cancelled') return error;
  if (error instanceof FhirHttpError) return String(error.status);
  if (error instanceof BlueButtonTimeoutError) return 'timeout';
  if (error instanceof BlueButtonNetworkError)
    return /^E[A-Z0-9_]{1,40}$/.test(error.reason) ? error.reason : '_OTHER';
  if (error instanceof BlueButtonError) return error.code;
  return '_OTHER';
}

/** How a refresh that threw `error` ended (`'ok'` when there was no error). */
export function refreshOutcome(error?: unknown): RefreshOutcomeKind {
  if (error === undefined) return 'ok';
  if (error instanceof ReauthorizationRequiredError) return 'reauthorization';
  return error instanceof TokenRefreshError ? 'transient' : 'error';
}
