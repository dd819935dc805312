import { randomUUID } from 'node:crypto';
import type { Beneficiary } from './beneficiaries.js';
import { buildCoverage, COVERAGE_PARTS } from './coverage.builder.js';
import { fhirInstant } from './format.js';
import { buildPatient, DATA_LOADED_AT } from './patient.builder.js';

type Json = Record<string, unknown>;

const C4DIC = 'http://hl7.org/fhir/us/insurance-card/StructureDefinition/';
const PAYER_ID = 'c4dic-cms';

/**
 * The v3 `Patient/$generate-insurance-card` answer: a CARIN Digital Insurance Card style Bundle
 * (collection) with the Patient, its Coverages (C4DIC profile, payor = CMS) and the CMS Organization.
 */
export function buildInsuranceCard(bene: Beneficiary, fhirBase: string): Json {
  const patient = buildPatient(bene, true);
  patient.meta = { lastUpdated: fhirInstant(DATA_LOADED_AT), profile: [`${C4DIC}C4DIC-Patient`] };
  const organization: Json = {
    resourceType: 'Organization',
    id: PAYER_ID,
    meta: { profile: [`${C4DIC}C4DIC-Organization`] },
    active: true,
    name: 'Centers for Medicare and Medicaid Services',
    telecom: [{ system: 'phone', value: '1-800-633-4227', use: 'work' }],
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
        telecom: [{ system: 'url', value: 'https://www.medicare.gov' }],
      },
    ],
  };
  const coverages = COVERAGE_PARTS.map(part => {
    const c = buildCoverage(bene, part, true);
    c.meta = { lastUpdated: fhirInstant(DATA_LOADED_AT), profile: [`${C4DIC}C4DIC-Coverage`] };
    c.payor = [{ reference: `Organization/${PAYER_ID}` }];
    c.subscriber = { reference: `Patient/${bene.v3PatientId}` };
    return c;
  });
  const entry = (r: Json) => ({ fullUrl: `${fhirBase}/${r.resourceType}/${r.id}`, resource: r });
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: fhirInstant(DATA_LOADED_AT) },
    type: 'collection',
    timestamp: fhirInstant(DATA_LOADED_AT),
    entry: [entry(patient), ...coverages.map(entry), entry(organization)],
  };
}
