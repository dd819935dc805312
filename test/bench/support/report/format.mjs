// Formatting helpers shared by the case reports.
import { fmt, medianRange, summarize } from '../stats.mjs';

export const MB = v => `${fmt(v.median, 0)} MB (${fmt(v.min, 0)}–${fmt(v.max, 0)})`;
export const ms = (v, d = 0) => `${medianRange(v, d)} ms`;
export const x = (v, d = 2) => `${fmt(v, d)}×`;
export const pct = v => `${v >= 0 ? '+' : ''}${fmt(v * 100, 1)} %`;

/** Per-round ratios a[i] / b[i] (the contenders of one round ran back to back). */
export const ratios = (a, b) => summarize(a.map((v, i) => v / b[i]));
export const ratioText = r => `${x(r.median)} (rounds ${fmt(r.min, 2)}–${fmt(r.max, 2)})`;

/** A markdown table. */
export function table(head, rows) {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map(r => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export { fmt, medianRange };
