import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Bundle } from 'fhir/r4.js';
import { ReauthorizationRequiredError, TokenRefreshError } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { BlueButtonTelemetry } from '../../lib/telemetry/telemetry.js';
import {
  bootBlueButton,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';
import { InMemoryOtel, named, parentOf, type Measurement } from '../support/otel.js';

/**
 * The spans and metrics an app's OpenTelemetry SDK receives from the module, with the SDK's
 * in-memory exporters registered globally as an app's start-up file would, before the module boots.
 */
let otel: InMemoryOtel;
let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let origin: URL;

beforeAll(async () => {
  otel = InMemoryOtel.register();
  emu = await startEmulator({ beneficiaries: [{ username: 'BBUser20000', eobCount: 120 }] });
  bb = await bootBlueButton(emu);
  origin = new URL(emu.baseUrl);
});
afterAll(async () => {
  await bb?.close();
  await emu?.close();
  await otel?.shutdown();
});
beforeEach(() => {
  emu.faults.clear();
  otel.reset();
});

const tracer = () => trace.getTracer('test-app');
/** Runs `work` inside an app span, as a request handler would; returns its result and the span. */
async function inAppSpan<T>(work: () => Promise<T>): Promise<{ result: T; app: ReadableSpan }> {
  const result = await tracer().startActiveSpan('app request', async span => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
  return { result, app: named(otel.spans(), 'app request').at(-1)! };
}
const sum = (all: Measurement[], name: string, attrs: Record<string, unknown> = {}) =>
  all
    .filter(m => m.name === name && Object.entries(attrs).every(([k, v]) => m.attributes[k] === v))
    .reduce(
      (n, m) => n + (typeof m.value === 'number' ? m.value : (m.value as { count: number }).count),
      0,
    );
const port = () => Number(origin.port);

it('is OpenTelemetry when @opentelemetry/api is installed', () => {
  expect(bb.moduleRef.get(BlueButtonTelemetry).enabled).toBe(true);
});

it('makes each call one CLIENT span named `{method} {url.template}` with the HTTP semconv attributes, under the app span', async () => {
  const token = await login(bb.auth);
  const exchange = named(otel.spans(), 'POST /v2/o/token/');
  expect(exchange).toHaveLength(1);
  expect(exchange[0].attributes['http.response.status_code']).toBe(200);
  otel.reset();
  const before = await otel.measurements();

  const { app } = await inAppSpan(() => firstValueFrom(bb.fhir.getPatientData(token)));
  const spans = otel.spans().filter(s => s !== app);
  expect(spans).toHaveLength(1);
  const [call] = spans;
  expect(call.name).toBe('GET /v2/fhir/Patient/');
  expect(call.kind).toBe(SpanKind.CLIENT);
  expect(call.instrumentationScope.name).toBe('nestjs-bluebutton');
  expect(call.attributes).toEqual({
    'http.request.method': 'GET',
    'server.address': origin.hostname,
    'server.port': port(),
    'url.scheme': 'http',
    'url.template': '/v2/fhir/Patient/',
    'url.full': `${origin.origin}/v2/fhir/Patient/`,
    'http.response.status_code': 200,
  });
  expect(call.status.code).toBe(SpanStatusCode.UNSET);
  expect(parentOf(otel.spans(), call)).toBe(app);

  const after = await otel.measurements();
  const ok = { 'url.template': '/v2/fhir/Patient/', 'http.response.status_code': 200 };
  expect(
    sum(after, 'http.client.request.duration', ok) -
      sum(before, 'http.client.request.duration', ok),
  ).toBe(1);
  expect(after.find(m => m.name === 'http.client.request.duration')?.unit).toBe('s');
});

it('templates every id in span names (v2 ids) and keeps query values out of url.full', async () => {
  const token = await login(bb.auth);
  const eobs = await firstValueFrom(
    bb.fhir.getExplanationOfBenefitData(token, { type: 'carrier', _count: 5 }),
  );
  otel.reset();
  await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token, { type: 'carrier', _count: 5 }));
  const eobId = eobs.data.entry![0].resource!.id!;
  expect(eobId).toMatch(/^carrier--\d+$/);
  await firstValueFrom(bb.fhir.readExplanationOfBenefit(eobId, token));
  await firstValueFrom(bb.fhir.readCoverage(`part-a-${token.patient}`, token));
  await firstValueFrom(bb.fhir.readPatient(token.patient!, token));
  const names = otel.spans().map(s => s.name);
  expect(names).toEqual([
    'GET /v2/fhir/ExplanationOfBenefit/',
    'GET /v2/fhir/ExplanationOfBenefit/{id}',
    'GET /v2/fhir/Coverage/{id}',
    'GET /v2/fhir/Patient/{id}',
  ]);
  expect(otel.spans()[0].attributes['url.full']).toBe(
    `${origin.origin}/v2/fhir/ExplanationOfBenefit/?type=REDACTED&_count=REDACTED`,
  );
});

