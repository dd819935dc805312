import { BB_ADJUDICATION, BB_VARIABLES, C4BB_IDENTIFIER_TYPE, HL7_ADJUDICATION } from '../codes.js';
import { coding, coverageReference, usd, type EobBuild, type Json } from './common.js';

/**
 * The parts of an EOB that differ by kind of claim (professional, institutional, pharmacy).
 * The builder calls them in a fixed order, which fixes the draws from the claim's generator.
 */
export interface EobSections {
  /** `contained` resources (the institutional provider Organization). */
  contained?(b: EobBuild): Json[];
  /** Claim-level extensions (empty list: no `extension` key). */
  extension(b: EobBuild): Json[];
  /** `identifier`; default: the claim id and claim group, both "uc". */
  identifiers?(b: EobBuild, groupId: string): Json[];
  billablePeriod(b: EobBuild): Json;
  referral?(b: EobBuild): Json;
  /** `provider` (R4 requires it) and, when the kind has one, `facility`. */
  provider(b: EobBuild): { provider: Json; facility?: Json };
  disposition?: string;
  careTeam(b: EobBuild): Json[];
  supportingInfo(b: EobBuild): Json[];
  diagnosis?(b: EobBuild): Json[];
  /** `insurance`; default: the focal Coverage of the claim's Part. */
  insurance?(b: EobBuild): Json[];
  items(b: EobBuild): Json[];
  /** `total`, `payment` and `benefitBalance`; default: BFD v2's FFS totals. */
  totals?(b: EobBuild): Json;
}

/** The claim id and claim group identifiers of an FFS claim. */
export function claimIdentifiers(b: EobBuild, groupId: string): Json[] {
  return [
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: `${BB_VARIABLES}clm_id`,
      value: b.h.claimId,
    },
    {
      type: { coding: [coding(C4BB_IDENTIFIER_TYPE, 'uc', 'Unique Claim ID')] },
      system: 'https://bluebutton.cms.gov/resources/identifier/claim-group',
      value: groupId,
    },
  ];
}

/** The focal Coverage of the claim's Medicare Part. */
export function focalInsurance(b: EobBuild): Json[] {
  return [{ focal: true, coverage: { reference: coverageReference(b) } }];
}

/** BFD v2's FFS claim totals: charges, allowed, payment and the provider payment balance. */
export function ffsTotals(b: EobBuild): Json {
  const sum = (k: 'paid' | 'submitted' | 'allowed') => b.lines.reduce((s, l) => s + l[k], 0);
  const paidTotal = sum('paid');
  return {
    total: [
      {
        category: {
          coding: [
            coding(HL7_ADJUDICATION, 'submitted', 'Submitted Amount'),
            coding(BB_ADJUDICATION, `${BB_VARIABLES}clm_tot_chrg_amt`, 'Claim Total Charge Amount'),
          ],
        },
        amount: usd(sum('submitted')),
      },
      {
        category: {
          coding: [
            coding(HL7_ADJUDICATION, 'eligible', 'Eligible Amount'),
            coding(BB_ADJUDICATION, `${BB_VARIABLES}clm_alowd_amt`, 'Claim Allowed Amount'),
          ],
        },
        amount: usd(sum('allowed')),
      },
    ],
    payment: { amount: usd(paidTotal) },
    benefitBalance: [
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
    ],
  };
}
