// Section 4: a refresh storm on one expired token.
import { fmt, medianRange, ms, table } from './format.mjs';

/** `{ targets, markdown, text }` for the storm case. */
export function stormReport(storm) {
  const [so, sof] = storm.contenders;
  const oneEach = so.runs.every(r => r.posts === 1);
  const targets = [
    [
      'Refresh storm: refresh POSTs',
      'exactly 1',
      `${so.runs.map(r => r.posts).join(', ')} (per round)`,
      oneEach,
    ],
  ];
  const markdown = [
    '## 4. Refresh storm',
    '',
    `${storm.calls} concurrent \`getPatientData\` calls on one expired token (emulator latency 0, refresh tokens ` +
      `rotate as on BB2). ${storm.rounds} rounds, alternating, each with a fresh login.`,
    '',
    table(
      [
        'contender',
        'refresh POSTs received',
        'failed calls',
        'FHIR GETs sent',
        'time until all settle',
      ],
      storm.contenders.map(c => [
        c.label,
        medianRange(c.posts),
        medianRange(c.failed),
        medianRange(c.gets),
        ms(c.ms),
      ]),
    ),
    '',
    `Ours: one POST in every round, all ${storm.calls} calls answered with the same new token. The official SDK ` +
      `refreshes once per call with no coordination: the first POST rotates the refresh token, the other ` +
      `${fmt(sof.posts.median - 1)} are refused, and those calls reject without sending their GET (which is why it ` +
      `finishes sooner: it does ${fmt(sof.gets.median)} GET instead of ${storm.calls}).`,
    '',
  ];
  const text = [
    'Refresh storm:',
    ...storm.contenders.map(
      c =>
        `  ${c.label}: ${medianRange(c.posts)} POSTs, ${medianRange(c.failed)} failed, ${ms(c.ms)}`,
    ),
  ];
  return { targets, markdown, text };
}
