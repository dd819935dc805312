import type { Observable } from 'rxjs';
import type { Resend } from './resend.js';

/** One HTTP attempt being traced. */
export interface HttpCallTrace {
  /** Runs `work` (the transport call) with this attempt's span active, so lower-level spans nest in it. */
  run<T>(work: () => T): T;
  /**
   * Ends the attempt: with the answer's status when there was one, and with the error that failed
   * it (an HTTP status, a timeout, a network error, an unusable answer, `'cancelled'`) when it failed.
   */
  end(status: number | undefined, error?: unknown): void;
}

/** One pagination or sync pass being traced. */
export interface PassTrace {
  /** Runs `work` with the pass's span active, so the calls it makes become the pass's children. */
  run<T>(work: () => T): T;
  /** Counts one page and its resources; `fetched` is false for a page the pass was handed. */
  page(resources: number, fetched?: boolean): void;
  /** Adds counts its inner passes already measured (a sync pass reports its searches' totals). */
  add(pages: number, resources: number): void;
  /** Ends the span; as an error when `error` is given. */
  end(error?: unknown): void;
}

/** One in-process token refresh; the callers who join it while it runs are linked to it. */
export interface RefreshFlight<T> {
  /** The refresh's result, for the caller that started it. */
  readonly result: Promise<T>;
  /** The same result, for a concurrent caller: links that caller's active span to the refresh. */
  join(): Promise<T>;
}

/** How a token refresh ended, as counted by `bluebutton.token.refreshes`. */
export type RefreshOutcomeKind = 'ok' | 'reauthorization' | 'transient' | 'error';

/** What a pass is: following a search's pages, or a sync of a beneficiary's history. */
export type PassKind = 'pagination' | 'sync';

const NOOP_HTTP: HttpCallTrace = { run: work => work(), end: () => undefined };
const NOOP_PASS: PassTrace = {
  run: work => work(),
  page: () => undefined,
  add: () => undefined,
  end: () => undefined,
};

/**
 * The telemetry of every Blue Button call, injected by Nest. This base class is what apps get
 * without `@opentelemetry/api`: each method is a constant no-op, and it never loads the API. When
 * the app has the API, the module provides the OpenTelemetry subclass instead (see
 * `loadTelemetry`); with the API but no SDK registered, the API's own no-op tracer and meter answer.
 */
export class BlueButtonTelemetry {
  /** The telemetry of an app without `@opentelemetry/api`: does nothing, costs nothing. */
  static readonly disabled = new BlueButtonTelemetry();

  /** Use {@link BlueButtonTelemetry.disabled}, or let the module provide one. */
  protected constructor() {}

  /** True when `@opentelemetry/api` was found (an SDK may still be absent). */
  get enabled(): boolean {
    return false;
  }

  /**
   * Starts the CLIENT span of one HTTP attempt and the measurement of its duration; when the
   * attempt is a retry (`resend`), counts it by reason. Of `url` only the host, port, scheme, path
   * template and query keys are used.
   */
  http(_method: string, _url: string, _resend: Resend | undefined): HttpCallTrace {
    return NOOP_HTTP;
  }

  /**
   * Runs one token refresh (`work`) inside its span, counts its outcome, and links concurrent
   * callers that {@link RefreshFlight.join} it.
   */
  refresh<T>(work: () => Promise<T>): RefreshFlight<T> {
    const result = work();
    return { result, join: () => result };
  }

  /** Starts the span of one pagination or sync pass, which counts its pages and resources. */
  pass(_kind: PassKind): PassTrace {
    return NOOP_PASS;
  }

  /**
   * Mirrors `items$` inside a pass span per subscription: `record` counts each item into the pass,
   * and the span ends with the stream. Without telemetry, `items$` is returned as is.
   */
  tracePass<P>(
    _kind: PassKind,
    items$: Observable<P>,
    _record: (pass: PassTrace, item: P) => void,
  ): Observable<P> {
    return items$;
  }

  /**
   * {@link tracePass} for a stream of pages: each page is counted with its resources (`entries`),
   * the first as handed over when `firstHanded` (the search the caller made itself).
   */
  tracePages<P>(
    _kind: PassKind,
    pages$: Observable<P>,
    _entries: (page: P) => number,
    _firstHanded = false,
  ): Observable<P> {
    return pages$;
  }
}
