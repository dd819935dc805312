/**
 * `nestjs-bluebutton/sync`: keeps every enrolled beneficiary's claims current, incrementally, on
 * BullMQ. `bullmq` (^6) and `@nestjs/bullmq` (^12) are optional peer dependencies: install them
 * (and `ioredis`, which BullMQ drives Redis with) only if you import this entry.
 *
 * @packageDocumentation
 */
export {
  ClaimsSink,
  type ParkedInfo,
  type ParkReason,
  type SyncFailure,
  type SyncPassInfo,
  type SyncPassSummary,
  type UpsertContext,
} from './claims-sink.js';
export { BLUEBUTTON_SYNC_QUEUE } from './sync.constants.js';
export { SyncNotEnrolledError, SyncPassFailedError } from './sync.errors.js';
export {
  type BlueButtonSyncModuleAsyncOptions,
  type BlueButtonSyncModuleExtras,
} from './sync.module-definition.js';
export { BlueButtonSyncModule } from './sync.module.js';
export type { BlueButtonSyncOptions, SyncSchedule, SyncWorkerOptions } from './sync.options.js';
export type { SyncPassResult } from './sync-runner.js';
export {
  BlueButtonSyncService,
  type BeneficiarySyncStatus,
  type SyncStats,
} from './sync.service.js';
