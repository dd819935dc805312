import * as api from '@opentelemetry/api';
import { Logger } from '@nestjs/common';
import { of } from 'rxjs';
import { loadTelemetry } from '../../lib/telemetry/load-telemetry.js';
import { BlueButtonTelemetry } from '../../lib/telemetry/telemetry.js';

/** How the module picks its telemetry; no SDK is registered in this file. */
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

it('answers with the API and no SDK, through the API’s own no-op tracer and meter', async () => {
  const telemetry = await loadTelemetry(async () => api);
  const call = telemetry.http('GET', 'https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/', {
    count: 1,
    reason: '503',
  });
  expect(call.run(() => 42)).toBe(42);
  call.end(200);
  // A malformed URL (never built by the services) gets no span rather than an error.
  expect(() =>
    telemetry.http('GET', 'not a URL', undefined).end(undefined, 'cancelled'),
  ).not.toThrow();
  await expect(telemetry.refresh(async () => 'token').join()).resolves.toBe('token');
});

it('costs nothing when disabled: constant no-ops, the pages stream returned as is', () => {
  const disabled = BlueButtonTelemetry.disabled;
  expect(disabled.enabled).toBe(false);
  expect(disabled.http('GET', 'x', undefined)).toBe(disabled.http('POST', 'y', undefined));
  expect(disabled.pass('sync')).toBe(disabled.pass('pagination'));
  const pages$ = of(1, 2);
  expect(disabled.tracePages('pagination', pages$, () => 0)).toBe(pages$);
});
