import type { ClaimType } from './claim-counts.js';

/** Code systems and profile URLs BFD uses. */
export const BB_VARIABLES = 'https://bluebutton.cms.gov/resources/variables/';
export const EOB_TYPE_SYSTEM = 'https://bluebutton.cms.gov/resources/codesystem/eob-type';
export const CLAIM_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claim-type';
export const C4BB_IDENTIFIER_TYPE = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType';
export const C4BB_ADJUDICATION = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication';
export const HL7_ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
export const BB_ADJUDICATION = 'https://bluebutton.cms.gov/resources/codesystem/adjudication';
export const CARE_TEAM_ROLE = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole';
export const SUPPORTING_INFO_TYPE =
  'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType';
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

const C4BB = 'http://hl7.org/fhir/us/carin-bb/StructureDefinition/';
/** CARIN BB profiles by resource kind. */
export const PROFILES = {
  patient: `${C4BB}C4BB-Patient`,
  coverage: `${C4BB}C4BB-Coverage`,
  organization: `${C4BB}C4BB-Organization`,
  inpatient: `${C4BB}C4BB-ExplanationOfBenefit-Inpatient-Institutional`,
  outpatient: `${C4BB}C4BB-ExplanationOfBenefit-Outpatient-Institutional`,
  pharmacy: `${C4BB}C4BB-ExplanationOfBenefit-Pharmacy`,
  nonclinician: `${C4BB}C4BB-ExplanationOfBenefit-Professional-NonClinician`,
} as const;

/** How BFD presents each claim type (profile, type codings, Medicare segment). */
export interface ClaimTypeInfo {
  eobType: string;
  nchCode?: string;
  nchDisplay?: string;
  claimType: 'professional' | 'institutional' | 'pharmacy';
  profile: string;
  coveragePart: 'part-a' | 'part-b' | 'part-d';
  nearLineCode?: string;
}

/** BFD presentation of each claim type. */
export const CLAIM_TYPE_INFO: Record<ClaimType, ClaimTypeInfo> = {
  carrier: {
    eobType: 'CARRIER',
    nchCode: '71',
    nchDisplay:
      'Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim',
    claimType: 'professional',
    profile: PROFILES.nonclinician,
    coveragePart: 'part-b',
    nearLineCode: 'O',
  },
  dme: {
    eobType: 'DME',
    nchCode: '82',
    nchDisplay:
      'Regional carrier durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim',
    claimType: 'professional',
    profile: PROFILES.nonclinician,
    coveragePart: 'part-b',
    nearLineCode: 'M',
  },
  hha: {
    eobType: 'HHA',
    nchCode: '10',
    nchDisplay: 'HHA claim',
    claimType: 'institutional',
    profile: PROFILES.nonclinician,
    coveragePart: 'part-b',
    nearLineCode: 'W',
  },
  hospice: {
    eobType: 'HOSPICE',
    nchCode: '50',
    nchDisplay: 'Hospice claim',
    claimType: 'institutional',
    profile: PROFILES.inpatient,
    coveragePart: 'part-a',
    nearLineCode: 'V',
  },
  inpatient: {
    eobType: 'INPATIENT',
    nchCode: '60',
    nchDisplay: 'Inpatient claim',
    claimType: 'institutional',
    profile: PROFILES.inpatient,
    coveragePart: 'part-a',
    nearLineCode: 'V',
  },
  outpatient: {
    eobType: 'OUTPATIENT',
    nchCode: '40',
    nchDisplay: 'Hospital Outpatient claim',
    claimType: 'institutional',
    profile: PROFILES.outpatient,
    coveragePart: 'part-b',
    nearLineCode: 'W',
  },
  snf: {
    eobType: 'SNF',
    nchCode: '20',
    nchDisplay: 'Non swing bed Skilled Nursing Facility (SNF) claim',
    claimType: 'institutional',
    profile: PROFILES.inpatient,
    coveragePart: 'part-a',
    nearLineCode: 'V',
  },
  pde: {
    eobType: 'PDE',
    claimType: 'pharmacy',
    profile: PROFILES.pharmacy,
    coveragePart: 'part-d',
  },
};

/** Displays of the claim-type codes. */
export const CLAIM_TYPE_DISPLAY = {
  professional: 'Professional',
  institutional: 'Institutional',
  pharmacy: 'Pharmacy',
} as const;

