import type * as OtelApi from '@opentelemetry/api';
import { defer, Observable } from 'rxjs';
import { SDK_VERSION } from '../common/bluebutton.constants.js';
import { errorType, refreshOutcome } from './error-type.js';
import { createInstruments, type Instruments } from './instruments.js';
import type { Resend } from './resend.js';
import { httpAttributes, redactedUrl } from './url-attributes.js';
import {
  BlueButtonTelemetry,
  type HttpCallTrace,
  type PassKind,
  type PassTrace,
  type RefreshFlight,
} from './telemetry.js';

/** The part of `@opentelemetry/api` this package uses. */
export type OtelApiSubset = Pick<
  typeof OtelApi,
  'trace' | 'metrics' | 'context' | 'SpanKind' | 'SpanStatusCode'
> &
  Partial<Pick<typeof OtelApi, 'createNoopMeter' | 'ProxyTracerProvider'>>;

/** Where spans and measurements go; the API's global providers unless given. */
export interface OtelProviders {
  tracerProvider?: OtelApi.TracerProvider;
  meterProvider?: OtelApi.MeterProvider;
}

/** The instrumentation scope of every span and instrument. */
export const INSTRUMENTATION_SCOPE = 'nestjs-bluebutton';

/**
 * Telemetry through `@opentelemetry/api`, for apps that have it. Spans follow the HTTP client
 * semantic conventions; every name and attribute is built from methods, hosts, route templates
 * (`safePath`), statuses, counts and closed vocabularies, never from a token, a code, an id or a
 * query value. The tracer and instruments are taken from the providers when the module starts, so
 * the app's SDK must be started before its Nest application is created (as SDKs ask anyway).
 */
export class OtelTelemetry extends BlueButtonTelemetry {
  private readonly tracer: OtelApi.Tracer;
  private readonly instruments: Instruments;
  /** True when the meter is the API's no-op one (no metrics SDK when the module started). */
  private readonly metricsOff: boolean;
  /** The API's no-op tracer provider, which its global proxy delegates to until an SDK registers. */
  private readonly noTracer: unknown;

