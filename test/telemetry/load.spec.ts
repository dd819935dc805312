import * as api from '@opentelemetry/api';
import { Logger } from '@nestjs/common';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { of } from 'rxjs';
import { loadTelemetry } from '../../lib/telemetry/load-telemetry.js';
import { BlueButtonTelemetry } from '../../lib/telemetry/telemetry.js';

/** How the module picks its telemetry, and what it costs without an SDK. */
const notFound = () =>
  Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }));

afterEach(() => vi.restoreAllMocks());

it('is the disabled telemetry, silently, when the API is not installed', async () => {
  const warn = vi.spyOn(Logger.prototype, 'warn');
  expect(await loadTelemetry(notFound)).toBe(BlueButtonTelemetry.disabled);
  expect(warn).not.toHaveBeenCalled();
});

it('is disabled with a warning when the API is installed but fails to load', async () => {
  const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  expect(await loadTelemetry(() => Promise.reject(new SyntaxError('bad build')))).toBe(
    BlueButtonTelemetry.disabled,
  );
  expect(warn).toHaveBeenCalledWith(
    '@opentelemetry/api is installed but could not be loaded; telemetry is off (SyntaxError)',
  );
});

it('uses the API from an ES module namespace or a CommonJS default export, and nothing else', async () => {
  expect((await loadTelemetry(async () => api)).enabled).toBe(true);
  expect((await loadTelemetry(async () => ({ default: api }))).enabled).toBe(true);
  expect(await loadTelemetry(async () => ({ trace: {} }))).toBe(BlueButtonTelemetry.disabled);
});

it('costs nothing with the API and no SDK: the constant no-ops, until an SDK registers', async () => {
  const telemetry = await loadTelemetry(async () => api);
  const noop = BlueButtonTelemetry.disabled.http('GET', 'x', undefined);
  const url = 'https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/';
  expect(telemetry.http('GET', url, { count: 1, reason: '503' })).toBe(noop);
  expect(telemetry.pass('pagination')).toBe(BlueButtonTelemetry.disabled.pass('pagination'));
  const pages$ = of(1);
  expect(telemetry.tracePages('pagination', pages$, () => 0)).toBe(pages$);
  await expect(telemetry.refresh(async () => 'token').join()).resolves.toBe('token');

  // A tracer provider registered after the module started is picked up on the next call.
  const spans = new InMemorySpanExporter();
  api.trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  try {
    const call = telemetry.http('GET', url, undefined);
    expect(call).not.toBe(noop);
    call.end(200);
    expect(spans.getFinishedSpans().map(s => s.name)).toEqual(['GET /v2/fhir/Patient/']);
    // A malformed URL (never built by the services) gets no span rather than an error.
    expect(() =>
      telemetry.http('GET', 'not a URL', undefined).end(undefined, 'cancelled'),
    ).not.toThrow();
    expect(spans.getFinishedSpans()).toHaveLength(1);
  } finally {
    api.trace.disable();
  }
});

it('costs nothing when disabled: constant no-ops, the pages stream returned as is', () => {
  const disabled = BlueButtonTelemetry.disabled;
  expect(disabled.enabled).toBe(false);
  expect(disabled.http('GET', 'x', undefined)).toBe(disabled.http('POST', 'y', undefined));
  expect(disabled.pass('sync')).toBe(disabled.pass('pagination'));
  const pages$ = of(1, 2);
  expect(disabled.tracePages('pagination', pages$, () => 0)).toBe(pages$);
});