it('gives each retry its own span with http.request.resend_count, and counts retries by error.type', async () => {
  const token = await login(bb.auth);
  otel.reset();
  const before = await otel.measurements();
  emu.faults.enqueue('/v2/fhir/Coverage', [{ status: 503 }, { drop: true }]);
  await firstValueFrom(bb.fhir.getCoverageData(token));

  const spans = named(otel.spans(), 'GET /v2/fhir/Coverage/');
  expect(
    spans.map(s => [
      s.attributes['http.request.resend_count'],
      s.attributes['http.response.status_code'],
      s.attributes['error.type'],
      s.status.code,
    ]),
  ).toEqual([
    [undefined, 503, '503', SpanStatusCode.ERROR],
    [1, undefined, 'ECONNRESET', SpanStatusCode.ERROR],
    [2, 200, undefined, SpanStatusCode.UNSET],
  ]);
  const after = await otel.measurements();
  const delta = (attrs: Record<string, unknown>) =>
    sum(after, 'bluebutton.http.retries', attrs) - sum(before, 'bluebutton.http.retries', attrs);
  expect([delta({ 'error.type': '503' }), delta({ 'error.type': 'ECONNRESET' })]).toEqual([1, 1]);
  expect(after.find(m => m.name === 'bluebutton.http.retries')?.attributes).toEqual({
    'error.type': expect.any(String),
    'http.request.method': 'GET',
    'url.template': '/v2/fhir/Coverage/',
  });
  const failed = { 'url.template': '/v2/fhir/Coverage/', 'error.type': '503' };
  expect(
    sum(after, 'http.client.request.duration', failed) -
      sum(before, 'http.client.request.duration', failed),
  ).toBe(1);
});

it('nests the refresh and its POST between the 401 and the replay, and counts the refresh outcome', async () => {
  const token = await login(bb.auth);
  const before = await otel.measurements();
  emu.faults.enqueue('/v2/fhir/Patient', {
    status: 401,
    body: { detail: 'Authentication credentials were not provided.' },
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });
  otel.reset();
  const { app } = await inAppSpan(() => firstValueFrom(bb.fhir.getPatientData(token)));
  const spans = otel.spans();
  const [refresh] = named(spans, 'bluebutton.token.refresh');
  const [post] = named(spans, 'POST /v2/o/token/');
  expect(
    named(spans, 'GET /v2/fhir/Patient/').map(s => s.attributes['http.response.status_code']),
  ).toEqual([401, 200]);
  expect(parentOf(spans, refresh)).toBe(app);
  expect(parentOf(spans, post)).toBe(refresh);
  expect(refresh.kind).toBe(SpanKind.INTERNAL);
  expect(refresh.attributes).toEqual({
    'bluebutton.token.refresh.outcome': 'ok',
    'bluebutton.token.refresh.joined': 0,
  });
  expect(refresh.links).toEqual([]);
  const after = await otel.measurements();
  const ok = { 'bluebutton.token.refresh.outcome': 'ok' };
  expect(
    sum(after, 'bluebutton.token.refreshes', ok) - sum(before, 'bluebutton.token.refreshes', ok),
  ).toBe(1);
});