  /** Uses `api` (the app's `@opentelemetry/api`) and its global providers unless others are given. */
  constructor(
    private readonly api: OtelApiSubset,
    providers: OtelProviders = {},
  ) {
    super();
    const tracerProvider = providers.tracerProvider ?? api.trace.getTracerProvider();
    const meterProvider = providers.meterProvider ?? api.metrics.getMeterProvider();
    this.tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE, SDK_VERSION);
    this.instruments = createInstruments(
      meterProvider.getMeter(INSTRUMENTATION_SCOPE, SDK_VERSION),
    );
    // The API's no-op instruments and tracer provider are singletons: comparing with them tells
    // whether anything would record. An API without these exports is taken as recording.
    const noopHistogram = api.createNoopMeter?.().createHistogram('probe');
    this.metricsOff = noopHistogram !== undefined && this.instruments.duration === noopHistogram;
    this.noTracer = providers.tracerProvider
      ? undefined
      : api.ProxyTracerProvider && new api.ProxyTracerProvider().getDelegate();
  }

  /**
   * True while no SDK would record anything: no metrics SDK, and the global tracer provider still
   * the API's no-op one (checked on each call, as an SDK may register its tracer later). Then every
   * method returns the base class's constant no-ops, so the API without an SDK costs what no API does.
   */
  private get idle(): boolean {
    if (!this.metricsOff || this.noTracer === undefined) return false;
    const provider = this.api.trace.getTracerProvider() as { getDelegate?: () => unknown };
    return provider.getDelegate?.() === this.noTracer;
  }

  override get enabled(): boolean {
    return true;
  }

  /** Starts the CLIENT span `{method} {url.template}` of one attempt; counts it as a retry if it is one. */
  override http(method: string, url: string, resend: Resend | undefined): HttpCallTrace {
    const { api } = this;
    if (this.idle) return super.http(method, url, resend);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return super.http(method, url, resend); // not a URL: nothing safe to name the span after
    }
    const attributes = httpAttributes(method, parsed);
    const template = attributes['url.template'];
    if (resend) {
      this.instruments.retries.add(1, {
        'error.type': resend.reason,
        'http.request.method': method,
        'url.template': template,
      });
    }
    const parent = api.context.active();
    const span = this.tracer.startSpan(
      `${method} ${template}`,
      {
        kind: api.SpanKind.CLIENT,
        attributes: {
          ...attributes,
          'url.full': redactedUrl(parsed, template),
          ...(resend && { 'http.request.resend_count': resend.count }),
        },
      },
      parent,
    );
    const started = performance.now();
    let ended = false;
    return {
      run: work => api.context.with(api.trace.setSpan(parent, span), work),
      end: (status, error) => {
        if (ended) return;
        ended = true;
        const outcome: OtelApi.Attributes = { ...attributes };
        this.endHttp(span, outcome, status, error);
        this.instruments.duration.record((performance.now() - started) / 1000, outcome);
      },
    };
  }

  /** Adds the outcome to `attributes` (shared with the duration measurement) and ends the span. */
  private endHttp(
    span: OtelApi.Span,
    attributes: OtelApi.Attributes,
    status: number | undefined,
    error: unknown,
  ): void {
    if (status !== undefined) attributes['http.response.status_code'] = status;
    // A status of 400 or more is the failure; otherwise the error, if any (HTTP semconv).
    const type =
      status !== undefined && status >= 400
        ? String(status)
        : error !== undefined
          ? errorType(error)
          : undefined;
    if (type !== undefined) {
      attributes['error.type'] = type;
      span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    }
    span.setAttributes(attributes);
    span.end();
  }

  /**
   * One span per in-process refresh, a child of the caller that started it. Each caller that joins
   * it adds a link from the refresh span to its own active span: the fan-in shape of the messaging
   * conventions' batch spans (one operation serving many triggers), with no span per waiter.
   */
  override refresh<T>(work: () => Promise<T>): RefreshFlight<T> {
    const { api } = this;
    if (this.idle) return super.refresh(work);
    const parent = api.context.active();
    const span = this.tracer.startSpan(
      'bluebutton.token.refresh',
      { kind: api.SpanKind.INTERNAL },
      parent,
    );
    let joined = 0;
    const end = (error?: unknown) => {
      const outcome = refreshOutcome(error);
      span.setAttributes({
        'bluebutton.token.refresh.outcome': outcome,
        'bluebutton.token.refresh.joined': joined,
      });
      if (outcome !== 'ok') span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
      this.instruments.refreshes.add(1, { 'bluebutton.token.refresh.outcome': outcome });
    };
    const result = api.context.with(api.trace.setSpan(parent, span), work).then(
      value => {
        end();
        return value;
      },
      (error: unknown) => {
        end(error);
        throw error;
      },
    );
    return {
      result,
      join: () => {
        joined++;
        const caller = api.trace.getSpanContext(api.context.active());
        // `addLink` needs API 1.9+ and an SDK that implements it; older ones just get no link.
        if (caller && typeof span.addLink === 'function') span.addLink({ context: caller });
        return result;
      },
    };
  }

  /** Starts the INTERNAL span `bluebutton.{kind}`, a child of the active span. */
  override pass(kind: PassKind): PassTrace {
    const { api } = this;
    if (this.idle) return super.pass(kind);
    const parent = api.context.active();
    const span = this.tracer.startSpan(
      `bluebutton.${kind}`,
      { kind: api.SpanKind.INTERNAL, attributes: { 'bluebutton.pass': kind } },
      parent,
    );
    const active = api.trace.setSpan(parent, span);
    let pages = 0;
    let resources = 0;
    let ended = false;
    return {
      run: work => api.context.with(active, work),
      page: (entries, fetched = true) => {
        pages++;
        resources += entries;
        if (fetched) this.instruments.pages.add(1, { 'bluebutton.pass': kind });
      },
      add: (innerPages, innerResources) => {
        pages += innerPages;
        resources += innerResources;
      },
      end: error => {
        if (ended) return;
        ended = true;
        span.setAttributes({
          'bluebutton.pass.pages': pages,
          'bluebutton.pass.resources': resources,
        });
        if (error !== undefined) {
          span.setAttribute('error.type', errorType(error));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  override tracePages<P>(
    kind: PassKind,
    pages$: Observable<P>,
    entries: (page: P) => number,
    firstHanded = false,
  ): Observable<P> {
    if (this.idle) return pages$;
    // Per subscription: a re-subscribed stream hands its first page over again.
    return defer(() => {
      let handed = firstHanded;
      return this.tracePass(kind, pages$, (pass, page) => {
        pass.page(entries(page), !handed);
        handed = false;
      });
    });
  }

  override tracePass<P>(
    kind: PassKind,
    items$: Observable<P>,
    record: (pass: PassTrace, item: P) => void,
  ): Observable<P> {
    if (this.idle) return items$;
    return new Observable<P>(subscriber => {
      const pass = this.pass(kind);
      const subscription = pass.run(() =>
        items$.subscribe({
          next: item => {
            record(pass, item);
            subscriber.next(item);
          },
          error: (error: unknown) => {
            pass.end(error);
            subscriber.error(error);
          },
          complete: () => {
            pass.end();
            subscriber.complete();
          },
        }),
      );
      return () => {
        subscription.unsubscribe();
        pass.end('cancelled');
      };
    });
  }
}
