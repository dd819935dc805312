/** Summary statistics of a list of samples (ms, MB…). */
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = p => {
    // Linear interpolation between closest ranks (R type 7), fine for a handful of rounds.
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  return { n: s.length, median: q(0.5), min: s[0], max: s[s.length - 1], q1: q(0.25), q3: q(0.75) };
}

/** A number with a fixed count of decimals, or thousands separators for large values. */
export function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** "1,234 (1,200–1,300)": median and min–max. */
export function medianRange(summary, digits = 0) {
  return `${fmt(summary.median, digits)} (${fmt(summary.min, digits)}–${fmt(summary.max, digits)})`;
}

/** The order in which round `r` runs the contenders: rotated, so none always goes first. */
export function rotation(items, r) {
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Logs progress on stderr (stdout carries the case's JSON result). */
export function progress(...args) {
  console.error('  ', ...args);
}
