import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** One recorded measurement: the instrument's name and the data point's attributes and value. */
export interface Measurement {
  name: string;
  unit: string;
  attributes: Attributes;
  value: DataPoint<unknown>['value'];
}

/**
 * An OpenTelemetry SDK registered globally, as an app's start-up file would (AsyncLocalStorage
 * context manager, tracer provider, meter provider), exporting to the SDK's in-memory exporters.
 * Test files run in forked processes, so each file registers one in `beforeAll` and calls
 * {@link shutdown} in `afterAll`, which unregisters the globals.
 */
export class InMemoryOtel {
  readonly spanExporter = new InMemorySpanExporter();
  readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  });
  private readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly contextManager = new AsyncLocalStorageContextManager();

  /** Registers the SDK's providers and context manager as the API's globals. */
  static register(): InMemoryOtel {
    const otel = new InMemoryOtel();
    context.setGlobalContextManager(otel.contextManager.enable());
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    return otel;
  }

  /** Every span ended since the last {@link reset}. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  /** Every data point of every instrument (cumulative since the last {@link reset}). */
  async measurements(): Promise<Measurement[]> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const all: MetricData[] = this.metricExporter
      .getMetrics()
      .flatMap(rm => rm.scopeMetrics.flatMap(sm => sm.metrics));
    return all.flatMap(m =>
      (m.dataPoints as DataPoint<unknown>[]).map(p => ({
        name: m.descriptor.name,
        unit: m.descriptor.unit,
        attributes: p.attributes,
        value: p.value,
      })),
    );
  }

  /** Forgets the spans ended so far (metrics are cumulative: compare before and after instead). */
  reset(): void {
    this.spanExporter.reset();
  }

  /** Shuts the SDK down and unregisters the globals. */
  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  }
}

/** The spans named `name`. */
export const named = (spans: ReadableSpan[], name: string) => spans.filter(s => s.name === name);

/** The span whose span id is `parent`'s parent. */
export function parentOf(spans: ReadableSpan[], child: ReadableSpan): ReadableSpan | undefined {
  const id = child.parentSpanContext?.spanId;
  return spans.find(s => s.spanContext().spanId === id);
}
