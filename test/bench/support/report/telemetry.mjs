// Section 6: what OpenTelemetry costs per call, absent, API without SDK, and with an SDK.
import { fmt, medianRange } from '../stats.mjs';

const ratioText = r => `${fmt(r.median, 3)}× (rounds ${fmt(r.min, 3)}–${fmt(r.max, 3)})`;

/** `{ targets, markdown, text }` for the telemetry case. */
export function telemetryReport(tel) {
  const perCall = c => `${fmt((c.ms.median / tel.calls) * 1000)} µs`;
  const by = Object.fromEntries(tel.contenders.map(c => [c.key, c]));
  const extra = key => ((by[key].ms.median - by.absent.ms.median) / tel.calls) * 1000;
  const md = [
    '## 6. OpenTelemetry cost',
    '',
    `The overhead case's ${fmt(tel.calls)} sequential \`getPatientData\` calls (\`GET ${tel.url}\`, emulator ` +
      `latency 0) by four contenders in one process, in blocks of ${fmt(tel.block)}, rotated, after a warm-up; ` +
      `${tel.rounds} rounds. The three of ours are the same module booted three times, differing only in the ` +
      'telemetry it is given: the one it provides when `@opentelemetry/api` cannot be imported, the ' +
      'OpenTelemetry one on the API with no SDK registered (the no-op globals), and the OpenTelemetry one on ' +
      'an SDK (sdk-trace-base `BasicTracerProvider` with a `BatchSpanProcessor` into an `InMemorySpanExporter`, ' +
      'sdk-metrics `MeterProvider` with a metric reader; given to it directly, so the other contenders keep ' +
      `the no-op globals; no context manager). The SDK received ${fmt(tel.sdkSpansPerCall, 2)} span per call.`,
    '',
    `| contender | ${fmt(tel.calls)} calls, median (min–max) | per call | vs without the API | client CPU per call |`,
    '| --- | --- | --- | --- | --- |',
    ...tel.contenders.map(
      c =>
        `| ${c.label} | ${medianRange(c.ms)} ms | ${perCall(c)} | ${c.key === 'absent' ? '' : c.key === 'axios' ? '(reference)' : `${extra(c.key) >= 0 ? '+' : ''}${fmt(extra(c.key))} µs`} | ${fmt((c.cpuMs.median / tel.calls) * 1000)} µs |`,
    ),
    '',
    'The instrumentation alone, as the HTTP service drives it for one attempt (start the span, run the ' +
      'request in its context, end it with the status and record the duration) without the request, ' +
      `${fmt(20_000)} times in a row per measure, 5 measures alternated: ` +
      Object.entries(tel.instrumentationUs)
        .map(
          ([key, us]) =>
            `${key === 'absent' ? 'without the API' : key === 'api' ? 'API, no SDK' : 'SDK'} ${fmt(us.median, 2)} µs (${fmt(us.min, 2)}–${fmt(us.max, 2)})`,
        )
        .join(', ') +
      ` per call, against ${perCall(by.absent)} for the whole call.`,
    '',
    '| ratio (per round, median (min–max)) | value |',
    '| --- | --- |',
    `| API installed, no SDK / without the API | ${ratioText(tel.ratios.apiVsAbsent)} |`,
    `| SDK with in-memory exporters / without the API | ${ratioText(tel.ratios.sdkVsAbsent)} |`,
    `| without the API / bare axios | ${ratioText(tel.ratios.absentVsAxios)} |`,
    `| API installed, no SDK / bare axios | ${ratioText(tel.ratios.apiVsAxios)} |`,
    `| client CPU: API installed, no SDK / without the API | ${ratioText(tel.ratios.cpuApiVsAbsent)} |`,
    `| client CPU: SDK with in-memory exporters / without the API | ${ratioText(tel.ratios.cpuSdkVsAbsent)} |`,
    '',
  ];
  const text = [
    'OpenTelemetry cost:',
    ...tel.contenders.map(c => `  ${c.label}: ${medianRange(c.ms)} ms (${perCall(c)} per call)`),
    `  API no SDK / absent ${ratioText(tel.ratios.apiVsAbsent)}; SDK / absent ${ratioText(tel.ratios.sdkVsAbsent)}`,
    `  instrumentation alone per call: ${Object.entries(tel.instrumentationUs)
      .map(([key, us]) => `${key} ${fmt(us.median, 2)} µs`)
      .join(', ')}`,
  ];
  const targets = [
    [
      'OpenTelemetry: API installed, no SDK, vs without the API',
      '≤ 1.05× (costs nothing)',
      ratioText(tel.ratios.apiVsAbsent),
      tel.ratios.apiVsAbsent.median <= 1.05,
    ],
  ];
  return { targets, markdown: md, text };
}
