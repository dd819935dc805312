import type { Beneficiary } from '../data/beneficiaries.js';
import { CLAIM_TYPES, type ClaimCounts } from '../data/claim-counts.js';
import { COVERAGE_PARTS, type CoveragePart } from '../data/coverage.builder.js';
import {
  baseClaimHeaders,
  BASE_LOAD_AT,
  indexClaims,
  type ClaimHeader,
  type ClaimIndex,
} from '../data/claims.js';
import { DATA_LOADED_AT } from '../data/patient.builder.js';

/** What the loads so far changed for one beneficiary. */
export interface Overlay {
  /** Bumped by every load that touches the beneficiary; invalidates the merged index. */
  version: number;
  /** Claims added by loads, in load order. */
  added: ClaimHeader[];
  /** Replacements of base claims, by v1/v2 id. */
  updated: Map<string, ClaimHeader>;
  /** `meta.lastUpdated` of reloaded Coverage parts. */
  coverage: Map<CoveragePart, number>;
  /** How many loads touched the beneficiary (seeds new claim ids). */
  loads: number;
}

interface Cached {
  bene: Beneficiary;
  version: number;
  index: ClaimIndex;
}

/** How many merged indexes stay cached (a median beneficiary's is about 10 KB). */
const MAX_CACHED = 4096;

/**
 * Every beneficiary's claims: the deterministic base data (rebuilt on demand, so thousands of
 * users cost nothing until used) plus what loads added or updated (kept for good), and the
 * newest load time that Bundles report as `meta.lastUpdated`.
 */
export class ClaimStore {
  /** The newest load (epoch ms); the base data counts as loaded at `BASE_LOAD_AT`. */
  lastLoadAt = BASE_LOAD_AT;
  private readonly overlays = new Map<string, Overlay>();
  private readonly cache = new Map<string, Cached>();

  /** Claims are generated from this seed. */
  constructor(private readonly seed: string) {}

  /** The beneficiary's merged claims, built once per load and then cached. */
  index(bene: Beneficiary): ClaimIndex {
    const overlay = this.overlays.get(bene.username);
    const version = overlay?.version ?? 0;
    const hit = this.cache.get(bene.username);
    if (hit && hit.bene === bene && hit.version === version) {
      // Refresh the entry's position so the least recently used one is evicted first.
      this.cache.delete(bene.username);
      this.cache.set(bene.username, hit);
      return hit.index;
    }
    let headers = baseClaimHeaders(bene, this.seed);
    if (overlay) {
      headers = headers.map(h => overlay.updated.get(h.id) ?? h);
      headers.push(...overlay.added.map(h => overlay.updated.get(h.id) ?? h));
    }
    const index = indexClaims(headers);
    this.cache.delete(bene.username);
    this.cache.set(bene.username, { bene, version, index });
    if (this.cache.size > MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return index;
  }

  /** Claims per type served on v1/v2 now (base data plus loads), in `CLAIM_TYPES` order. */
  servedCounts(bene: Beneficiary): ClaimCounts {
    // Without loads the v1/v2 view is exactly the configured counts: no index needs building.
    if (!this.overlays.has(bene.username)) return { ...bene.claimCounts };
    const counts: ClaimCounts = {};
    for (const h of this.index(bene).sorted) counts[h.type] = (counts[h.type] ?? 0) + 1;
    const ordered: ClaimCounts = {};
    for (const t of CLAIM_TYPES) if (counts[t]) ordered[t] = counts[t];
    return ordered;
  }

  /** `meta.lastUpdated` of one Coverage part (the base load unless a load reloaded it). */
  coverageUpdatedAt(bene: Beneficiary, part: CoveragePart): number {
    return this.overlays.get(bene.username)?.coverage.get(part) ?? DATA_LOADED_AT;
  }

  /** `meta.lastUpdated` of every Coverage part, in BFD's order. */
  coverageTimes(bene: Beneficiary): Array<{ part: CoveragePart; lastUpdated: number }> {
    return COVERAGE_PARTS.map(part => ({ part, lastUpdated: this.coverageUpdatedAt(bene, part) }));
  }

  /** The overlay of a beneficiary, created on first use. */
  overlay(username: string): Overlay {
    let o = this.overlays.get(username);
    if (!o) {
      o = { version: 0, added: [], updated: new Map(), coverage: new Map(), loads: 0 };
      this.overlays.set(username, o);
    }
    return o;
  }

  /** Marks a load at `at`: Bundles now report it as the newest load. */
  markLoad(at: number): void {
    if (at > this.lastLoadAt) this.lastLoadAt = at;
  }

  /** Drops every load: claims, Coverage and the newest load time go back to the base data. */
  reset(): void {
    this.overlays.clear();
    this.cache.clear();
    this.lastLoadAt = BASE_LOAD_AT;
  }
}
