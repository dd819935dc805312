import type { Beneficiary } from './beneficiaries.js';
import type { ClaimHeader } from './claims.js';
import {
  BB_ADJUDICATION,
  BB_VARIABLES,
  C4BB_ADJUDICATION,
  C4BB_IDENTIFIER_TYPE,
  CARE_TEAM_ROLE,
  CLAIM_TYPE_DISPLAY,
  CLAIM_TYPE_INFO,
  CLAIM_TYPE_SYSTEM,
  DRUGS,
  EOB_TYPE_SYSTEM,
  HCPCS,
  HL7_ADJUDICATION,
  ICD10,
  ICD9,
  PROFILES,
  REVENUE_CENTERS,
  SUPPORTING_INFO_TYPE,
  V2_0203,
} from './codes.js';
import { cents, fhirDateTime, fhirInstant } from './format.js';
import { Rng } from './random.js';

type Json = Record<string, unknown>;

const ICD10_START = Date.UTC(2015, 9, 1);
const usd = (value: number) => ({ value: cents(value), currency: 'USD' });
const coding = (system: string, code: string, display?: string) =>
  display === undefined ? { system, code } : { system, code, display };
const variable = (name: string, code: string, display?: string) => ({
  url: `${BB_VARIABLES}${name}`,
  valueCoding: coding(`${BB_VARIABLES}${name}`, code, display),
});

