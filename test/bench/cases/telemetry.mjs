// Case 6: the cost of OpenTelemetry. The overhead case's 5,000 sequential `getPatientData` calls,
// by four contenders alternated in one process: our module without `@opentelemetry/api` (the
// telemetry the module provides when the import fails), with the API but no SDK registered, with
// an SDK exporting to memory, and the bare axios reference.
import 'reflect-metadata';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import * as api from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { firstValueFrom } from 'rxjs';
import { EmulatorProcess } from '../support/emulator-process.mjs';
import { ourToken } from '../support/ours.mjs';
import { axiosVersion, BENCH, loadAxios, loadBluebutton } from '../support/pkg.mjs';
import { progress, rotation, summarize } from '../support/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = 5000;
const WARMUP = 500;
const BLOCK = 500;
const PATH = '/v2/fhir/Patient/';

// The telemetry classes of the measured build (not exported by the package: reached by file, the
// same modules its entry point loads, so the DI token is the same class).
const dist = join(BENCH, 'node_modules', 'nestjs-bluebutton', 'dist', 'telemetry');
const { BlueButtonTelemetry } = await import(pathToFileURL(join(dist, 'telemetry.js')).href);
const { OtelTelemetry } = await import(pathToFileURL(join(dist, 'otel-telemetry.js')).href);
const { BlueButtonModule, FhirService } = await loadBluebutton();
const axios = await loadAxios();

// The SDK contender's providers are given to it directly, not registered globally, so the API
// contender keeps the API's no-op globals. A BatchSpanProcessor, as apps use.
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(spans)],
});
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    }),
  ],
});

const emu = await EmulatorProcess.start({});

/** Boots the module as `bootOurs` does, with `telemetry` in place of the one the module loads. */
async function boot(telemetry) {
  const definition = BlueButtonModule.forRoot({
    baseUrl: emu.baseUrl,
    clientId: emu.client.clientId,
    clientSecret: emu.client.clientSecret,
    callbackUrl: emu.client.redirectUris[0],
  });
  // A provider listed later in a module replaces an earlier one with the same token.
  definition.providers = [
    ...definition.providers,
    { provide: BlueButtonTelemetry, useValue: telemetry },
  ];
  const app = await NestFactory.createApplicationContext(definition, {
    logger: ['error', 'warn'],
  });
  return { fhir: app.get(FhirService), close: () => app.close() };
}

const telemetries = {
  absent: BlueButtonTelemetry.disabled,
  api: new OtelTelemetry(api),
  sdk: new OtelTelemetry(api, { tracerProvider, meterProvider }),
};
const apps = {
  absent: await boot(telemetries.absent),
  api: await boot(telemetries.api),
  sdk: await boot(telemetries.sdk),
};
const token = ourToken(await emu.getToken('BBUser00000'));
const bare = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
await emu.clearRequests();
await firstValueFrom(apps.absent.fhir.getPatientData(token));
const [sent] = await emu.requests(PATH, 'GET');
const AXIOS_OWN = new Set(['user-agent', 'accept-encoding', 'host', 'connection']);
const headers = Object.fromEntries(Object.entries(sent.headers).filter(([k]) => !AXIOS_OWN.has(k)));
const url = `${emu.baseUrl}${sent.url}`;

const ours = (key, label) => ({
  key,
  label,
  call: async () => {
    const res = await firstValueFrom(apps[key].fhir.getPatientData(token));
    if (res.data.resourceType !== 'Bundle') throw new Error('not a Bundle');
  },
});
const contenders = [
  ours('absent', 'ours, without @opentelemetry/api'),
  ours('api', 'ours, @opentelemetry/api installed, no SDK registered'),
  ours('sdk', 'ours, SDK with in-memory exporters (BatchSpanProcessor, a metric reader)'),
  {
    key: 'axios',
    label: `bare axios ${axiosVersion}, keep-alive agent, same URL and headers`,
    call: async () => {
      const res = await bare.get(url, { headers });
      if (res.data.resourceType !== 'Bundle') throw new Error('not a Bundle');
    },
  },
];

