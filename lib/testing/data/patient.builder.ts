import type { Beneficiary } from './beneficiaries.js';
import { BB_VARIABLES, PROFILES, V2_0203 } from './codes.js';
import { fhirInstant } from './format.js';

type Json = Record<string, unknown>;

/** When the synthetic beneficiary tables were last loaded (fixed, so responses are stable). */
export const DATA_LOADED_AT = Date.parse('2021-06-07T21:51:07.769-04:00');

/**
 * A C4BB Patient shaped like BFD's v2 output. As BB2 never asks for address fields, the address
 * carries only the state code and postal code.
 */
export function buildPatient(bene: Beneficiary, v3: boolean): Json {
  const id = v3 ? bene.v3PatientId : bene.patientId;
  const race = bene.given.length % 2 === 0 ? ['1', 'White'] : ['2', 'Black'];
  return {
    resourceType: 'Patient',
    id,
    meta: { lastUpdated: fhirInstant(DATA_LOADED_AT), profile: [PROFILES.patient] },
    extension: [
      {
        url: `${BB_VARIABLES}race`,
        valueCoding: { system: `${BB_VARIABLES}race`, code: race[0], display: race[1] },
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          {
            url: 'ombCategory',
            valueCoding: {
              system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
              code: 'UNK',
              display: 'Unknown',
            },
          },
          { url: 'text', valueString: 'Unknown' },
        ],
      },
      { url: `${BB_VARIABLES}rfrnc_yr`, valueDate: '2023' },
      {
        url: `${BB_VARIABLES}dual_01`,
        valueCoding: { system: `${BB_VARIABLES}dual_01`, code: 'NA', display: 'Non-Medicaid' },
      },
    ],
    identifier: [
      {
        type: {
          coding: [{ system: V2_0203, code: 'MB', display: 'Member Number' }],
        },
        system: `${BB_VARIABLES}bene_id`,
        value: id,
      },
      {
        type: {
          coding: [
            {
              extension: [
                {
                  url: 'https://bluebutton.cms.gov/resources/codesystem/identifier-currency',
                  valueCoding: {
                    system: 'https://bluebutton.cms.gov/resources/codesystem/identifier-currency',
                    code: 'current',
                    display: 'Current',
                  },
                },
              ],
              system: V2_0203,
              code: 'MC',
              display: "Patient's Medicare number",
            },
          ],
        },
        system: 'http://hl7.org/fhir/sid/us-mbi',
        value: bene.mbi,
        period: { start: bene.entitlementStart },
      },
    ],
    name: [{ use: 'usual', family: bene.family, given: [bene.given, bene.middleInitial] }],
    gender: bene.gender,
    birthDate: bene.birthDate,
    address: [{ state: bene.state, postalCode: bene.postalCode }],
  };
}
