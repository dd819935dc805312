import type * as Api from '@opentelemetry/api';
import { Logger } from '@nestjs/common';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { BlueButtonTelemetry } from '../../lib/telemetry/telemetry.js';
import { bootBlueButton, expiredCopy, login, startEmulator } from '../support/bluebutton.js';

/**
 * An app without `@opentelemetry/api`: its import fails as Node fails it. The module boots, every
 * call works, nothing is logged about telemetry, and no span or measurement reaches an SDK — one is
 * registered here anyway (through the real API, which the package's code cannot see), to show it.
 */
vi.mock('@opentelemetry/api', () => {
  throw Object.assign(new Error("Cannot find package '@opentelemetry/api'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

let api: typeof Api;
const spans = new InMemorySpanExporter();
const measurements = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: measurements,
  exportIntervalMillis: 3_600_000,
});
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spans)],
});
const meterProvider = new MeterProvider({ readers: [reader] });
let emu: BlueButtonEmulator;

beforeAll(async () => {
  api = await vi.importActual<typeof Api>('@opentelemetry/api');
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);
  emu = await startEmulator({ beneficiaries: [{ username: 'BBUser20000', eobCount: 30 }] });
});
afterAll(async () => {
  await emu?.close();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  api.trace.disable();
  api.metrics.disable();
});

it('boots and calls Blue Button without @opentelemetry/api: no import error, zero spans, zero measurements', async () => {
  // As vitest reports a failed mock: Node's not-found error, wrapped as the cause.
  await expect(import('@opentelemetry/api')).rejects.toMatchObject({
    cause: { code: 'ERR_MODULE_NOT_FOUND' },
  });
  const warn = vi.spyOn(Logger.prototype, 'warn');
  const bb = await bootBlueButton(emu);
  try {
    expect(bb.moduleRef.get(BlueButtonTelemetry)).toBe(BlueButtonTelemetry.disabled);
    const token = await login(bb.auth, { user: 'BBUser20000' });
    const eobs = await firstValueFrom(bb.fhir.getExplanationOfBenefitData(expiredCopy(token)));
    emu.faults.enqueue('/v2/fhir/Coverage', { status: 503 });
    await firstValueFrom(bb.fhir.getCoverageData(eobs.token));
    const pages = await lastValueFrom(bb.fhir.pages(eobs.data, eobs.token).pipe(toArray()));
    expect(pages.length).toBeGreaterThan(1);
    expect(emu.requestsTo('/v2/o/token', 'POST')).toHaveLength(2); // the exchange and the refresh
  } finally {
    await bb.close();
  }
  expect(warn).not.toHaveBeenCalled();

  // The SDK is live: a span of the app's own reaches it, and nothing else does.
  api.trace.getTracer('test-app').startSpan('probe').end();
  expect(spans.getFinishedSpans().map(s => s.name)).toEqual(['probe']);
  await reader.forceFlush();
  const scopes = measurements.getMetrics().flatMap(rm => rm.scopeMetrics.map(sm => sm.scope.name));
  expect(scopes).not.toContain('nestjs-bluebutton');
});