const batch = async (c, n) => {
  for (let i = 0; i < n; i++) await c.call();
};
for (const c of contenders) await batch(c, WARMUP);
await tracerProvider.forceFlush();
spans.reset();

const samples = Object.fromEntries(contenders.map(c => [c.key, []]));
const cpu = Object.fromEntries(contenders.map(c => [c.key, []]));
let sdkSpans = 0;
for (let r = 0; r < ROUNDS; r++) {
  const total = Object.fromEntries(contenders.map(c => [c.key, 0]));
  const used = Object.fromEntries(contenders.map(c => [c.key, 0]));
  for (let b = 0; b < CALLS / BLOCK; b++) {
    for (const c of rotation(contenders, r + b)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await batch(c, BLOCK);
      total[c.key] += performance.now() - t0;
      const u = process.cpuUsage(c0);
      used[c.key] += (u.user + u.system) / 1000;
      if (c.key === 'sdk') {
        // Outside the timing: count what reached the exporter, and keep memory flat.
        await tracerProvider.forceFlush();
        sdkSpans += spans.getFinishedSpans().length;
        spans.reset();
      }
    }
  }
  for (const c of contenders) {
    samples[c.key].push(total[c.key]);
    cpu[c.key].push(used[c.key]);
  }
  progress(
    `telemetry round ${r + 1}/${ROUNDS}: ${contenders.map(c => `${c.key} ${total[c.key].toFixed(0)} ms`).join(', ')}`,
  );
}
if (sdkSpans !== ROUNDS * CALLS)
  throw new Error(`the SDK received ${sdkSpans} spans, not ${ROUNDS * CALLS}`);

// The instrumentation alone, as the HTTP service drives it for one attempt, without the request:
// what each contender adds per call, measured without the noise of the round trips.
const MICRO_CHUNK = 1000;
const micro = Object.fromEntries(Object.keys(telemetries).map(k => [k, []]));
const attempt = t => {
  const call = t.http('GET', url, undefined);
  call.run(() => 0);
  call.end(200);
};
for (let r = 0; r < 5 + 1; r++) {
  for (const [key, t] of rotation(Object.entries(telemetries), r)) {
    let elapsed = 0;
    for (let chunk = 0; chunk < 20; chunk++) {
      const t0 = performance.now();
      for (let i = 0; i < MICRO_CHUNK; i++) attempt(t);
      elapsed += performance.now() - t0;
      // Let the batch processor export (outside the timing), as it would between requests.
      await new Promise(resolve => setImmediate(resolve));
    }
    if (r > 0) micro[key].push((elapsed / (20 * MICRO_CHUNK)) * 1000); // round 0 warms up
  }
}
await tracerProvider.forceFlush();
spans.reset();

for (const app of Object.values(apps)) await app.close();
await tracerProvider.shutdown();
await meterProvider.shutdown();
await emu.close();

const ratio = (a, b, of = samples) => summarize(of[a].map((v, i) => v / of[b][i]));
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    calls: CALLS,
    block: BLOCK,
    url: sent.url,
    sdkSpansPerCall: sdkSpans / (ROUNDS * CALLS),
    instrumentationUs: Object.fromEntries(
      Object.entries(micro).map(([key, us]) => [key, summarize(us)]),
    ),
    contenders: contenders.map(c => ({
      key: c.key,
      label: c.label,
      ms: summarize(samples[c.key]),
      cpuMs: summarize(cpu[c.key]),
      samples: samples[c.key],
    })),
    ratios: {
      apiVsAbsent: ratio('api', 'absent'),
      sdkVsAbsent: ratio('sdk', 'absent'),
      absentVsAxios: ratio('absent', 'axios'),
      apiVsAxios: ratio('api', 'axios'),
      cpuApiVsAbsent: ratio('api', 'absent', cpu),
      cpuSdkVsAbsent: ratio('sdk', 'absent', cpu),
    },
  }),
);
