import type { ReauthorizationReason } from '../errors/bluebutton.errors.js';
import type { SyncDoneEvent, SyncResourceType, SyncedResource } from '../fhir/sync/sync.types.js';

/** Which pass a batch belongs to. */
export interface SyncPassInfo {
  /** The BullMQ job id of the pass. */
  jobId: string;
  /** 1 for the first attempt; higher when the pass is redone after a failure or a crash. */
  attempt: number;
  /** When this attempt started (ISO 8601). */
  startedAt: string;
}

/** What `ClaimsSink.upsert` is told besides the resources. */
export interface UpsertContext {
  /** The type of every resource in the batch. */
  resourceType: SyncResourceType;
  pass: SyncPassInfo;
}

/** Counts of one finished pass (no resource content, no token); JSON as it is. */
export interface SyncPassSummary {
  pass: SyncPassInfo;
  /** ISO 8601. */
  finishedAt: string;
  durationMs: number;
  /** Per searched type: changed, duplicates (the overlap, recognized), pages (requests), full. */
  report: SyncDoneEvent['report'];
  /** Types not searched: Patient without the demographic scope. */
  skipped: SyncResourceType[];
  /** Resources handed to `upsert`, in how many calls. */
  upserted: number;
  batches: number;
}

/** Why a beneficiary is parked: no pass runs for them until the app enrolls them again. */
export type ParkReason =
  | ReauthorizationReason
  /** No token is stored under the beneficiary's key (the user logged out, or never in). */
  | 'token-missing'
  /** Blue Button kept refusing the token (401/403) after a successful refresh. */
  | 'access-refused'
  /** The stored watermark is not valid for this token (e.g. another Medicare account). */
  | 'watermark-invalid';

/** What `onParked` is told. */
export interface ParkedInfo {
  reason: ParkReason;
  /** ISO 8601. */
  parkedAt: string;
}

/** A pass that failed, as `onPassFailed` is told. */
export interface SyncFailure {
  error: Error;
  attempt: number;
  /** False on the last attempt: the pass is dropped until the next schedule or `syncNow`. */
  willRetry: boolean;
}

/**
 * Where synced claims go: the app's own storage. Provide it as a DI token, e.g.
 * `extraProviders: [{ provide: ClaimsSink, useClass: DbClaimsSink }]`.
 *
 * The contract: `upsert` is awaited batch after batch (at most 50 resources of one type); the
 * beneficiary's watermark advances only once every batch of the pass resolved. If the process
 * crashes or `upsert` rejects before that, the whole pass is done again from the old watermark,
 * so the same resources can arrive more than once: **`upsert` must be idempotent by resource type
 * and id**, and should keep the version with the newer `meta.lastUpdated` (an insert-or-update
 * keyed on `(resourceType, id)`). Hooks are optional; a hook that rejects is logged, except
 * `onParked`, which is called again until it resolves.
 */
export abstract class ClaimsSink {
  /** Stores (inserts or replaces) these resources of one beneficiary. */
  abstract upsert(
    tokenKey: string,
    resources: SyncedResource[],
    context: UpsertContext,
  ): Promise<void>;

  /** A pass finished and its watermark was saved. */
  onPassComplete?(tokenKey: string, summary: SyncPassSummary): Promise<void> | void;

  /**
   * The beneficiary was parked: re-authorization is required, the token is gone, or the
   * watermark does not fit. Called once per parking; enroll them again after a new login.
   */
  onParked?(tokenKey: string, parked: ParkedInfo): Promise<void> | void;

  /** A pass failed for a transient reason (network, 5xx, store outage). */
  onPassFailed?(tokenKey: string, failure: SyncFailure): Promise<void> | void;
}
