import {
  BB_VARIABLES,
  C4BB_ADJUDICATION,
  C4BB_IDENTIFIER_TYPE,
  HCPCS,
  HL7_ADJUDICATION,
  PROFILES,
  REVENUE_CENTERS,
  SUPPORTING_INFO_TYPE,
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
import { receivedDate } from './professional.js';
import type { EobSections } from './sections.js';

/** Inpatient, outpatient, SNF, hospice and HHA claims (C4BB Institutional), as BFD v2 shapes them. */
export const institutionalSections: EobSections = {
  contained: b => [
    {
      resourceType: 'Organization',
      id: 'provider-org',
      meta: { profile: [PROFILES.organization] },
      identifier: [
        { type: { coding: [coding(V2_0203, 'PRN')] }, value: String(b.rng.int(100000, 999999)) },
        {
          type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi')] },
          system: 'http://hl7.org/fhir/sid/us-npi',
          value: b.providerNpi,
        },
      ],
      active: true,
    },
  ],
  extension: b => [
    ...(b.info.nearLineCode ? [variable('nch_near_line_rec_ident_cd', b.info.nearLineCode)] : []),
    variable('clm_srvc_clsfctn_type_cd', '3'),
    {
      url: `${BB_VARIABLES}fi_doc_clm_cntl_num`,
      valueIdentifier: {
        system: `${BB_VARIABLES}fi_doc_clm_cntl_num`,
        value: String(b.rng.int(10000000, 99999999)),
      },
    },
  ],
  billablePeriod: b => ({
    extension: [variable('claim_query_cd', '3', 'Final bill')],
    start: b.h.start,
    end: b.h.end,
  }),
  provider: b => ({
    provider: { reference: '#provider-org' },
    facility: {
      extension: [variable('clm_fac_type_cd', b.h.type === 'snf' ? '2' : '1', 'Hospital')],
    },
  }),
  careTeam: b => [
    careTeamMember(1, npiFrom(b.rng), 'attending', 'Attending'),
    careTeamMember(2, npiFrom(b.rng), 'performing', 'Performing provider'),
  ],
  supportingInfo: b => [
    ...receivedDate(b),
    {
      sequence: 2,
      category: { coding: [coding(SUPPORTING_INFO_TYPE, 'typeofbill', 'Type of Bill')] },
      code: { coding: [coding(`${BB_VARIABLES}clm_freq_cd`, '1', 'Admit thru discharge claim')] },
    },
  ],
  diagnosis: b => diagnoses(b.h, b.rng),
  items: b => b.lines.map((l, i) => institutionalItem(b, l, i)),
};

function institutionalItem(b: EobBuild, l: EobBuild['lines'][number], i: number): Json {
  const { rng, h } = b;
  const [rev, revDisplay] = rng.pick(REVENUE_CENTERS);
  return {
    sequence: i + 1,
    careTeamSequence: [2],
    diagnosisSequence: [1],
    revenue: { coding: [coding(`${BB_VARIABLES}rev_cntr`, rev, revDisplay)] },
    productOrService: {
      coding: [coding('https://bluebutton.cms.gov/resources/codesystem/hcpcs', rng.pick(HCPCS))],
    },
    servicedDate: h.start,
    locationAddress: { state: b.ctx.bene.state },
    quantity: { value: rng.int(1, 3) },
    adjudication: [
      adjudication(
        HL7_ADJUDICATION,
        'submitted',
        'Submitted Amount',
        'rev_cntr_tot_chrg_amt',
        'Revenue Center Total Charge Amount',
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
        'rev_cntr_pmt_amt_amt',
        'Revenue Center (Medicare) Payment Amount',
        l.paid,
      ),
      adjudication(
        C4BB_ADJUDICATION,
        'paidtoprovider',
        'Paid to provider',
        'rev_cntr_prvdr_pmt_amt',
        'Revenue Center (Medicare) Provider Payment Amount',
        l.paid,
      ),
      adjudication(
        HL7_ADJUDICATION,
        'deductible',
        'Deductible',
        'rev_cntr_cash_ddctbl_amt',
        'Revenue Center Cash Deductible Amount',
        l.deductible,
      ),
      adjudication(
        C4BB_ADJUDICATION,
        'coinsurance',
        'Co-insurance',
        'rev_cntr_coinsrnc_wge_adjstd_c',
        'Revenue Center Coinsurance/Wage Adjusted Coinsurance Amount',
        l.coinsurance,
      ),
    ],
  };
}