it('counts refreshes that need re-authorization and transient ones apart, with error spans', async () => {
  const before = await otel.measurements();
  const transient = await login(bb.auth);
  emu.faults.enqueue('/v2/o/token', { status: 503 });
  await expect(firstValueFrom(bb.auth.refreshAuthToken(transient))).rejects.toBeInstanceOf(
    TokenRefreshError,
  );
  const revoked = await login(bb.auth);
  await firstValueFrom(bb.auth.revoke(revoked));
  await expect(firstValueFrom(bb.auth.refreshAuthToken(revoked))).rejects.toBeInstanceOf(
    ReauthorizationRequiredError,
  );

  const refreshes = named(otel.spans(), 'bluebutton.token.refresh');
  expect(
    refreshes.map(s => [s.attributes['bluebutton.token.refresh.outcome'], s.status.code]),
  ).toEqual([
    ['transient', SpanStatusCode.ERROR],
    ['reauthorization', SpanStatusCode.ERROR],
  ]);
  expect(named(otel.spans(), 'POST /v2/o/revoke/')).toHaveLength(1);
  const after = await otel.measurements();
  const delta = (outcome: string) =>
    sum(after, 'bluebutton.token.refreshes', { 'bluebutton.token.refresh.outcome': outcome }) -
    sum(before, 'bluebutton.token.refreshes', { 'bluebutton.token.refresh.outcome': outcome });
  expect([delta('transient'), delta('reauthorization'), delta('ok')]).toEqual([1, 1, 0]);
});

it('makes a pagination pass one span with its page and resource counts, parent of its page GETs', async () => {
  const token = await login(bb.auth, { user: 'BBUser20000' });
  const first = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token))).data;
  otel.reset();
  const before = await otel.measurements();
  const pages = await lastValueFrom(bb.fhir.pages(first, token).pipe(toArray()));
  const resources = pages.reduce((n, p) => n + (p.data.entry?.length ?? 0), 0);
  expect(resources).toBe(120);

  const spans = otel.spans();
  const [pass] = named(spans, 'bluebutton.pagination');
  expect(pass.attributes).toEqual({
    'bluebutton.pass': 'pagination',
    'bluebutton.pass.pages': pages.length,
    'bluebutton.pass.resources': 120,
  });
  // BB2's next links have no trailing slash: the template is the path as sent.
  const gets = named(spans, 'GET /v2/fhir/ExplanationOfBenefit');
  // The first page was the caller's own search: the pass fetched the others.
  expect(gets).toHaveLength(pages.length - 1);
  expect(gets.every(g => parentOf(spans, g) === pass)).toBe(true);
  const after = await otel.measurements();
  const kind = { 'bluebutton.pass': 'pagination' };
  expect(sum(after, 'bluebutton.pages', kind) - sum(before, 'bluebutton.pages', kind)).toBe(
    pages.length - 1,
  );
});

it('ends a pass the app stops early as cancelled', async () => {
  const token = await login(bb.auth, { user: 'BBUser20000' });
  const first = (await firstValueFrom(bb.fhir.getExplanationOfBenefitData(token))).data as Bundle;
  otel.reset();
  await firstValueFrom(bb.fhir.pages(first, token));
  const [pass] = named(otel.spans(), 'bluebutton.pagination');
  expect([pass.attributes['bluebutton.pass.pages'], pass.attributes['error.type']]).toEqual([
    1,
    'cancelled',
  ]);
});

it('makes a sync pass one span over its searches, with their page and resource totals', async () => {
  const token = await login(bb.auth, { user: 'BBUser20000' });
  otel.reset();
  const events = await lastValueFrom(bb.fhir.sync(token).pipe(toArray()));
  const done = events.at(-1)!;
  if (done.kind !== 'done') throw new Error('the pass did not end with its watermark');
  const report = Object.values(done.report);
  const pages = report.reduce((n, r) => n + r.pages, 0);

  const spans = otel.spans();
  const [pass] = named(spans, 'bluebutton.sync');
  expect(pass.attributes).toEqual({
    'bluebutton.pass': 'sync',
    'bluebutton.pass.pages': pages,
    'bluebutton.pass.resources': events.length - 1,
  });
  // Every search of the pass, first pages included, is a GET inside the sync span.
  const gets = spans.filter(s => s.name.startsWith('GET '));
  expect(gets).toHaveLength(pages);
  const inside = (s: ReadableSpan): boolean => {
    const parent = parentOf(spans, s);
    return parent === pass || (parent !== undefined && inside(parent));
  };
  expect(gets.every(inside)).toBe(true);
});
