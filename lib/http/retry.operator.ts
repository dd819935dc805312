import type { BlueButtonConfig } from '../config/bluebutton-config.js';
import { retry, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import {
  BlueButtonNetworkError,
  BlueButtonTimeoutError,
  FhirHttpError,
} from '../errors/bluebutton.errors.js';
import { errorType } from '../telemetry/error-type.js';
import { announcingResend } from '../telemetry/resend.js';

/** The retry policy: the module's resolved `retrySettings`, declared once in the config. */
export type RetryPolicy = BlueButtonConfig['retrySettings'];

/** A `Retry-After` longer than this is not waited for: the call fails with `retryAfterMs` set. */
export const MAX_RETRY_AFTER_MS = 120_000;

/**
 * Retries an idempotent request with RxJS `retry({ count, delay })`: on the statuses of
 * `statusForcelist` and on network errors and timeouts. The delay before retry i (from 0) is
 * `backoffFactor * 2 ** (i - 1)` seconds (2.5, 5, 10 for the default 5), unless the server sent
 * `Retry-After`, which wins. Once retries are exhausted the last error is thrown.
 */
export function retryWithBackoff<T>(
  policy: RetryPolicy,
  scheduler?: SchedulerLike,
): MonoTypeOperatorFunction<T> {
  return retry({
    count: policy.total,
    delay: (error: unknown, retryCount: number) => {
      if (!isRetryable(error, policy)) throw error;
      const retryAfterMs = error instanceof FhirHttpError ? error.retryAfterMs : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) throw error;
      const i = retryCount - 1;
      const wait = timer(retryAfterMs ?? policy.backoffFactor * 1000 * 2 ** (i - 1), scheduler);
      // Tells the attempt it re-subscribes which retry it is, for its span and the retry counter.
      return announcingResend(wait, { count: retryCount, reason: errorType(error) });
    },
  });
}

/** Whether an error from one attempt is worth another attempt. */
export function isRetryable(error: unknown, policy: Pick<RetryPolicy, 'statusForcelist'>): boolean {
  if (error instanceof BlueButtonNetworkError || error instanceof BlueButtonTimeoutError)
    return true;
  return error instanceof FhirHttpError && policy.statusForcelist.includes(error.status);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
