// Section 5: the emulator itself.
import { fmt, table } from './format.mjs';

/** `{ targets, markdown, text }` for the emulator case. */
export function emulatorReport(emulator) {
  const markdown = [
    '## 5. Emulator',
    '',
    'The emulator benchmark (startup and serving, in-process since the emulator is what it measures):',
    '',
    table(
      ['measure', 'value'],
      [
        [
          'startup with a 10,000-EOB beneficiary (one start, fresh process)',
          `${fmt(emulator.startupMs, 1)} ms`,
        ],
        [
          `one 50-EOB page, ${emulator.rounds} GETs: median, p95 (min–max)`,
          `${fmt(emulator.page50Ms.median, 1)} ms, ${fmt(emulator.page50Ms.p95, 1)} ms (${fmt(emulator.page50Ms.min, 1)}–${fmt(emulator.page50Ms.max, 1)})`,
        ],
      ],
    ),
    '',
  ];
  const text = [
    `Emulator: startup ${fmt(emulator.startupMs, 1)} ms; 50-EOB page median ${fmt(emulator.page50Ms.median, 1)} ms, p95 ${fmt(emulator.page50Ms.p95, 1)} ms`,
  ];
  return { targets: [], markdown, text };
}
