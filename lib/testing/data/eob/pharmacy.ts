import {
  BB_VARIABLES,
  C4BB_ADJUDICATION,
  C4BB_IDENTIFIER_TYPE,
  DRUGS,
  HL7_ADJUDICATION,
  SUPPORTING_INFO_TYPE,
} from '../codes.js';
import { cents } from '../format.js';
import {
  adjudication,
  careTeamMember,
  coding,
  coverageReference,
  npiFrom,
  usd,
  variable,
  type EobBuild,
  type Json,
} from './common.js';
import type { EobSections } from './sections.js';

const INFO = 'http://terminology.hl7.org/CodeSystem/claiminformationcategory';
const BB_INFO = 'https://bluebutton.cms.gov/resources/codesystem/information';

/** A C4BB supporting-info slice coded by one BB2 variable. */
function typed(
  sequence: number,
  slice: string,
  display: string,
  v: string,
  code: string,
  codeDisplay: string,
): Json {
  return {
    sequence,
    category: { coding: [coding(SUPPORTING_INFO_TYPE, slice, display)] },
    code: { coding: [coding(`${BB_VARIABLES}${v}`, code, codeDisplay)] },
  };
}

/** An "information" supporting-info entry coded by one BB2 variable. */
function info(
  sequence: number,
  v: string,
  display: string,
  code: string,
  codeDisplay: string,
): Json {
  return {
    sequence,
    category: {
      coding: [
        coding(INFO, 'info', 'Information'),
        coding(BB_INFO, `${BB_VARIABLES}${v}`, display),
      ],
    },
    code: { coding: [coding(`${BB_VARIABLES}${v}`, code, codeDisplay)] },
  };
}

/** The ten supporting-info entries of the sandbox's Part D capture, in its order. */
function pharmacySupportingInfo(b: EobBuild): Json[] {
  const { rng } = b;
  const daysSupply = rng.pick([30, 60, 90]);
  const refill = rng.int(0, 5);
  const generic = rng.chance(0.8);
  return [
    {
      sequence: 1,
      category: { coding: [coding(SUPPORTING_INFO_TYPE, 'compoundcode', 'Compound Code')] },
      code: {
        coding: [
          coding(
            'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            'RXDINV',
            'Rx dispense invoice',
          ),
        ],
      },
    },
    {
      sequence: 2,
      category: { coding: [coding(SUPPORTING_INFO_TYPE, 'refillnum', 'Refill Number')] },
      valueQuantity: { value: refill },
    },
    {
      sequence: 3,
      category: { coding: [coding(SUPPORTING_INFO_TYPE, 'dayssupply', 'Days Supply')] },
      valueQuantity: { value: daysSupply },
    },
    info(4, 'drug_cvrg_stus_cd', 'Drug Coverage Status Code', 'C', 'Covered'),
    info(
      5,
      'daw_prod_slctn_cd',
      'Dispense as Written (DAW) Product Selection Code',
      '0',
      'No Product Selection Indicated (may also have missing values)',
    ),
    info(6, 'dspnsng_stus_cd', 'Dispensing Status Code', 'P', 'Partial fill'),
    typed(7, 'rxorigincode', 'Rx Origin Code', 'rx_orgn_cd', '1', 'Written'),
    typed(
      8,
      'brandgenericcode',
      'Brand Generic Code',
      'brnd_gnrc_cd',
      generic ? 'G' : 'B',
      generic ? 'Generic Null/missing' : 'Brand',
    ),
    info(9, 'ptnt_rsdnc_cd', 'Patient Residence Code', '01', 'Home'),
    info(10, 'submsn_clr_cd', 'Submission clarification code', '00', 'Default'),
  ];
}

/** Part D event amounts from one line: drug cost, plan paid, patient paid. */
function drugAmounts(b: EobBuild) {
  const l = b.lines[0] as EobBuild['lines'][number];
  return { cost: l.allowed, plan: l.paid, patient: cents(l.allowed - l.paid) };
}

