import type { Beneficiary } from '../beneficiaries.js';
import type { ClaimHeader } from '../claims.js';
import {
  BB_ADJUDICATION,
  BB_VARIABLES,
  C4BB_IDENTIFIER_TYPE,
  CARE_TEAM_ROLE,
  ICD10,
  ICD9,
  SUD_ICD10,
  SUD_ICD9,
  type ClaimTypeInfo,
} from '../codes.js';
import { cents } from '../format.js';
import { hashString, type Rng } from '../random.js';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Everything needed to build one EOB. */
export interface EobContext {
  seed: string;
  bene: Beneficiary;
  /** v3 serves numeric ids, v3 patient ids and BFD v3's meta (source, tags, security). */
  v3: boolean;
}

/** What every section builder of one claim shares. */
export interface EobBuild {
  h: ClaimHeader;
  ctx: EobContext;
  info: ClaimTypeInfo;
  rng: Rng;
  lines: Line[];
  providerNpi: string;
  patientId: string;
}

/** Amounts of one claim line. */
export interface Line {
  submitted: number;
  allowed: number;
  paid: number;
  coinsurance: number;
  deductible: number;
}

const ICD10_START = Date.UTC(2015, 9, 1);

/** `{ value, currency: 'USD' }` rounded to cents. */
export const usd = (value: number) => ({ value: cents(value), currency: 'USD' });

/** A Coding, with a display when given. */
export const coding = (system: string, code: string, display?: string) =>
  display === undefined ? { system, code } : { system, code, display };

/** A BB2 variable extension (`valueCoding` in the variable's own system). */
export const variable = (name: string, code: string, display?: string) => ({
  url: `${BB_VARIABLES}${name}`,
  valueCoding: coding(`${BB_VARIABLES}${name}`, code, display),
});

/** Adjudication entry with the CARIN category plus the BB2 variable coding, as BFD emits them. */
export function adjudication(
  system: string,
  code: string,
  display: string,
  variableName: string,
  variableDisplay: string,
  amount: number,
): Json {
  return {
    category: {
      coding: [
        coding(system, code, display),
        coding(BB_ADJUDICATION, `${BB_VARIABLES}${variableName}`, variableDisplay),
      ],
    },
    amount: usd(amount),
  };
}

/** A care team member identified by NPI. */
export function careTeamMember(
  sequence: number,
  npi: string,
  role: string,
  roleDisplay: string,
): Json {
  return {
    sequence,
    provider: {
      identifier: {
        type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi', 'National Provider Identifier')] },
        value: npi,
      },
    },
    role: { coding: [coding(CARE_TEAM_ROLE, role, roleDisplay)] },
  };
}

/** A 10-digit NPI. */
export function npiFrom(rng: Rng): string {
  return String(rng.int(1000000000, 1999999999));
}

/**
 * Line amounts; mirrored claims reproduce the captured payment total exactly. A Part D event
 * has one line, as in the sandbox capture.
 */
export function lineAmounts(h: ClaimHeader, rng: Rng, kind: ClaimTypeInfo['claimType']): Line[] {
  const count = h.lines ?? (kind === 'pharmacy' ? 1 : rng.int(1, kind === 'institutional' ? 4 : 3));
  const lines: Line[] = [];
  const paidTotal = h.payment;
  for (let i = 0; i < count; i++) {
    let paid: number;
    if (paidTotal !== undefined) {
      const share = Math.floor(paidTotal / count);
      paid = i === count - 1 ? paidTotal - share * (count - 1) : share;
    } else {
      const base = h.type === 'inpatient' || h.type === 'snf' ? rng.money(800, 9000) : 0;
      paid = base + rng.money(8, 400);
    }
    const allowed = cents(paid / 0.8);
    lines.push({
      submitted: cents(allowed * (1.2 + rng.next())),
      allowed,
      paid: cents(paid),
      coinsurance: cents(allowed - paid),
      deductible: 0,
    });
  }
  return lines;
}

/**
 * One to three diagnoses (ICD-9 before October 2015, ICD-10-CM after). A SAMHSA claim's principal
 * diagnosis is a substance use disorder, picked without drawing from `rng` so its other values
 * stay those of the unlabelled claim.
 */
export function diagnoses(h: ClaimHeader, rng: Rng): Json[] {
  const icd10 = h.startMs >= ICD10_START;
  const table: readonly (readonly [string, string])[] = icd10 ? ICD10 : ICD9;
  const system = icd10 ? 'http://hl7.org/fhir/sid/icd-10-cm' : 'http://hl7.org/fhir/sid/icd-9-cm';
  const count = rng.int(1, 3);
  const out: Json[] = [];
  for (let i = 0; i < count; i++) {
    let [code, display] = rng.pick(table);
    if (i === 0 && h.samhsa) {
      const sud: readonly (readonly [string, string])[] = icd10 ? SUD_ICD10 : SUD_ICD9;
      [code, display] = sud[hashString(h.claimId) % sud.length] as readonly [string, string];
    }
    out.push({
      sequence: i + 1,
      diagnosisCodeableConcept: { coding: [coding(system, code, display)] },
      type: [
        {
          coding: [
            i === 0
              ? coding(
                  'http://terminology.hl7.org/CodeSystem/ex-diagnosistype',
                  'principal',
                  'principal',
                )
              : coding(
                  'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType',
                  'secondary',
                  'Secondary',
                ),
          ],
        },
      ],
    });
  }
  return out;
}

/** The `Coverage/part-x-<patient>` reference of a claim. */
export function coverageReference(b: EobBuild): string {
  return `Coverage/${b.info.coveragePart}-${b.patientId}`;
}
