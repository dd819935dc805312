import type { Bundle, Coverage } from 'fhir/r4.js';

/** One line of the coverage table. */
export interface CoverageRow {
  id: string;
  /** `Part A`, `Part B`, `Part D`… */
  plan: string;
  /** FHIR status in words: `Active`, `Cancelled`… */
  status: string;
  /** Coverage start (`YYYY-MM-DD`), if known. */
  start: string | undefined;
  /** Coverage end, if it ended. */
  end: string | undefined;
  /** Who pays, e.g. the Centers for Medicare and Medicaid Services. */
  payor: string | undefined;
}

/** The coverage table rows, in plan order. */
export function toCoverageRows(bundle: Bundle): CoverageRow[] {
  return (bundle.entry ?? [])
    .map(e => e.resource as Coverage | undefined)
    .filter((c): c is Coverage => c?.resourceType === 'Coverage')
    .map(c => ({
      id: c.id ?? '',
      plan: planOf(c),
      status: c.status ? c.status.charAt(0).toUpperCase() + c.status.slice(1) : 'Unknown',
      start: c.period?.start,
      end: c.period?.end,
      payor: c.payor?.[0]?.display ?? c.payor?.[0]?.identifier?.value,
    }))
    .sort((a, b) => a.plan.localeCompare(b.plan));
}

function planOf(c: Coverage): string {
  const plan = c.class?.find(k => k.type?.coding?.some(t => t.code === 'plan'))?.value;
  if (plan) return plan;
  // Blue Button ids name the part: `part-a--…`, `part-d--…`, `c4dic-…` for the insurance card.
  const part = /^part-([a-d])/i.exec(c.id ?? '')?.[1];
  return part ? `Part ${part.toUpperCase()}` : (c.type?.text ?? 'Medicare');
}
