export * from './bluebutton.errors.js';
export { ApiVersionMismatchError } from './api-version.error.js';
export type { FhirIssue } from './operation-outcome.js';
