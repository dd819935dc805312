import { context, metrics, trace, type ProxyTracerProvider } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { bootBlueButton, login, startEmulator } from '../support/bluebutton.js';

/**
 * The telemetry guide's three lines (docs/examples/telemetry.ts), run as an app runs them:
 * imported before the module boots. What their console exporters print holds the module's spans and metrics.
 */
let emu: BlueButtonEmulator;
const printed: unknown[] = [];

beforeAll(async () => {
  vi.spyOn(console, 'dir').mockImplementation(item => void printed.push(item));
  await import('../../docs/examples/telemetry.js');
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
  await tracerProvider().shutdown();
  await (metrics.getMeterProvider() as MeterProvider).shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
  vi.restoreAllMocks();
});

const tracerProvider = () =>
  (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as BasicTracerProvider;

it('turns the spans and metrics on', async () => {
  const bb = await bootBlueButton(emu);
  try {
    const token = await login(bb.auth);
    await firstValueFrom(bb.fhir.getPatientData(token));
  } finally {
    await bb.close();
  }
  await tracerProvider().forceFlush();
  await (metrics.getMeterProvider() as MeterProvider).forceFlush();
  const spans = printed.filter(
    (p): p is { name: string } => typeof (p as { name?: unknown }).name === 'string',
  );
  expect(spans.map(s => s.name)).toEqual(['POST /v2/o/token/', 'GET /v2/fhir/Patient/']);
  const instruments = printed.map(p => (p as { descriptor?: { name: string } }).descriptor?.name);
  expect(instruments).toContain('http.client.request.duration');
});
