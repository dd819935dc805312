import { trace } from '@opentelemetry/api';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';
import { InMemoryOtel, named, parentOf } from '../support/otel.js';

/**
 * 50 app requests call Blue Button at once with the same expiring token. They share one refresh:
 * one POST, one refresh span, a child of the request that started it, with a link to each of the
 * 49 requests that joined it (the fan-in shape of a batch span: one operation, many triggers).
 */
let otel: InMemoryOtel;
let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;

beforeAll(async () => {
  otel = InMemoryOtel.register();
  emu = await startEmulator();
  bb = await bootBlueButton(emu);
});
afterAll(async () => {
  await bb?.close();
  await emu?.close();
  await otel?.shutdown();
});

it('50 concurrent callers of an expired token: one POST, one refresh span, 49 links to the joiners', async () => {
  const token = expiredCopy(await login(bb.auth));
  emu.clearRequests();
  otel.reset();
  const tracer = trace.getTracer('test-app');
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      tracer.startActiveSpan(`app request ${i}`, async span => {
        try {
          return await firstValueFrom(bb.fhir.getPatientData(token));
        } finally {
          span.end();
        }
      }),
    ),
  );
  expect(new Set(results.map(r => r.token.accessToken)).size).toBe(1);
  expect(emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST')).toHaveLength(1);

  const spans = otel.spans();
  const callers = spans.filter(s => s.name.startsWith('app request '));
  expect(callers).toHaveLength(50);
  const refreshes = named(spans, 'bluebutton.token.refresh');
  expect(refreshes).toHaveLength(1);
  const [refresh] = refreshes;
  const starter = parentOf(spans, refresh);
  expect(callers).toContain(starter);
  expect(refresh.attributes['bluebutton.token.refresh.joined']).toBe(49);

  // One link per joiner, each to a distinct caller, none to the starter: with it, all 50.
  const linked = refresh.links.map(l => l.context.spanId);
  expect(linked).toHaveLength(49);
  expect(new Set([...linked, starter!.spanContext().spanId])).toEqual(
    new Set(callers.map(c => c.spanContext().spanId)),
  );
  expect(refresh.links.every(l => l.context.traceId !== refresh.spanContext().traceId)).toBe(true);

  // The one POST belongs to the refresh; each caller's GET stays in its own trace.
  const [post] = named(spans, 'POST /v2/o/token/');
  expect(named(spans, 'POST /v2/o/token/')).toHaveLength(1);
  expect(parentOf(spans, post)).toBe(refresh);
  const gets = named(spans, 'GET /v2/fhir/Patient/');
  expect(gets).toHaveLength(50);
  expect(new Set(gets.map(g => parentOf(spans, g)))).toEqual(new Set(callers));
});
