export { DEFAULT_SYNC_OVERLAP_MS, LAST_UPDATED_FLOOR_MS, SYNC_PAGE_SIZE } from './sync-pass.js';
export { SyncWatermarkError, type SyncWatermarkProblem } from './sync.errors.js';
export * from './sync.types.js';
