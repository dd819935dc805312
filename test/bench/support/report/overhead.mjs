// Section 2: per-request overhead against bare axios.
import { fmt, ms, ratioText, table, x } from './format.mjs';

/** `{ targets, markdown, text }` for the overhead case. */
export function overheadReport(oh) {
  const [ours, bare] = oh.contenders;
  const perCall = c => `${fmt((c.ms.median / oh.calls) * 1000)} µs`;
  const perCallDiff = ((ours.ms.median - bare.ms.median) / oh.calls) * 1000;
  const targets = [
    ['Per-request overhead vs bare axios', '≤ 1.05×', ratioText(oh.ratio), oh.ratio.median <= 1.05],
  ];
  const markdown = [
    '## 2. Per-request overhead',
    '',
    `${fmt(oh.calls)} sequential \`getPatientData\` calls (\`GET ${oh.url}\`), emulator latency 0, against the same ` +
      `${fmt(oh.calls)} GETs on a bare axios instance with a keep-alive agent. The emulator recorded byte-identical ` +
      `requests from both (same URL; headers ${oh.headers.map(h => `\`${h}\``).join(', ')}). ` +
      `Each round runs ${fmt(oh.calls)} calls per contender in blocks of ${fmt(oh.block)}, alternating, after a warm-up; ` +
      `${oh.rounds} rounds. Both parse the JSON body.`,
    '',
    table(
      ['contender', `${fmt(oh.calls)} calls, median (min–max)`, 'per call', 'client CPU per call'],
      oh.contenders.map(c => [
        c.label,
        ms(c.ms),
        perCall(c),
        `${fmt((c.cpuMs.median / oh.calls) * 1000)} µs`,
      ]),
    ),
    '',
    `Ratio ours / bare axios: **${ratioText(oh.ratio)}** per round (each round's two totals were measured ` +
      `interleaved); the ratio of the medians is ${x(ours.ms.median / bare.ms.median)}, ` +
      `${fmt(Math.abs(perCallDiff))} µs ${perCallDiff >= 0 ? 'more' : 'less'} per call. The bare instance keeps ` +
      `axios's defaults apart from the agent (redirects followed through follow-redirects, JSON parsed by ` +
      `its default transform); ours refuses redirects and parses the text itself, after checking the status ` +
      `and the content.`,
    '',
  ];
  const text = [
    'Overhead:',
    ...oh.contenders.map(
      c => `  ${c.label}: ${ms(c.ms)} for ${fmt(oh.calls)} calls (${perCall(c)} per call)`,
    ),
    `  ratio ${ratioText(oh.ratio)}`,
  ];
  return { targets, markdown, text };
}
