export { FhirService } from './fhir.service.js';
export * from './fhir.types.js';
export {
  toInsuranceCard,
  type InsuranceCard,
  type InsuranceCardBundle,
  type InsuranceCardPart,
} from './insurance-card.js';
export * from './sync/index.js';
