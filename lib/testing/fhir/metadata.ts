import type { ApiVersion } from '../core/oauth-store.js';

type Json = Record<string, unknown>;

const SEARCH_PARAMS: Record<string, Array<[string, string]>> = {
  Patient: [
    ['_id', 'token'],
    ['identifier', 'token'],
    ['_lastUpdated', 'date'],
  ],
  Coverage: [
    ['beneficiary', 'reference'],
    ['_lastUpdated', 'date'],
  ],
  ExplanationOfBenefit: [
    ['patient', 'reference'],
    ['type', 'token'],
    ['service-date', 'date'],
    ['_lastUpdated', 'date'],
  ],
};

/**
 * BB2's `/metadata`: BFD's CapabilityStatement reduced to Patient, Coverage and
 * ExplanationOfBenefit, with read + search-type interactions and the SMART oauth-uris extension.
 */
export function capabilityStatement(origin: string, version: ApiVersion): Json {
  const o = `${origin}/${version}/o`;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2024-01-01T00:00:00-05:00',
    publisher: 'Centers for Medicare & Medicaid Services',
    kind: 'instance',
    software: { name: 'Blue Button API: Direct (emulator)', version: '1.0.0' },
    implementation: {
      description: 'gov.cms.bfd:bfd-server-war',
      url: `${origin}/${version}/fhir/`,
    },
    // 4.0.0 as in BB2's own fixture; the R4 schema's enum has no 4.0.1.
    fhirVersion: version === 'v1' ? '3.0.1' : '4.0.0',
    format: ['application/json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'token', valueUri: `${o}/token/` },
                { url: 'authorize', valueUri: `${o}/authorize/` },
                { url: 'revoke', valueUri: `${o}/revoke_token/` },
              ],
            },
          ],
          cors: true,
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'OAuth',
                  display: 'OAuth',
                },
              ],
              text: 'OAuth',
            },
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                  display: 'SMART-on-FHIR',
                },
              ],
              text: 'SMART-on-FHIR',
            },
          ],
        },
        resource: Object.entries(SEARCH_PARAMS).map(([type, params]) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: params.map(([name, t]) => ({ name, type: t })),
        })),
      },
    ],
  };
}