/** Part D events (C4BB Pharmacy), shaped like the sandbox's BBUser29999 capture. */
export const pharmacySections: EobSections = {
  identifiers: (b, groupId) => [
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: `${BB_VARIABLES}pde_id`,
      value: b.h.claimId,
    },
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: 'https://bluebutton.cms.gov/resources/identifier/claim-group',
      value: groupId,
    },
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: `${BB_VARIABLES}rx_srvc_rfrnc_num`,
      value: String(b.rng.int(10_000_000_000, 99_999_999_999)),
    },
  ],
  extension: () => [],
  billablePeriod: b => ({ start: b.h.start, end: b.h.end }),
  provider: b => ({
    provider: {
      identifier: {
        system: `${BB_VARIABLES}prvdr_num`,
        value: String(b.rng.int(100000000000000, 999999999999999)),
      },
    },
    facility: {
      extension: [variable('phrmcy_srvc_type_cd', '01', 'Community/retail pharmacy')],
      identifier: {
        type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'npi')] },
        value: npiFrom(b.rng),
      },
    },
  }),
  careTeam: b => [careTeamMember(1, npiFrom(b.rng), 'prescribing', 'Prescribing provider')],
  supportingInfo: pharmacySupportingInfo,
  insurance: b => [
    {
      focal: true,
      coverage: {
        extension: [
          {
            url: `${BB_VARIABLES}plan_cntrct_rec_id`,
            valueIdentifier: { system: `${BB_VARIABLES}plan_cntrct_rec_id`, value: 'Z0001' },
          },
          {
            url: `${BB_VARIABLES}plan_pbp_rec_num`,
            valueIdentifier: { system: `${BB_VARIABLES}plan_pbp_rec_num`, value: '001' },
          },
        ],
        reference: coverageReference(b),
      },
    },
  ],
  items: b => {
    const [ndc, name] = b.rng.pick(DRUGS);
    const a = drugAmounts(b);
    return [
      {
        sequence: 1,
        careTeamSequence: [1],
        productOrService: { coding: [coding('http://hl7.org/fhir/sid/ndc', ndc, name)] },
        servicedDate: b.h.start,
        quantity: { value: b.rng.pick([30, 60, 90]) },
        adjudication: [
          adjudication(
            HL7_ADJUDICATION,
            'benefit',
            'Benefit Amount',
            'cvrd_d_plan_pd_amt',
            'Amount paid by Part D plan for the PDE (drug is covered by Part D)',
            a.plan,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'coinsurance',
            'Co-insurance',
            'gdc_blw_oopt_amt',
            'Gross Drug Cost Below Part D Out-of-Pocket Threshold (GDCB)',
            a.cost,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'coinsurance',
            'Co-insurance',
            'gdc_abv_oopt_amt',
            'Gross Drug Cost Above Part D Out-of-Pocket Threshold (GDCA)',
            0,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'paidbypatient',
            'Paid by patient',
            'ptnt_pay_amt',
            'Amount Paid by Patient',
            a.patient,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'priorpayerpaid',
            'Prior payer paid',
            'othr_troop_amt',
            'Other True Out-of-Pocket (TrOOP) Amount',
            0,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'discount',
            'Discount',
            'lics_amt',
            'Amount paid for the PDE by Part D low income subsidy',
            0,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'priorpayerpaid',
            'Prior payer paid',
            'plro_amt',
            'Reduction in patient liability due to payments by other payers (PLRO)',
            0,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'drugcost',
            'Drug Cost',
            'tot_rx_cst_amt',
            'Total drug cost (Part D)',
            a.cost,
          ),
          adjudication(
            C4BB_ADJUDICATION,
            'discount',
            'Discount',
            'rptd_gap_dscnt_num',
            'Gap Discount Amount',
            0,
          ),
        ],
      },
    ];
  },
  // BFD v2's Part D events carry no totals; C4BB 2 (v3) requires them.
  totals: b => {
    if (!b.ctx.v3) return {};
    const a = drugAmounts(b);
    return {
      total: [
        {
          category: {
            coding: [
              coding(HL7_ADJUDICATION, 'submitted', 'Submitted Amount'),
              coding(
                'https://bluebutton.cms.gov/resources/codesystem/adjudication',
                `${BB_VARIABLES}tot_rx_cst_amt`,
                'Total drug cost (Part D)',
              ),
            ],
          },
          amount: usd(a.cost),
        },
        {
          category: {
            coding: [
              coding(C4BB_ADJUDICATION, 'paidbypatient', 'Paid by patient'),
              coding(
                'https://bluebutton.cms.gov/resources/codesystem/adjudication',
                `${BB_VARIABLES}ptnt_pay_amt`,
                'Amount Paid by Patient',
              ),
            ],
          },
          amount: usd(a.patient),
        },
      ],
    };
  },
};
