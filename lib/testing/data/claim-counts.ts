import { readFileSync } from 'node:fs';
import type { Rng } from './random.js';

/** The eight claim types BFD serves, in the order the `type` search parameter lists them. */
export const CLAIM_TYPES = [
  'carrier',
  'pde',
  'dme',
  'hha',
  'hospice',
  'inpatient',
  'outpatient',
  'snf',
] as const;

/** One of the eight BFD claim types. */
export type ClaimType = (typeof CLAIM_TYPES)[number];

/** Number of claims of each type for one beneficiary. */
export type ClaimCounts = Partial<Record<ClaimType, number>>;

/**
 * Histogram of `total_claim_count` in the public `synthetic_users_by_claim_count_full.csv`
 * (10,001 sandbox users): index i holds the number of users with i + 3 claims (3..76).
 * Only these summary statistics are embedded; the file itself is not shipped.
 */
const TOTAL_HISTOGRAM_MIN = 3;
const TOTAL_HISTOGRAM = [
  13, 15, 26, 42, 60, 71, 77, 116, 113, 134, 161, 170, 171, 185, 195, 217, 236, 235, 230, 214, 245,
  241, 249, 255, 248, 228, 225, 280, 255, 257, 264, 280, 216, 227, 226, 256, 224, 208, 218, 212,
  184, 204, 174, 170, 162, 162, 146, 146, 116, 120, 116, 80, 86, 94, 74, 75, 75, 54, 53, 45, 37, 34,
  27, 18, 15, 10, 9, 9, 2, 6, 0, 1, 1, 1,
] as const;

/** Histogram of `inpatient_claim_count` in the same file (index = count). */
const INPATIENT_HISTOGRAM = [8413, 1259, 268, 49, 8, 3, 0, 1] as const;

/** Draws claim counts whose distribution matches the sandbox CSV (carrier + inpatient; no Part D). */
export function drawClaimCounts(rng: Rng): ClaimCounts {
  const total = TOTAL_HISTOGRAM_MIN + rng.weighted(TOTAL_HISTOGRAM);
  const inpatient = Math.min(rng.weighted(INPATIENT_HISTOGRAM), total);
  return { carrier: total - inpatient, inpatient };
}

/** Spreads `total` claims over all claim types with a realistic mix, for configured heavy users. */
export function spreadClaimCounts(total: number, rng: Rng): ClaimCounts {
  const weights: Record<ClaimType, number> = {
    carrier: 0.46,
    pde: 0.2,
    outpatient: 0.17,
    dme: 0.05,
    inpatient: 0.04,
    snf: 0.03,
    hha: 0.03,
    hospice: 0.02,
  };
  const counts: ClaimCounts = {};
  let assigned = 0;
  for (const type of CLAIM_TYPES) {
    const n = Math.floor(total * weights[type]);
    counts[type] = n;
    assigned += n;
  }
  // The rounding remainder goes to random types so that totals are exact.
  for (; assigned < total; assigned++) {
    const type = rng.pick(CLAIM_TYPES);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** Sum of all per-type counts. */
export function totalClaims(counts: ClaimCounts): number {
  let n = 0;
  for (const type of CLAIM_TYPES) n += counts[type] ?? 0;
  return n;
}

/** Per-user claim counts read from `synthetic_users_by_claim_count_full.csv`, keyed by user name. */
export function loadClaimCountsCsv(path: string): Map<string, ClaimCounts> {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map(s => s.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`claimCountsCsv: column "${name}" not found in ${path}`);
    return i;
  };
  const user = col('FRONTEND_USER_NAME');
  const total = col('total_claim_count');
  const carrier = col('carrier_claim_count');
  const inpatient = col('inpatient_claim_count');
  const partd = col('partd_event_count');
  const out = new Map<string, ClaimCounts>();
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] ?? '').split(',');
    const name = cells[user]?.trim();
    if (!name) continue;
    const num = (c: number) => Number.parseInt(cells[c] ?? '0', 10) || 0;
    const counts: ClaimCounts = {
      carrier: num(carrier),
      inpatient: num(inpatient),
      pde: num(partd),
    };
    // The file has no outpatient column: whatever the named types do not cover is outpatient.
    counts.outpatient = Math.max(0, num(total) - totalClaims(counts));
    out.set(name, counts);
  }
  return out;
}
