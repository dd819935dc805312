import type { BeneficiaryRegistry } from '../data/beneficiaries.js';
import { fhirInstant } from '../data/format.js';
import {
  applyLoad,
  ClaimLoadError,
  validateLoad,
  type ClaimLoad,
  type LoadedBeneficiary,
} from './claim-load.js';
import type { ClaimStore } from './claim-store.js';

/** What one load (one instant, any number of beneficiaries) did. */
export interface LoadResult {
  /** The load time as served in `meta.lastUpdated` (FHIR instant). */
  loadedAt: string;
  /** The same, in epoch milliseconds. */
  loadedAtMs: number;
  beneficiaries: LoadedBeneficiary[];
}

/**
 * Applies a batch of loads at one instant, as BFD's weekly load does: every change carries the
 * same `meta.lastUpdated`, and Bundles report it as the newest load. All or nothing: a bad entry
 * (a `ClaimLoadError`) applies none of them.
 */
export function runLoad(
  store: ClaimStore,
  registry: BeneficiaryRegistry,
  seed: string,
  loads: readonly ClaimLoad[],
  at: number,
): LoadResult {
  const checked = loads.map(load => {
    const bene = validateLoad(load, registry.get(load.user));
    return { load, bene, index: store.index(bene) };
  });
  // Validate the claim ids of every entry before touching any overlay.
  for (const { load, index } of checked) {
    if (Array.isArray(load.update)) {
      for (const id of load.update) {
        if (!index.byId.has(id) && !index.byClaimId.has(id)) {
          throw new ClaimLoadError(`update: ${load.user} has no claim "${id}"`);
        }
      }
    }
  }
  const beneficiaries = checked.map(({ load, bene }) =>
    applyLoad(load, bene, store.index(bene), store.overlay(bene.username), seed, at),
  );
  store.markLoad(at);
  return { loadedAt: fhirInstant(at), loadedAtMs: at, beneficiaries };
}
