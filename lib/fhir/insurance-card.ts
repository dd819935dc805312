import type { Bundle, Coverage, Organization, Patient } from 'fhir/r4.js';

/**
 * The answer of `Patient/$generate-insurance-card` (API v3): a `collection` Bundle of the CARIN
 * Digital Insurance Card (C4DIC) profiles — the C4DIC Patient, the payer's C4DIC Organization and
 * one C4DIC Coverage per Part, each with a `urn:uuid:` full URL.
 */
export type InsuranceCardBundle = Bundle<Patient | Coverage | Organization>;

/** One line of the card: a Part (or dual eligibility) and its dates. */
export interface InsuranceCardPart {
  /** The plan as the card names it (`Coverage.class` of type `plan`): `Part A`, `Part B`… */
  plan: string;
  /** The payer type (NAHDO Source of Payment Typology), e.g. `MEDICARE`, `MEDICARE FFS`. */
  payerType?: string;
  /** FHIR status, e.g. `active`. */
  status?: string;
  /** First day of coverage, `YYYY-MM-DD`. */
  start?: string;
  /** Last day of coverage, when it ended. */
  end?: string;
}

/** The fields of a digital insurance card, as plain values (see {@link toInsuranceCard}). */
export interface InsuranceCard {
  /** The member id printed on the card: for Medicare, the MBI (Medicare Beneficiary Identifier). */
  memberId?: string;
  /** The member's name, given names first. */
  name?: string;
  /** `YYYY-MM-DD`. */
  birthDate?: string;
  gender?: string;
  /** Who pays: for Medicare, the Centers for Medicare and Medicaid Services. */
  payer?: string;
  /** The payer's contact numbers as printed (`1-800-633-4227`, `TTY: 1-877-486-2048`). */
  payerPhones: string[];
  /** The payer's website, e.g. `www.medicare.gov`. */
  payerWebsite?: string;
  /** The Parts on the card, in the Bundle's order. */
  parts: InsuranceCardPart[];
  /** The card's fine print (C4DIC `AdditionalCardInformation`), if any. */
  additionalInformation?: string;
  /** When the card's data last changed: the Bundle's `meta.lastUpdated`. */
  lastUpdated?: string;
}

const MBI_SYSTEM = 'http://hl7.org/fhir/sid/us-mbi';
const ADDITIONAL_INFO =
  'http://hl7.org/fhir/us/insurance-card/StructureDefinition/C4DIC-AdditionalCardInformation-extension';

/**
 * Lifts the fields of a C4DIC insurance card Bundle (`getInsuranceCardData`'s `data`) into a plain
 * object: member id, name, payer and its contacts, and each Part with its dates. Missing pieces
 * are left out rather than guessed; a Bundle that is not a card gives an object with no parts.
 */
export function toInsuranceCard(bundle: Bundle): InsuranceCard {
  const resources = (bundle.entry ?? []).map(e => e.resource).filter(r => r != null);
  const coverages = resources.filter((r): r is Coverage => r.resourceType === 'Coverage');
  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
  const first = coverages[0];
  const payer = payerOf(resources, first);
  const telecom = payer?.contact?.flatMap(c => c.telecom ?? []) ?? [];
  const name = patient?.name?.[0];
  const card: InsuranceCard = {
    memberId: first?.subscriberId ?? first?.identifier?.find(i => i.system === MBI_SYSTEM)?.value,
    name: name
      ? (name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ')) || undefined
      : undefined,
    birthDate: patient?.birthDate,
    gender: patient?.gender,
    payer: payer?.name,
    payerPhones: telecom.filter(t => t.system === 'phone' && t.value).map(t => t.value!),
    payerWebsite: telecom.find(t => t.system === 'url')?.value,
    parts: coverages.map(toPart),
    additionalInformation: first?.extension?.find(x => x.url === ADDITIONAL_INFO)?.valueAnnotation
      ?.text,
    lastUpdated: bundle.meta?.lastUpdated,
  };
  return withoutUndefined(card);
}

function toPart(c: Coverage): InsuranceCardPart {
  const plan = c.class?.find(k => k.type?.coding?.some(t => t.code === 'plan'))?.value;
  const type = c.type?.coding?.[0];
  return withoutUndefined({
    plan: plan ?? c.type?.text ?? type?.display ?? 'Medicare',
    payerType: type?.display ?? type?.code,
    status: c.status,
    start: c.period?.start,
    end: c.period?.end,
  });
}

/** The Organization the Coverage's `payor` points at (by id or `urn:uuid:`), else the first one. */
function payerOf(
  resources: NonNullable<Bundle['entry']>[number]['resource'][],
  coverage: Coverage | undefined,
): Organization | undefined {
  const orgs = resources.filter((r): r is Organization => r?.resourceType === 'Organization');
  const ref = coverage?.payor?.[0]?.reference;
  const id = ref?.replace(/^(Organization\/|urn:uuid:)/, '');
  return orgs.find(o => o.id === id) ?? orgs[0];
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[])
    if (value[key] === undefined) delete value[key];
  return value;
}