/** Adjudication entry with the CARIN category plus the BB2 variable coding, as BFD emits them. */
function adjudication(
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

function careTeamMember(sequence: number, npi: string, role: string, roleDisplay: string): Json {
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

interface Line {
  submitted: number;
  allowed: number;
  paid: number;
  coinsurance: number;
  deductible: number;
}

/** Line amounts; mirrored claims reproduce the captured payment total exactly. */
function lineAmounts(h: ClaimHeader, rng: Rng, institutional: boolean): Line[] {
  const count = h.lines ?? rng.int(1, institutional ? 4 : 3);
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

function diagnoses(h: ClaimHeader, rng: Rng): Json[] {
  const icd10 = h.startMs >= ICD10_START;
  const table: readonly (readonly [string, string])[] = icd10 ? ICD10 : ICD9;
  const system = icd10 ? 'http://hl7.org/fhir/sid/icd-10-cm' : 'http://hl7.org/fhir/sid/icd-9-cm';
  const count = rng.int(1, 3);
  const out: Json[] = [];
  for (let i = 0; i < count; i++) {
    const [code, display] = rng.pick(table);
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

function npiFrom(rng: Rng): string {
  return String(rng.int(1000000000, 1999999999));
}

/** Everything needed to build one EOB. */
export interface EobContext {
  seed: string;
  bene: Beneficiary;
  /** v3 serves numeric ids and v3 patient ids. */
  v3: boolean;
}

/** The v1/v2 or v3 id of a claim. */
export function eobId(h: ClaimHeader, v3: boolean): string {
  return v3 ? h.claimId : h.id;
}

/**
 * Builds the full ExplanationOfBenefit for one header, shaped like BFD's v2 output for its claim
 * type (profiles, type codings, identifiers, care team, diagnoses, lines with adjudications,
 * totals, payment, benefit balance). Unlike the captured sandbox EOBs, every claim has `provider`,
 * which FHIR R4 requires.
 */
export function buildEob(h: ClaimHeader, ctx: EobContext): Json {
  const info = CLAIM_TYPE_INFO[h.type];
  const rng = new Rng(`${ctx.seed}|eob|${h.id}`);
  const patientId = ctx.v3 ? ctx.bene.v3PatientId : ctx.bene.patientId;
  const institutional = info.claimType === 'institutional';
  const pharmacy = info.claimType === 'pharmacy';
  const groupId = `-${rng.int(1_000_000_000, 99_999_999_999)}`;
  const lines = lineAmounts(h, rng, institutional);
  const paidTotal = cents(lines.reduce((s, l) => s + l.paid, 0));
  const submittedTotal = cents(lines.reduce((s, l) => s + l.submitted, 0));
  const allowedTotal = cents(lines.reduce((s, l) => s + l.allowed, 0));
  const providerNpi = npiFrom(rng);

  const typeCoding: Json[] = [];
  if (info.nchCode) {
    typeCoding.push(coding(`${BB_VARIABLES}nch_clm_type_cd`, info.nchCode, info.nchDisplay));
  }
  typeCoding.push(coding(EOB_TYPE_SYSTEM, info.eobType));
  typeCoding.push(coding(CLAIM_TYPE_SYSTEM, info.claimType, CLAIM_TYPE_DISPLAY[info.claimType]));

  const eob: Json = {
    resourceType: 'ExplanationOfBenefit',
    id: eobId(h, ctx.v3),
    meta: { lastUpdated: fhirInstant(h.lastUpdated), profile: [info.profile] },
  };

  if (institutional) {
    eob.contained = [
      {
        resourceType: 'Organization',
        id: 'provider-org',
        meta: { profile: [PROFILES.organization] },
        identifier: [
          {
            type: { coding: [coding(V2_0203, 'PRN')] },
            value: String(rng.int(100000, 999999)),
          },
          {
            type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi')] },
            system: 'http://hl7.org/fhir/sid/us-npi',
            value: providerNpi,
          },
        ],
        active: true,
      },
    ];
  }

  const extension: Json[] = [];
  if (info.nearLineCode) {
    extension.push(variable('nch_near_line_rec_ident_cd', info.nearLineCode));
  }
  if (info.claimType === 'professional') {
    extension.push(variable('carr_clm_pmt_dnl_cd', '1', 'Physician/supplier'));
    extension.push(variable('asgmntcd', 'A', 'Assigned claim'));
  } else if (institutional) {
    extension.push(variable('clm_srvc_clsfctn_type_cd', '3'));
    extension.push({
      url: `${BB_VARIABLES}fi_doc_clm_cntl_num`,
      valueIdentifier: {
        system: `${BB_VARIABLES}fi_doc_clm_cntl_num`,
        value: String(rng.int(10000000, 99999999)),
      },
    });
  }
  if (extension.length > 0) eob.extension = extension;

  eob.identifier = [
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: `${BB_VARIABLES}${pharmacy ? 'pde_id' : 'clm_id'}`,
      value: h.claimId,
    },
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: 'https://bluebutton.cms.gov/resources/identifier/claim-group',
      value: groupId,
    },
  ];
  eob.status = 'active';
  eob.type = { coding: typeCoding };
  eob.use = 'claim';
  eob.patient = { reference: `Patient/${patientId}` };
  eob.billablePeriod = institutional
    ? {
        extension: [variable('claim_query_cd', '3', 'Final bill')],
        start: h.start,
        end: h.end,
      }
    : { start: h.start, end: h.end };
  eob.created = fhirDateTime(h.lastUpdated);
  eob.insurer = { identifier: { value: 'CMS' } };
  if (info.claimType === 'professional') {
    eob.referral = {
      identifier: {
        type: {
          coding: [
            coding(
              V2_0203,
              'UPIN',
              "Medicare/CMS (formerly HCFA)'s Universal Physician Identification numbers",
            ),
          ],
        },
        value: String(rng.int(100000000000, 999999999999)),
      },
    };
  }

  if (institutional) {
    eob.provider = { reference: '#provider-org' };
    eob.facility = {
      extension: [variable('clm_fac_type_cd', h.type === 'snf' ? '2' : '1', 'Hospital')],
    };
  } else if (pharmacy) {
    eob.provider = {
      identifier: {
        system: `${BB_VARIABLES}prvdr_num`,
        value: String(rng.int(100000000000000, 999999999999999)),
      },
    };
    eob.facility = {
      extension: [variable('phrmcy_srvc_type_cd', '01', 'Community/retail pharmacy')],
      identifier: {
        type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi')] },
        value: npiFrom(rng),
      },
    };
  } else {
    eob.provider = {
      identifier: {
        type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi', 'National Provider Identifier')] },
        value: providerNpi,
      },
    };
  }
  eob.outcome = 'complete';
  if (info.claimType === 'professional') eob.disposition = '01';

  eob.careTeam = pharmacy
    ? [careTeamMember(1, npiFrom(rng), 'prescribing', 'Prescribing provider')]
    : institutional
      ? [
          careTeamMember(1, npiFrom(rng), 'attending', 'Attending'),
          careTeamMember(2, npiFrom(rng), 'performing', 'Performing provider'),
        ]
      : [
          careTeamMember(1, npiFrom(rng), 'referring', 'Referring'),
          {
            ...careTeamMember(2, providerNpi, 'performing', 'Performing provider'),
            responsible: true,
            qualification: {
              coding: [
                coding(`${BB_VARIABLES}prvdr_spclty`, String(rng.int(1, 99)).padStart(2, '0')),
              ],
            },
          },
        ];

  const received = new Date(h.endMs + rng.int(3, 30) * 86400000).toISOString().slice(0, 10);
  eob.supportingInfo = pharmacy
    ? [
        {
          sequence: 1,
          category: { coding: [coding(SUPPORTING_INFO_TYPE, 'dayssupply', 'Days Supply')] },
          valueQuantity: { value: rng.pick([30, 60, 90]) },
        },
        {
          sequence: 2,
          category: { coding: [coding(SUPPORTING_INFO_TYPE, 'refillnum', 'Refill Number')] },
          valueQuantity: { value: rng.int(0, 5) },
        },
      ]
    : [
        {
          sequence: 1,
          category: {
            coding: [
              coding(SUPPORTING_INFO_TYPE, 'clmrecvddate', 'Claim Received Date'),
              coding(
                'https://bluebutton.cms.gov/resources/codesystem/information',
                `${BB_VARIABLES}nch_wkly_proc_dt`,
                'NCH Weekly Claim Processing Date',
              ),
            ],
          },
          timingDate: received,
        },
      ];
  if (institutional) {
    (eob.supportingInfo as Json[]).push({
      sequence: 2,
      category: { coding: [coding(SUPPORTING_INFO_TYPE, 'typeofbill', 'Type of Bill')] },
      code: { coding: [coding(`${BB_VARIABLES}clm_freq_cd`, '1', 'Admit thru discharge claim')] },
    });
  }

  const diags = pharmacy ? [] : diagnoses(h, rng);
  if (!pharmacy) eob.diagnosis = diags;

  const coverageOwner = ctx.v3 ? ctx.bene.v3PatientId : ctx.bene.patientId;
  eob.insurance = [
    { focal: true, coverage: { reference: `Coverage/${info.coveragePart}-${coverageOwner}` } },
  ];

  eob.item = lines.map((l, i) => {
    const item: Json = { sequence: i + 1, careTeamSequence: [pharmacy ? 1 : 2] };
    if (!pharmacy) item.diagnosisSequence = [1];
    if (pharmacy) {
      const [ndc, name] = rng.pick(DRUGS);
      item.productOrService = { coding: [coding('http://hl7.org/fhir/sid/ndc', ndc, name)] };
      item.servicedDate = h.start;
      item.quantity = { value: rng.pick([30, 60, 90]) };
      item.adjudication = [
        adjudication(
          HL7_ADJUDICATION,
          'benefit',
          'Benefit Amount',
          'cvrd_d_plan_pd_amt',
          'Amount paid by Part D plan for the PDE (drug is covered by Part D)',
          l.paid,
        ),
        adjudication(
          C4BB_ADJUDICATION,
          'paidbypatient',
          'Paid by patient',
          'ptnt_pay_amt',
          'Amount Paid by Patient',
          l.coinsurance,
        ),
        adjudication(
          HL7_ADJUDICATION,
          'submitted',
          'Submitted Amount',
          'tot_rx_cst_amt',
          'Total drug cost (Part D)',
          l.submitted,
        ),
      ];
      return item;
    }
    if (institutional) {
      const [rev, revDisplay] = rng.pick(REVENUE_CENTERS);
      item.revenue = { coding: [coding(`${BB_VARIABLES}rev_cntr`, rev, revDisplay)] };
    } else {
      item.category = {
        coding: [coding(`${BB_VARIABLES}line_cms_type_srvc_cd`, '1', 'Medical care')],
      };
    }
    item.productOrService = {
      coding: [coding('https://bluebutton.cms.gov/resources/codesystem/hcpcs', rng.pick(HCPCS))],
    };
    if (institutional) {
      item.servicedDate = h.start;
      item.locationAddress = { state: ctx.bene.state };
    } else {
      item.servicedPeriod = { start: h.start, end: h.end };
      item.locationCodeableConcept = {
        coding: [coding(`${BB_VARIABLES}line_place_of_srvc_cd`, '11', 'Office')],
      };
    }
    item.quantity = { value: rng.int(1, 3) };
    item.adjudication = [
      adjudication(
        HL7_ADJUDICATION,
        'submitted',
        'Submitted Amount',
        institutional ? 'rev_cntr_tot_chrg_amt' : 'line_sbmtd_chrg_amt',
        institutional ? 'Revenue Center Total Charge Amount' : 'Line Submitted Charge Amount',
        l.submitted,
      ),
      adjudication(
        HL7_ADJUDICATION,
        'eligible',
        'Eligible Amount',
        'line_alowd_chrg_amt',
        'Line Allowed Charge Amount',
        l.allowed,
      ),
      adjudication(
        HL7_ADJUDICATION,
        'benefit',
        'Benefit Amount',
        institutional ? 'rev_cntr_pmt_amt_amt' : 'line_nch_pmt_amt',
        institutional
          ? 'Revenue Center (Medicare) Payment Amount'
          : 'Line NCH Medicare Payment Amount',
        l.paid,
      ),
      adjudication(
        C4BB_ADJUDICATION,
        'paidtoprovider',
        'Paid to provider',
        institutional ? 'rev_cntr_prvdr_pmt_amt' : 'line_prvdr_pmt_amt',
        institutional
          ? 'Revenue Center (Medicare) Provider Payment Amount'
          : 'Line Provider Payment Amount',
        l.paid,
      ),
      adjudication(
        HL7_ADJUDICATION,
        'deductible',
        'Deductible',
        institutional ? 'rev_cntr_cash_ddctbl_amt' : 'line_bene_ptb_ddctbl_amt',
        institutional
          ? 'Revenue Center Cash Deductible Amount'
          : 'Line Beneficiary Part B Deductible Amount',
        l.deductible,
      ),
      adjudication(
        C4BB_ADJUDICATION,
        'coinsurance',
        'Co-insurance',
        institutional ? 'rev_cntr_coinsrnc_wge_adjstd_c' : 'line_coinsrnc_amt',
        institutional
          ? 'Revenue Center Coinsurance/Wage Adjusted Coinsurance Amount'
          : 'Line Beneficiary Coinsurance Amount',
        l.coinsurance,
      ),
    ];
    return item;
  });

  eob.total = [
    {
      category: {
        coding: [
          coding(HL7_ADJUDICATION, 'submitted', 'Submitted Amount'),
          coding(BB_ADJUDICATION, `${BB_VARIABLES}clm_tot_chrg_amt`, 'Claim Total Charge Amount'),
        ],
      },
      amount: usd(submittedTotal),
    },
    {
      category: {
        coding: [
          coding(HL7_ADJUDICATION, 'eligible', 'Eligible Amount'),
          coding(BB_ADJUDICATION, `${BB_VARIABLES}clm_alowd_amt`, 'Claim Allowed Amount'),
        ],
      },
      amount: usd(allowedTotal),
    },
  ];
  eob.payment = { amount: usd(paidTotal) };

  if (!pharmacy) {
    eob.benefitBalance = [
      {
        category: {
          coding: [
            coding('http://terminology.hl7.org/CodeSystem/ex-benefitcategory', '1', 'Medical Care'),
          ],
        },
        financial: [
          {
            type: {
              coding: [
                coding(
                  'https://bluebutton.cms.gov/resources/codesystem/benefit-balance',
                  `${BB_VARIABLES}nch_clm_prvdr_pmt_amt`,
                  'NCH Claim Provider Payment Amount',
                ),
              ],
            },
            usedMoney: usd(paidTotal),
          },
        ],
      },
    ];
  }
  return eob;
}
