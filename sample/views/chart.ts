import type { MonthTotal } from '../records/claims.js';
import { money, month, moneyShort } from './format.js';
import { html, type SafeHtml } from './html.js';

const WIDTH = 800;
const HEIGHT = 240;
const PAD = { left: 64, right: 12, top: 14, bottom: 30 };

/** The smallest 1/2/5 × 10ⁿ at or above `value`, so the axis reads in round amounts. */
function niceCeiling(value: number): number {
  if (value <= 0) return 100;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find(step => step * magnitude >= value) ?? 10) * magnitude;
}

/**
 * A bar chart of the amount paid per month, as inline SVG: no script and no chart library. Every
 * month of the range has a group carrying its totals in `data-*` attributes and a hover title.
 */
export function spendingChart(months: readonly MonthTotal[]): SafeHtml {
  if (!months.length) return html`<p class="muted">No dated claims to chart.</p>`;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const top = niceCeiling(Math.max(...months.map(m => m.paidCents)));
  const slot = plotW / months.length;
  const barW = Math.max(1, slot * 0.72);
  const y = (cents: number) => PAD.top + plotH - (cents / top) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map(f => {
    const gy = y(top * f).toFixed(1);
    return html`<line
        class="grid"
        x1="${PAD.left}"
        x2="${WIDTH - PAD.right}"
        y1="${gy}"
        y2="${gy}"
      />
      <text class="axis" x="${PAD.left - 8}" y="${gy}" text-anchor="end" dominant-baseline="middle"
        >${moneyShort(top * f)}</text
      >`;
  });
  // Label each January (or every month for short histories) so the axis never crowds.
  const monthly = months.length <= 14;
  const yearStep = Math.max(1, Math.ceil(months.length / 12 / 16));
  const bars = months.map((m, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const by = y(m.paidCents);
    const year = Number(m.month.slice(0, 4));
    const label =
      monthly ||
      (m.month.endsWith('-01') && year % yearStep === 0) ||
      (i === 0 && yearStep === 1 && Number(m.month.slice(5)) <= 9);
    const text = monthly ? month(m.month) : String(year);
    return html`<g
      class="month"
      data-month="${m.month}"
      data-count="${m.count}"
      data-paid-cents="${m.paidCents}"
    >
      <title>
        ${month(m.month)}: ${m.count} claim${m.count === 1 ? '' : 's'}, ${money(m.paidCents)} paid
      </title>
      <rect
        class="hit"
        x="${(PAD.left + i * slot).toFixed(2)}"
        y="${PAD.top}"
        width="${slot.toFixed(2)}"
        height="${plotH}"
      />
      <rect
        class="bar"
        x="${x.toFixed(2)}"
        y="${by.toFixed(2)}"
        width="${barW.toFixed(2)}"
        height="${(PAD.top + plotH - by).toFixed(2)}"
      />
      ${label ? html`<text class="axis" x="${(x + barW / 2).toFixed(2)}" y="${HEIGHT - 10}" text-anchor="middle">${text}</text>` : ''}
    </g>`;
  });
  const total = months.reduce((s, m) => s + m.paidCents, 0);
  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    role="img"
    aria-labelledby="chart-title chart-desc"
    data-total-cents="${total}"
  >
    <title id="chart-title">Amount paid per month</title>
    <desc id="chart-desc">
      ${months.length} months from ${month(months[0].month)} to
      ${month(months[months.length - 1].month)}, ${money(total)} in total. The table below lists
      every claim.
    </desc>
    ${grid} ${bars}
    <line
      class="baseline"
      x1="${PAD.left}"
      x2="${WIDTH - PAD.right}"
      y1="${PAD.top + plotH}"
      y2="${PAD.top + plotH}"
    />
  </svg>`;
}
