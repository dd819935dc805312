export {
  BlueButtonEmulator,
  type AuthorizeOptions,
  type AuthorizeResult,
  type BeneficiaryInfo,
  type TokenResponse,
} from './emulator.js';
export type { BlueButtonEmulatorOptions } from './emulator.options.js';
export { EmulatorClock, type ClockSource } from './core/clock.js';
export {
  FaultInjector,
  type DropFault,
  type Fault,
  type FaultTarget,
  type LatencyFault,
  type StatusFault,
} from './control/faults.js';
export {
  RequestHooks,
  type HookPhase,
  type RequestHookFn,
  type RequestHookOptions,
} from './control/hooks.js';
export type { RecordedRequest, RecordedRequestJson } from './control/request-log.js';
export type { AccessType, EmulatorClient, RegisteredClient } from './core/clients.js';
export type { IssueTokenOptions } from './oauth/issue-token.js';
export { type EmulatorBeneficiary } from './data/beneficiaries.js';
export type { ClaimCounts } from './data/claim-counts.js';
export type { ClaimSource } from './data/claims.js';
export type { CoveragePart } from './data/coverage.builder.js';
export {
  ClaimLoadError,
  type ClaimLoad,
  type LoadedBeneficiary,
  type LoadedClaim,
} from './claims/claim-load.js';
export type { LoadResult } from './claims/loads.js';
export type { RateLimitOption } from './core/rate-limit.js';
export type { ApiVersion } from './core/oauth-store.js';
export {
  blueButtonStoreContract,
  type StoreContractOptions,
  type StoreContractRunner,
} from './store-contract/store-contract.js';
