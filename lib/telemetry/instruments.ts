import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** The package's metric instruments. */
export interface Instruments {
  /** `http.client.request.duration`, in seconds, by method, host, route template, status, error. */
  duration: Histogram;
  /** `bluebutton.http.retries`: requests sent again, by `error.type` of the failure retried. */
  retries: Counter;
  /** `bluebutton.token.refreshes`: refreshes, by outcome. */
  refreshes: Counter;
  /** `bluebutton.pages`: Bundle pages fetched by pagination and sync passes. */
  pages: Counter;
}

/** The HTTP semantic conventions' advised buckets for `http.client.request.duration`. */
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Creates the instruments on `meter` (once per module instance). */
export function createInstruments(meter: Meter): Instruments {
  return {
    duration: meter.createHistogram('http.client.request.duration', {
      description: 'Duration of HTTP client requests.',
      unit: 's',
      // Ignored by APIs before 1.7, where the SDK's default buckets apply.
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    retries: meter.createCounter('bluebutton.http.retries', {
      description:
        'Requests to Blue Button sent again after a retryable failure, by its error.type.',
      unit: '{retry}',
    }),
    refreshes: meter.createCounter('bluebutton.token.refreshes', {
      description: 'Token refreshes, by outcome: ok, reauthorization, transient or error.',
      unit: '{refresh}',
    }),
    pages: meter.createCounter('bluebutton.pages', {
      description: 'Bundle pages fetched by pagination and sync passes.',
      unit: '{page}',
    }),
  };
}
