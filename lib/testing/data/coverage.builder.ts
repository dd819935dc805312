import type { Beneficiary } from './beneficiaries.js';
import { BB_VARIABLES, PROFILES } from './codes.js';
import { fhirInstant, fhirInstantUtc } from './format.js';
import { DATA_LOADED_AT } from './patient.builder.js';

type Json = Record<string, unknown>;

/** The four Medicare segments, one Coverage each (`part-a--<id>` … `part-d--<id>`). */
export const COVERAGE_PARTS = ['part-a', 'part-b', 'part-c', 'part-d'] as const;
/** One Medicare segment. */
export type CoveragePart = (typeof COVERAGE_PARTS)[number];

const variable = (name: string, code: string, display?: string): Json => ({
  url: `${BB_VARIABLES}${name}`,
  valueCoding:
    display === undefined
      ? { system: `${BB_VARIABLES}${name}`, code }
      : { system: `${BB_VARIABLES}${name}`, code, display },
});

function partExtensions(part: CoveragePart, year: string): Json[] {
  const common = [
    variable('ms_cd', '10', 'Aged without end-stage renal disease (ESRD)'),
    variable('orec', '0', 'Old age and survivor’s insurance (OASI)'),
    variable('esrd_ind', '0', 'the beneficiary does not have ESRD'),
    { url: `${BB_VARIABLES}rfrnc_yr`, valueDate: year },
    variable('dual_01', 'NA', 'Non-Medicaid'),
  ];
  switch (part) {
    case 'part-a':
      return [...common, variable('a_trm_cd', '0', 'Not Terminated'), variable('buyin01', '3')];
    case 'part-b':
      return [...common, variable('b_trm_cd', '0', 'Not Terminated'), variable('buyin01', '3')];
    case 'part-c':
      return [
        { url: `${BB_VARIABLES}rfrnc_yr`, valueDate: year },
        variable('ptc_cntrct_id_01', '0'),
        variable('hmo_ind_01', '0', 'Not a member of an HMO'),
      ];
    case 'part-d':
      return [
        { url: `${BB_VARIABLES}rfrnc_yr`, valueDate: year },
        variable('ptdcntrct01', 'Z0001'),
        variable('ptdpbpid01', '001'),
        variable('rdsind01', 'N', 'No employer subsidization'),
        variable('cstshr01', '00', 'Not Medicare enrolled for the month'),
      ];
  }
}

/**
 * A C4BB Coverage shaped like BFD's v2 output for one Medicare segment. A Coverage reloaded by a
 * claims load (`lastUpdated` after the base data) reports the load's year as its reference year.
 */
export function buildCoverage(
  bene: Beneficiary,
  part: CoveragePart,
  v3: boolean,
  lastUpdated: number = DATA_LOADED_AT,
): Json {
  const patientId = v3 ? bene.v3PatientId : bene.patientId;
  const label = `Part ${part.slice(-1).toUpperCase()}`;
  const year =
    lastUpdated > DATA_LOADED_AT ? String(new Date(lastUpdated).getUTCFullYear()) : '2023';
  const coverage: Json = {
    resourceType: 'Coverage',
    id: `${part}-${patientId}`,
    meta: {
      lastUpdated: v3 ? fhirInstantUtc(lastUpdated) : fhirInstant(lastUpdated),
      profile: [PROFILES.coverage],
    },
    extension: partExtensions(part, year),
    status: 'active',
    type: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SUBSIDIZ' }],
    },
    subscriberId: bene.mbi,
    beneficiary: { reference: `Patient/${patientId}` },
    relationship: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
          code: 'self',
          display: 'Self',
        },
      ],
    },
  };
  // As in the sandbox, only Parts A and B carry an entitlement period.
  if (part === 'part-a' || part === 'part-b') coverage.period = { start: bene.entitlementStart };
  coverage.payor = [{ identifier: { value: 'Centers for Medicare and Medicaid Services' } }];
  coverage.class = [
    {
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/coverage-class',
            code: 'group',
            display: 'Group',
          },
        ],
      },
      value: 'Medicare',
    },
    {
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/coverage-class',
            code: 'plan',
            display: 'Plan',
          },
        ],
      },
      value: label,
    },
  ];
  return coverage;
}

/** Parses `part-x-<patientId>`; undefined when the id does not follow BFD's pattern. */
export function parseCoverageId(id: string): { part: CoveragePart; patientId: string } | undefined {
  const m = /^(part-[abcd])-(-?\d+)$/.exec(id);
  if (!m) return undefined;
  return { part: m[1] as CoveragePart, patientId: m[2] as string };
}
