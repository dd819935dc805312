export {
  BlueButtonEmulator,
  type AuthorizeOptions,
  type AuthorizeResult,
  type BeneficiaryInfo,
  type TokenResponse,
} from './emulator.js';
export { DEFAULT_REDIRECT_URI, type BlueButtonEmulatorOptions } from './emulator.options.js';
export { EmulatorClock, type ClockSource } from './clock.js';
export {
  FaultInjector,
  type DropFault,
  type Fault,
  type FaultTarget,
  type LatencyFault,
  type StatusFault,
} from './faults.js';
export {
  RequestHooks,
  type HookPhase,
  type RequestHookFn,
  type RequestHookOptions,
} from './hooks.js';
export type { RecordedRequest, RecordedRequestJson } from './request-log.js';
export type { AccessType, EmulatorClient, RegisteredClient } from './oauth/clients.js';
export type { IssueTokenOptions } from './oauth/issue-token.js';
export {
  isPartDUser,
  patientIdForUsername,
  type EmulatorBeneficiary,
} from './data/beneficiaries.js';
export { CLAIM_TYPES, type ClaimCounts, type ClaimType } from './data/claim-counts.js';
export { BASE_LOAD_AT, type ClaimSource } from './data/claims.js';
export type { CoveragePart } from './data/coverage.builder.js';
export {
  ClaimLoadError,
  type ClaimLoad,
  type LoadedBeneficiary,
  type LoadedClaim,
} from './claims/claim-load.js';
export type { LoadResult } from './claims/loads.js';
export type { RateLimitOption } from './rate-limit.js';
export type { ApiVersion } from './oauth/store.js';
