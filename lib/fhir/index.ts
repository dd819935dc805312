export { FhirService } from './fhir.service.js';
export * from './fhir.types.js';
export * from './sync/index.js';
