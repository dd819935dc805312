import type { Bundle, ExplanationOfBenefit, Reference } from 'fhir/r4.js';

/** One line of the claims table, read from an ExplanationOfBenefit. */
export interface ClaimRow {
  /** The EOB id, e.g. `carrier--10344810963`. */
  id: string;
  /** First day of the billable period (`YYYY-MM-DD`), if the claim has one. */
  date: string | undefined;
  /** Lower-case Blue Button claim type: `carrier`, `outpatient`, `pde`… */
  type: string;
  /** The claim type in plain words. */
  typeLabel: string;
  /** The drug (Part D) or the billing provider's NPI, when the claim names one. */
  providerOrDrug: string | undefined;
  /** What was billed: the first line's revenue center or procedure code. */
  service: string | undefined;
  /** What Medicare (or the Part D plan) paid, in cents. */
  paidCents: number;
}

/** Spending in one calendar month. */
export interface MonthTotal {
  /** `YYYY-MM`. */
  month: string;
  /** Claims whose billable period starts in this month. */
  count: number;
  /** Their paid amounts, in cents. */
  paidCents: number;
}

const EOB_TYPE_SYSTEM = 'https://bluebutton.cms.gov/resources/codesystem/eob-type';
const NDC_SYSTEM = 'http://hl7.org/fhir/sid/ndc';
const ADJUDICATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/adjudication';

const TYPE_LABELS: Record<string, string> = {
  carrier: 'Doctor or supplier (Part B)',
  dme: 'Medical equipment',
  hha: 'Home health',
  hospice: 'Hospice',
  inpatient: 'Hospital stay (Part A)',
  outpatient: 'Hospital outpatient',
  pde: 'Prescription drug (Part D)',
  snf: 'Skilled nursing facility',
};

/** Every ExplanationOfBenefit of the given search pages, in page order. */
export function eobsOf(pages: readonly Bundle[]): ExplanationOfBenefit[] {
  return pages.flatMap(page =>
    (page.entry ?? [])
      .map(entry => entry.resource as ExplanationOfBenefit | undefined)
      .filter((r): r is ExplanationOfBenefit => r?.resourceType === 'ExplanationOfBenefit'),
  );
}

/** The table rows for a list of EOBs, newest first (undated claims last). */
export function toClaimRows(eobs: readonly ExplanationOfBenefit[]): ClaimRow[] {
  return eobs
    .map(toClaimRow)
    .sort(
      (a, b) =>
        (b.date ?? '').localeCompare(a.date ?? '') ||
        a.id.localeCompare(b.id, 'en', { numeric: true }),
    );
}

/** Reads the fields a person cares about from one EOB, tolerating the gaps real data has. */
export function toClaimRow(eob: ExplanationOfBenefit): ClaimRow {
  const type = claimType(eob);
  return {
    id: eob.id ?? '',
    date: validDate(eob.billablePeriod?.start ?? eob.item?.[0]?.servicedDate),
    type,
    typeLabel: TYPE_LABELS[type] ?? titleCase(type),
    providerOrDrug: type === 'pde' ? drugOf(eob) : providerOf(eob),
    service: serviceOf(eob),
    paidCents: paidCents(eob),
  };
}

/** Paid amounts per month, from the first claim's month to the last one's, empty months included. */
export function monthlyTotals(rows: readonly ClaimRow[]): MonthTotal[] {
  const byMonth = new Map<string, MonthTotal>();
  for (const row of rows) {
    if (!row.date) continue;
    const month = row.date.slice(0, 7);
    const total = byMonth.get(month) ?? { month, count: 0, paidCents: 0 };
    total.count += 1;
    total.paidCents += row.paidCents;
    byMonth.set(month, total);
  }
  const months = [...byMonth.keys()].sort();
  if (!months.length) return [];
  const out: MonthTotal[] = [];
  for (let m = months[0]; m <= months[months.length - 1]; m = nextMonth(m)) {
    out.push(byMonth.get(m) ?? { month: m, count: 0, paidCents: 0 });
  }
  return out;
}

/** Claim counts per type label, most frequent first. */
export function countByType(rows: readonly ClaimRow[]): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.typeLabel, (counts.get(row.typeLabel) ?? 0) + 1);
  return [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function validDate(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
}

function claimType(eob: ExplanationOfBenefit): string {
  const code = eob.type?.coding?.find(c => c.system === EOB_TYPE_SYSTEM)?.code;
  if (code) return code.toLowerCase();
  // Blue Button v2 ids start with the claim type (`carrier--…`); v3 ids are numeric.
  const prefix = /^([a-z]+)--/.exec(eob.id ?? '')?.[1];
  return prefix ?? 'other';
}

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function drugOf(eob: ExplanationOfBenefit): string | undefined {
  for (const item of eob.item ?? []) {
    const ndc = item.productOrService?.coding?.find(c => c.system === NDC_SYSTEM);
    if (ndc) return ndc.display ?? (ndc.code ? `NDC ${ndc.code}` : undefined);
  }
  return undefined;
}

function providerOf(eob: ExplanationOfBenefit): string | undefined {
  const direct = npiOfReference(eob, eob.provider);
  if (direct) return direct;
  // The captured sandbox EOBs often have no `provider`; the performing care-team member is next best.
  const performing = eob.careTeam?.find(m =>
    m.role?.coding?.some(c => c.code === 'performing' || c.code === 'attending'),
  );
  return npiOfReference(eob, performing?.provider);
}

function npiOfReference(eob: ExplanationOfBenefit, ref: Reference | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.identifier?.value) return `NPI ${ref.identifier.value}`;
  if (ref.reference?.startsWith('#')) {
    const id = ref.reference.slice(1);
    const contained = (eob.contained ?? []).find(r => r.id === id) as
      | {
          name?: string;
          identifier?: {
            system?: string;
            value?: string;
            type?: { coding?: { code?: string }[] };
          }[];
        }
      | undefined;
    const npi = contained?.identifier?.find(
      i =>
        i.system === 'http://hl7.org/fhir/sid/us-npi' ||
        i.type?.coding?.some(c => c.code === 'npi'),
    );
    if (npi?.value) return `NPI ${npi.value}`;
    if (contained?.name) return contained.name;
  }
  return ref.display;
}

function serviceOf(eob: ExplanationOfBenefit): string | undefined {
  const items = eob.item ?? [];
  const first = items[0];
  if (!first) return undefined;
  const revenue = first.revenue?.coding?.[0];
  const product = first.productOrService?.coding?.[0];
  const text =
    revenue?.display ??
    product?.display ??
    (product?.code
      ? `Procedure ${product.code}`
      : revenue?.code
        ? `Revenue center ${revenue.code}`
        : undefined);
  if (!text) return undefined;
  return items.length > 1 ? `${text} (+${items.length - 1} more)` : text;
}

function paidCents(eob: ExplanationOfBenefit): number {
  const payment = eob.payment?.amount?.value;
  if (typeof payment === 'number') return toCents(payment);
  // Without a payment element, add up the lines' benefit (paid) amounts.
  let cents = 0;
  for (const item of eob.item ?? []) {
    for (const adj of item.adjudication ?? []) {
      const benefit = adj.category?.coding?.some(
        c => c.system === ADJUDICATION_SYSTEM && c.code === 'benefit',
      );
      if (benefit && typeof adj.amount?.value === 'number') cents += toCents(adj.amount.value);
    }
  }
  return cents;
}

/** Dollars to whole cents, so sums do not drift with floating point. */
export function toCents(dollars: number): number {
  return Math.round(dollars * 100);
}
