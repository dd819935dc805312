import type { SyncResourceType, SyncedResource } from './sync.types.js';
import { resourceDigest } from './watermark.js';

/** Remembers resource versions by digest: those of the previous pass and those of this one. */
export class Dedupe {
  /** This search's watermark once its first page arrived. */
  at: number | undefined;
  private readonly before: Set<string>;
  private readonly now = new Set<string>();
  private readonly keep = new Set<string>();

  /** `seen`: the digests the previous pass's watermark kept for this type. */
  constructor(
    seen: readonly string[],
    private readonly overlapMs: number,
  ) {
    this.before = new Set(seen);
  }

  /** Whether this version was delivered already; records it either way. */
  isRepeat(type: SyncResourceType, resource: SyncedResource): boolean {
    const updated = instantOf(resource.meta?.lastUpdated);
    // Without an id and a time there is nothing to recognize it by next time: always deliver.
    if (typeof resource.id !== 'string' || updated === undefined) return false;
    const digest = resourceDigest(type, resource.id, updated);
    if (this.now.has(digest)) return true;
    this.now.add(digest);
    // The next search starts overlapMs before this one's watermark: remember what it will resend.
    if (this.at !== undefined && updated >= this.at - this.overlapMs) this.keep.add(digest);
    return this.before.has(digest);
  }

  /** The digests the next watermark keeps. */
  kept(): string[] {
    return [...this.keep];
  }
}

/** Epoch ms of a FHIR instant, or undefined when absent or unreadable. */
export function instantOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
