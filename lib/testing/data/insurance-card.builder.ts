import { randomUUID } from 'node:crypto';
import type { Beneficiary } from './beneficiaries.js';
import { fhirInstantUtc } from './format.js';
import { DATA_LOADED_AT } from './patient.builder.js';

type Json = Record<string, unknown>;

const C4DIC = 'http://hl7.org/fhir/us/insurance-card/StructureDefinition/';
const ENTITLEMENT = 'https://bluebutton.cms.gov/fhir/StructureDefinition/BENE-MDCR-ENTLMT-RSN-CD';
const CARD_TEXT =
  'You may be asked to show this card when you get health care services. Only give your personal Medicare information to health care providers, or people you trust who work with Medicare on your behalf. WARNING: Intentionally misusing this card may be considered fraud and/or other violation of federal law and is punishable by law.\n\nEs posible que le pidan que muestre esta tarjeta cuando reciba servicios de cuidado médico. Solamente dé su información personal de Medicare a los proveedores de salud, sus aseguradores o personas de su confianza que trabajan con Medicare en su nombre. ¡ADVERTENCIA! El mal uso intencional de esta tarjeta puede ser considerado como fraude y/u otra violación de la ley federal y es sancionada por la ley.';

/** The card's Parts: BFD v3 maps Parts A and B (and dual status) to C4DIC Coverages. */
const PARTS = [
  { plan: 'Part A', sopt: '1', display: 'MEDICARE' },
  { plan: 'Part B', sopt: '121', display: 'MEDICARE FFS' },
] as const;

function cardPatient(bene: Beneficiary, id: string, lastUpdated: string): Json {
  return {
    resourceType: 'Patient',
    id,
    meta: { lastUpdated, profile: [`${C4DIC}C4DIC-Patient`] },
    extension: [
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex',
        valueCode: bene.gender === 'female' ? '248152002' : '248153007',
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          {
            url: 'ombCategory',
            valueCoding: {
              system: 'urn:oid:2.16.840.1.113883.6.238',
              code: 'UNK',
              display: 'Unknown',
            },
          },
          { url: 'text', valueString: 'Unknown' },
        ],
      },
    ],
    name: [{ family: bene.family, given: [bene.given, bene.middleInitial] }],
    gender: bene.gender,
    birthDate: bene.birthDate,
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'unknown' }] } }],
  };
}

function cardOrganization(id: string): Json {
  return {
    resourceType: 'Organization',
    id,
    meta: { profile: [`${C4DIC}C4DIC-Organization`] },
    active: true,
    name: 'Centers for Medicare and Medicaid Services',
    contact: [
      {
        purpose: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/contactentity-type',
              code: 'PATINF',
              display: 'Patient',
            },
          ],
        },
        telecom: [
          { system: 'phone', value: '1-800-633-4227' },
          { system: 'phone', value: 'TTY: 1-877-486-2048' },
          { system: 'url', value: 'www.medicare.gov' },
        ],
      },
    ],
  };
}

function cardCoverage(
  bene: Beneficiary,
  part: (typeof PARTS)[number],
  ids: { coverage: string; patient: string; org: string },
  lastUpdated: string,
): Json {
  return {
    resourceType: 'Coverage',
    id: ids.coverage,
    meta: { lastUpdated, profile: [`${C4DIC}C4DIC-Coverage`] },
    extension: [
      {
        url: `${C4DIC}C4DIC-AdditionalCardInformation-extension`,
        valueAnnotation: { text: CARD_TEXT },
      },
      {
        url: ENTITLEMENT,
        valueCoding: {
          system: 'https://bluebutton.cms.gov/fhir/CodeSystem/BENE-MDCR-ENTLMT-RSN-CD',
          code: '0',
        },
      },
    ],
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] },
        system: 'http://hl7.org/fhir/sid/us-mbi',
        value: bene.mbi,
        assigner: { reference: `Organization/${ids.org}` },
      },
    ],
    status: 'active',
    type: {
      coding: [{ system: 'https://nahdo.org/sopt', code: part.sopt, display: part.display }],
    },
    subscriber: { reference: `Patient/${ids.patient}` },
    subscriberId: bene.mbi,
    beneficiary: { reference: `Patient/${ids.patient}` },
    relationship: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
          code: 'self',
          display: 'Self',
        },
      ],
    },
    period: { start: bene.entitlementStart },
    payor: [{ reference: `Organization/${ids.org}` }],
    class: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' },
          ],
        },
        value: part.plan,
      },
    ],
  };
}

/**
 * The v3 `Patient/$generate-insurance-card` answer, shaped like BB2's `V3DigitalInsuranceCardExample`
 * (BFD v3 `searchByBeneficiaryC4DIC`): a `collection` Bundle of the C4DIC Patient, the CMS
 * Organization and one C4DIC Coverage per Part, with fresh UUID ids and `urn:uuid:` full URLs.
 */
export function buildInsuranceCard(bene: Beneficiary, newestLoad: number): Json {
  const ids = { patient: randomUUID(), org: randomUUID() };
  const lastUpdated = fhirInstantUtc(DATA_LOADED_AT);
  const resources = [
    cardPatient(bene, ids.patient, lastUpdated),
    cardOrganization(ids.org),
    ...PARTS.map(part => cardCoverage(bene, part, { ...ids, coverage: randomUUID() }, lastUpdated)),
  ];
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: fhirInstantUtc(newestLoad) },
    type: 'collection',
    entry: resources.map(r => ({ fullUrl: `urn:uuid:${String(r.id)}`, resource: r })),
  };
}
