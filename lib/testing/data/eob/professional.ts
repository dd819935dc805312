import {
  BB_VARIABLES,
  SUPPORTING_INFO_TYPE,
  C4BB_ADJUDICATION,
  C4BB_IDENTIFIER_TYPE,
  HCPCS,
  HL7_ADJUDICATION,
  V2_0203,
} from '../codes.js';
import {
  adjudication,
  careTeamMember,
  coding,
  diagnoses,
  npiFrom,
  variable,
  type EobBuild,
  type Json,
} from './common.js';
import type { EobSections } from './sections.js';

/** Carrier and DME claims (C4BB Professional-NonClinician), as BFD v2 shapes them. */
export const professionalSections: EobSections = {
  extension: b => [
    ...(b.info.nearLineCode ? [variable('nch_near_line_rec_ident_cd', b.info.nearLineCode)] : []),
    variable('carr_clm_pmt_dnl_cd', '1', 'Physician/supplier'),
    variable('asgmntcd', 'A', 'Assigned claim'),
  ],
  billablePeriod: b => ({ start: b.h.start, end: b.h.end }),
  referral: b => ({
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
      value: String(b.rng.int(100000000000, 999999999999)),
    },
  }),
  provider: b => ({
    provider: {
      identifier: {
        type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi', 'National Provider Identifier')] },
        value: b.providerNpi,
      },
    },
  }),
  disposition: '01',
  careTeam: b => [
    careTeamMember(1, npiFrom(b.rng), 'referring', 'Referring'),
    {
      ...careTeamMember(2, b.providerNpi, 'performing', 'Performing provider'),
      responsible: true,
      qualification: {
        coding: [coding(`${BB_VARIABLES}prvdr_spclty`, String(b.rng.int(1, 99)).padStart(2, '0'))],
      },
    },
  ],
  supportingInfo: receivedDate,
  diagnosis: b => diagnoses(b.h, b.rng),
  items: b => b.lines.map((l, i) => professionalItem(b, l, i)),
};

/** The "claim received" supporting info every non-Part-D claim carries (one draw from `rng`). */
export function receivedDate(b: EobBuild): Json[] {
  const received = new Date(b.h.endMs + b.rng.int(3, 30) * 86400000).toISOString().slice(0, 10);
  return [
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
}

function professionalItem(b: EobBuild, l: EobBuild['lines'][number], i: number): Json {
  const { rng, h } = b;
  return {
    sequence: i + 1,
    careTeamSequence: [2],
    diagnosisSequence: [1],
    category: { coding: [coding(`${BB_VARIABLES}line_cms_type_srvc_cd`, '1', 'Medical care')] },
    productOrService: {
      coding: [coding('https://bluebutton.cms.gov/resources/codesystem/hcpcs', rng.pick(HCPCS))],
    },
    servicedPeriod: { start: h.start, end: h.end },
    locationCodeableConcept: {
      coding: [coding(`${BB_VARIABLES}line_place_of_srvc_cd`, '11', 'Office')],
    },
    quantity: { value: rng.int(1, 3) },
    adjudication: [
      adjudication(
        HL7_ADJUDICATION,
        'submitted',
        'Submitted Amount',
        'line_sbmtd_chrg_amt',
        'Line Submitted Charge Amount',
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
        'line_nch_pmt_amt',
        'Line NCH Medicare Payment Amount',
        l.paid,
      ),
      adjudication(
        C4BB_ADJUDICATION,
        'paidtoprovider',
        'Paid to provider',
        'line_prvdr_pmt_amt',
        'Line Provider Payment Amount',
        l.paid,
      ),
      adjudication(
        HL7_ADJUDICATION,
        'deductible',
        'Deductible',
        'line_bene_ptb_ddctbl_amt',
        'Line Beneficiary Part B Deductible Amount',
        l.deductible,
      ),
      adjudication(
        C4BB_ADJUDICATION,
        'coinsurance',
        'Co-insurance',
        'line_coinsrnc_amt',
        'Line Beneficiary Coinsurance Amount',
        l.coinsurance,
      ),
    ],
  };
}
