import type { Bundle, Patient } from 'fhir/r4.js';

/** What the patient page shows about the beneficiary. */
export interface PatientSummary {
  id: string;
  name: string | undefined;
  birthDate: string | undefined;
  gender: string | undefined;
  /** State code and ZIP, as Blue Button sends them (no street address). */
  location: string | undefined;
  /** The Medicare Beneficiary Identifier with all but its last 4 characters hidden. */
  maskedMbi: string | undefined;
}

const MBI_SYSTEM = 'http://hl7.org/fhir/sid/us-mbi';

/** The first Patient of a search Bundle, summarised; undefined when there is none. */
export function toPatientSummary(bundle: Bundle): PatientSummary | undefined {
  const patient = bundle.entry?.find(e => e.resource?.resourceType === 'Patient')?.resource as
    Patient | undefined;
  if (!patient) return undefined;
  const name =
    patient.name?.find(n => n.use === 'usual' || n.use === 'official') ?? patient.name?.[0];
  const address = patient.address?.[0];
  const mbi = patient.identifier?.find(i => i.system === MBI_SYSTEM)?.value;
  return {
    id: patient.id ?? '',
    name: name
      ? (name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ')) || undefined
      : undefined,
    birthDate: patient.birthDate,
    gender: patient.gender,
    location:
      [address?.state && `State code ${address.state}`, address?.postalCode]
        .filter(Boolean)
        .join(', ') || undefined,
    // Shown to its owner only, but still masked: screens get photographed and shared.
    maskedMbi: mbi ? `${'•'.repeat(Math.max(0, mbi.length - 4))}${mbi.slice(-4)}` : undefined,
  };
}