/** ICD-9 codes for claims before the October 2015 switch (as in the BBUser00000 capture). */
export const ICD9 = [
  ['2720', 'PURE HYPERCHOLESTEROLEM'],
  ['4011', 'BENIGN HYPERTENSION'],
  ['2113', 'BENIGN NEOPLASM LG BOWEL'],
  ['25001', 'DMI WO CMP NT ST UNCNTRL'],
  ['4139', 'ANGINA PECTORIS NEC/NOS'],
  ['78900', 'ABDMNAL PAIN UNSPCF SITE'],
  ['7840', 'HEADACHE'],
  ['4293', 'CARDIOMEGALY'],
] as const;

/** ICD-10-CM codes for later claims. */
export const ICD10 = [
  ['E119', 'TYPE 2 DIABETES MELLITUS WITHOUT COMPLICATIONS'],
  ['I10', 'ESSENTIAL (PRIMARY) HYPERTENSION'],
  ['E785', 'HYPERLIPIDEMIA, UNSPECIFIED'],
  ['J449', 'CHRONIC OBSTRUCTIVE PULMONARY DISEASE, UNSPECIFIED'],
  ['M170', 'BILATERAL PRIMARY OSTEOARTHRITIS OF KNEE'],
  ['N183', 'CHRONIC KIDNEY DISEASE, STAGE 3 (MODERATE)'],
  ['I4891', 'UNSPECIFIED ATRIAL FIBRILLATION'],
  ['F329', 'MAJOR DEPRESSIVE DISORDER, SINGLE EPISODE, UNSPECIFIED'],
  ['R0789', 'OTHER CHEST PAIN'],
  ['Z0000', 'ENCOUNTER FOR GENERAL ADULT MEDICAL EXAM WITHOUT ABNORMAL FINDINGS'],
] as const;

/** HCPCS codes used on generated lines. */
export const HCPCS = [
  '99213',
  '99214',
  '80053',
  '85025',
  '36415',
  '71046',
  '93000',
  '88305',
  '80061',
  'G0439',
  '97110',
  '82947',
] as const;

/** Revenue center codes for institutional lines. */
export const REVENUE_CENTERS = [
  ['0300', 'Laboratory-general classification'],
  ['0450', 'Emergency room-general classification'],
  ['0250', 'Pharmacy-general classification'],
  ['0320', 'Radiology-diagnostic-general classification'],
  ['0420', 'Physical therapy-general classification'],
  ['0120', 'Room & board - semi-private two bed'],
  ['0551', 'Skilled nursing-visit charge'],
  ['0651', 'Hospice service-routine home care'],
] as const;

/** NDC codes for Part D events. */
export const DRUGS = [
  ['00093715701', 'Atorvastatin Calcium - ATORVASTATIN CALCIUM'],
  ['67877022305', 'Gabapentin - GABAPENTIN'],
  ['68180051301', 'Lisinopril - LISINOPRIL'],
  ['00093105601', 'Metformin Hydrochloride - METFORMIN HYDROCHLORIDE'],
  ['69097012805', 'Amlodipine Besylate - AMLODIPINE BESYLATE'],
  ['00378180110', 'Levothyroxine Sodium - LEVOTHYROXINE SODIUM'],
] as const;

/** SSA state codes used in Patient.address.state (BFD sends codes, not postal abbreviations). */
export const SSA_STATES = ['01', '05', '10', '14', '22', '31', '33', '36', '39', '45', '49'];

/** Name pools for synthetic demographics. */
export const GIVEN_FEMALE = ['Jane', 'Mary', 'Linda', 'Susan', 'Karen', 'Nancy', 'Betty', 'Helen'];
export const GIVEN_MALE = ['John', 'Robert', 'James', 'William', 'Richard', 'Thomas', 'Charles'];
export const FAMILY = [
  'Doe',
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Miller',
  'Davis',
  'Garcia',
  'Wilson',
  'Moore',
  'Taylor',
];

/** Substance use disorder diagnoses: claims carrying them are 42 CFR Part 2 (SAMHSA) data. */
export const SUD_ICD10 = [
  ['F1020', 'ALCOHOL DEPENDENCE, UNCOMPLICATED'],
  ['F1120', 'OPIOID DEPENDENCE, UNCOMPLICATED'],
  ['F1220', 'CANNABIS DEPENDENCE, UNCOMPLICATED'],
] as const;
export const SUD_ICD9 = [
  ['30390', 'ALCOH DEP NEC/NOS-UNSPEC'],
  ['30400', 'OPIOID DEPENDENCE-UNSPEC'],
] as const;
