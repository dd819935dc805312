import type { ClaimHeader } from './claims.js';
import {
  BB_VARIABLES,
  CLAIM_TYPE_DISPLAY,
  CLAIM_TYPE_INFO,
  CLAIM_TYPE_SYSTEM,
  EOB_TYPE_SYSTEM,
  type ClaimTypeInfo,
} from './codes.js';
import {
  coding,
  lineAmounts,
  npiFrom,
  type EobBuild,
  type EobContext,
  type Json,
} from './eob/common.js';
import { institutionalSections } from './eob/institutional.js';
import { eobMeta } from './eob/meta.js';
import { pharmacySections } from './eob/pharmacy.js';
import { professionalSections } from './eob/professional.js';
import { claimIdentifiers, ffsTotals, focalInsurance, type EobSections } from './eob/sections.js';
import { fhirDateTime } from './format.js';
import { Rng } from './random.js';

export type { EobContext } from './eob/common.js';

const SECTIONS: Record<ClaimTypeInfo['claimType'], EobSections> = {
  professional: professionalSections,
  institutional: institutionalSections,
  pharmacy: pharmacySections,
};

/** The v1/v2 or v3 id of a claim. */
export function eobId(h: ClaimHeader, v3: boolean): string {
  return v3 ? h.claimId : h.id;
}

function typeCodings(info: ClaimTypeInfo): Json[] {
  const out: Json[] = [];
  if (info.nchCode)
    out.push(coding(`${BB_VARIABLES}nch_clm_type_cd`, info.nchCode, info.nchDisplay));
  out.push(coding(EOB_TYPE_SYSTEM, info.eobType));
  out.push(coding(CLAIM_TYPE_SYSTEM, info.claimType, CLAIM_TYPE_DISPLAY[info.claimType]));
  return out;
}

/**
 * Builds the full ExplanationOfBenefit for one header, shaped like BFD's v2 output for its claim
 * type: the kind's section builders (professional, institutional, pharmacy) fill the profile's
 * parts, in BFD's key order. Unlike the captured sandbox EOBs, every claim has `provider`, which
 * FHIR R4 requires. A claim's later revisions (loads that update it) draw new amounts.
 */
export function buildEob(h: ClaimHeader, ctx: EobContext): Json {
  const info = CLAIM_TYPE_INFO[h.type];
  const s = SECTIONS[info.claimType];
  const rng = new Rng(`${ctx.seed}|eob|${h.id}${h.revision > 0 ? `|r${h.revision}` : ''}`);
  const groupId = `-${rng.int(1_000_000_000, 99_999_999_999)}`;
  const b: EobBuild = {
    h,
    ctx,
    info,
    rng,
    lines: lineAmounts(h, rng, info.claimType),
    providerNpi: npiFrom(rng),
    patientId: ctx.v3 ? ctx.bene.v3PatientId : ctx.bene.patientId,
  };
  // Section builders run in this order so that each claim's random draws stay stable.
  const contained = s.contained?.(b);
  const extension = s.extension(b);
  const identifier = (s.identifiers ?? claimIdentifiers)(b, groupId);
  const referral = s.referral?.(b);
  const { provider, facility } = s.provider(b);
  const careTeam = s.careTeam(b);
  const supportingInfo = s.supportingInfo(b);
  const diagnosis = s.diagnosis?.(b);
  const item = s.items(b);

  const eob: Json = {
    resourceType: 'ExplanationOfBenefit',
    id: eobId(h, ctx.v3),
    meta: eobMeta(h, info, ctx.v3),
  };
  if (contained) eob.contained = contained;
  if (extension.length > 0) eob.extension = extension;
  Object.assign(eob, {
    identifier,
    status: 'active',
    type: { coding: typeCodings(info) },
    use: 'claim',
    patient: { reference: `Patient/${b.patientId}` },
    billablePeriod: s.billablePeriod(b),
    created: fhirDateTime(h.lastUpdated),
    insurer: { identifier: { value: 'CMS' } },
  });
  if (referral) eob.referral = referral;
  eob.provider = provider;
  if (facility) eob.facility = facility;
  eob.outcome = 'complete';
  if (s.disposition) eob.disposition = s.disposition;
  Object.assign(eob, { careTeam, supportingInfo });
  if (diagnosis) eob.diagnosis = diagnosis;
  eob.insurance = (s.insurance ?? focalInsurance)(b);
  eob.item = item;
  return Object.assign(eob, (s.totals ?? ffsTotals)(b));
}
