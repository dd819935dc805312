/** A `ClaimsSink` that keeps everything in memory and records every call, for in-process tests. */
import type { SyncedResource } from 'nestjs-bluebutton';
import {
  ClaimsSink,
  type ParkedInfo,
  type SyncFailure,
  type SyncPassSummary,
  type UpsertContext,
} from 'nestjs-bluebutton/sync';
import type { ResourceVersions } from './emulator-data.js';

export class MemorySink extends ClaimsSink {
  /** tokenKey → `Type/id` → `meta.lastUpdated` (ms): the app's "database". */
  readonly stored = new Map<string, ResourceVersions>();
  readonly upserts: Array<{ tokenKey: string; keys: string[]; context: UpsertContext }> = [];
  readonly parked: Array<[string, ParkedInfo]> = [];
  readonly failures: Array<[string, SyncFailure]> = [];
  readonly completed: Array<[string, SyncPassSummary]> = [];

  /** Idempotent by type and id; keeps the newer `meta.lastUpdated`. */
  async upsert(tokenKey: string, resources: SyncedResource[], context: UpsertContext) {
    const mine = this.stored.get(tokenKey) ?? new Map<string, number>();
    this.stored.set(tokenKey, mine);
    const keys: string[] = [];
    for (const r of resources) {
      const key = `${r.resourceType}/${r.id}`;
      const at = Date.parse(r.meta!.lastUpdated!);
      if (!(mine.get(key)! > at)) mine.set(key, at);
      keys.push(key);
    }
    this.upserts.push({ tokenKey, keys, context });
  }

  override onParked(tokenKey: string, parked: ParkedInfo) {
    this.parked.push([tokenKey, parked]);
  }

  override onPassFailed(tokenKey: string, failure: SyncFailure) {
    this.failures.push([tokenKey, failure]);
  }

  override onPassComplete(tokenKey: string, summary: SyncPassSummary) {
    this.completed.push([tokenKey, summary]);
  }

  /** Forgets the recorded calls (not the stored data). */
  clearCalls(): void {
    for (const list of [this.upserts, this.parked, this.failures, this.completed]) list.length = 0;
  }
}
