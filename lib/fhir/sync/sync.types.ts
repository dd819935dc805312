import type { Coverage, ExplanationOfBenefit, Patient } from 'fhir/r4.js';
import type { AuthorizationToken } from '../../auth/authorization-token.js';
import type { ClaimType } from '../fhir.types.js';

/** The resource types a sync pass keeps current, in the order it searches them. */
export const SYNC_RESOURCE_TYPES = ['ExplanationOfBenefit', 'Coverage', 'Patient'] as const;

/** A resource type a sync pass covers: ExplanationOfBenefit, Coverage or Patient. */
export type SyncResourceType = (typeof SYNC_RESOURCE_TYPES)[number];

/** A resource a sync pass delivers. */
export type SyncedResource = ExplanationOfBenefit | Coverage | Patient;

/** Options of `FhirService.sync()`. */
export interface SyncOptions {
  /**
   * The `watermark` of the previous pass's `done` event, exactly as it was given. Omit it for a
   * full pull. A string that is not such a watermark fails the pass with `SyncWatermarkError`
   * (never a silent full pull).
   */
  since?: string;
  /**
   * Which types to search (default: all three; Patient only when the token has
   * `patient/Patient.rs`, the demographic scope). Types left out keep their place in the watermark.
   */
  resourceTypes?: readonly SyncResourceType[];
  /** Limit the EOB search to these claim types. Changing the list makes the next EOB search full. */
  claimTypes?: readonly ClaimType[];
  /** Pages fetched at once within each search (default: the module's `pageConcurrency`). */
  pageConcurrency?: number;
  /**
   * How far before the stored watermark each search starts again, ms (default 300000, five
   * minutes). Resources seen in that window are recognized by id and `meta.lastUpdated` and not
   * delivered twice; the window covers loads whose records commit late.
   */
  overlapMs?: number;
}

/** One changed resource, with the token in force when its page arrived. */
export interface SyncResourceEvent {
  kind: 'resource';
  resourceType: SyncResourceType;
  resource: SyncedResource;
  token: AuthorizationToken;
}

/** What one search of the pass did. */
export interface SyncTypeReport {
  /** Resources delivered (new or changed). */
  changed: number;
  /** Resources the server sent again that the previous pass had delivered (the overlap). */
  duplicates: number;
  /** Pages fetched, i.e. GET requests sent (retries aside). */
  pages: number;
  /** True when this search had no `_lastUpdated` bound (first pass, or new filter). */
  full: boolean;
}

/** The last event of a pass: the watermark to persist once every resource is stored. */
export interface SyncDoneEvent {
  kind: 'done';
  /** Opaque and versioned; pass it as `since` to the next pass. Safe to store as JSON text. */
  watermark: string;
  /** The token in force at the end (refreshed or not). */
  token: AuthorizationToken;
  /** Per searched type. */
  report: Partial<Record<SyncResourceType, SyncTypeReport>>;
  /** Types requested but not searched: Patient without the demographic scope. */
  skipped: SyncResourceType[];
}

/** What `FhirService.sync()` emits: every changed resource, then one `done` event. */
export type SyncEvent = SyncResourceEvent | SyncDoneEvent;

/** Narrows a {@link SyncEvent} to a resource (for `filter()`). */
export function isSyncResource(event: SyncEvent): event is SyncResourceEvent {
  return event.kind === 'resource';
}

/** Narrows a {@link SyncEvent} to the final `done` event. */
export function isSyncDone(event: SyncEvent): event is SyncDoneEvent {
  return event.kind === 'done';
}
