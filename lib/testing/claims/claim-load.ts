import type { Beneficiary } from '../data/beneficiaries.js';
import { CLAIM_TYPES, type ClaimCounts, type ClaimType } from '../data/claim-counts.js';
import {
  freshClaimId,
  generatedHeader,
  type ClaimHeader,
  type ClaimIndex,
  type ClaimSource,
} from '../data/claims.js';
import { COVERAGE_PARTS, type CoveragePart } from '../data/coverage.builder.js';
import { fhirInstant } from '../data/format.js';
import { Rng } from '../data/random.js';
import type { Overlay } from './claim-store.js';

const DAY = 86400000;

/** What one load does to one beneficiary. Every change is stamped with the load time. */
export interface ClaimLoad {
  /** The `BBUserNNNNN` login (or a configured user name). */
  user: string;
  /** New claims per type, e.g. `{ carrier: 2, pde: 1 }`. */
  add?: ClaimCounts;
  /**
   * Claims to reload with new amounts: their ids (v1/v2 `carrier--123` or v3 `-123`), or a count
   * (that many of the beneficiary's v1/v2 claims, least recently updated first).
   */
  update?: string[] | number;
  /** Coverage parts to reload (`'part-a'` … `'part-d'`), or `true` for all four. */
  coverage?: CoveragePart[] | boolean;
  /** Label the added claims 42CFRPart2 (substance use disorder); default false. */
  samhsa?: boolean;
  /** Service date of the added claims (`YYYY-MM-DD`); default 7–14 days before the load. */
  serviceDate?: string;
}

/** One claim a load added or updated. */
export interface LoadedClaim {
  /** v1/v2 id, e.g. `carrier--10293847561`. */
  id: string;
  /** v3 id (the bare claim id). */
  v3Id: string;
  type: ClaimType;
  source: ClaimSource;
  samhsa: boolean;
  /** Service period. */
  start: string;
  end: string;
  /** The new `meta.lastUpdated` (FHIR instant, as served). */
  lastUpdated: string;
}

/** What a load did to one beneficiary. */
export interface LoadedBeneficiary {
  user: string;
  patientId: string;
  v3PatientId: string;
  added: LoadedClaim[];
  updated: LoadedClaim[];
  /** Reloaded Coverage ids (v1/v2 form, `part-a--<id>`). */
  coverage: string[];
}

/** A bad load (unknown user, unknown claim id, malformed counts): nothing was applied. */
export class ClaimLoadError extends Error {
  override readonly name = 'ClaimLoadError';
}

/** The v1/v2 and v3 ids of a header, for the caller. */
export function describeClaim(h: ClaimHeader): LoadedClaim {
  return {
    id: h.id,
    v3Id: h.claimId,
    type: h.type,
    source: h.source,
    samhsa: h.samhsa,
    start: h.start,
    end: h.end,
    lastUpdated: fhirInstant(h.lastUpdated),
  };
}

/** Checks a load before anything is applied, so a batch is all or nothing. */
export function validateLoad(load: ClaimLoad, bene: Beneficiary | undefined): Beneficiary {
  if (!bene) throw new ClaimLoadError(`unknown beneficiary "${load.user}"`);
  for (const [type, n] of Object.entries(load.add ?? {})) {
    if (!(CLAIM_TYPES as readonly string[]).includes(type)) {
      throw new ClaimLoadError(
        `add: unknown claim type "${type}" (one of ${CLAIM_TYPES.join(', ')})`,
      );
    }
    if (!Number.isInteger(n) || (n as number) < 0) {
      throw new ClaimLoadError(`add.${type} must be a non-negative integer`);
    }
  }
  if (typeof load.update === 'number' && !(Number.isInteger(load.update) && load.update >= 0)) {
    throw new ClaimLoadError('update must be a non-negative integer or a list of claim ids');
  }
  if (Array.isArray(load.coverage)) {
    for (const p of load.coverage) {
      if (!(COVERAGE_PARTS as readonly string[]).includes(p)) {
        throw new ClaimLoadError(
          `coverage: unknown part "${p}" (one of ${COVERAGE_PARTS.join(', ')})`,
        );
      }
    }
  }
  if (load.serviceDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(load.serviceDate)) {
    throw new ClaimLoadError('serviceDate must be YYYY-MM-DD');
  }
  return bene;
}

function pickUpdates(load: ClaimLoad, index: ClaimIndex): ClaimHeader[] {
  if (load.update === undefined) return [];
  if (typeof load.update === 'number') {
    const oldest = [...index.sorted].sort(
      (a, b) => a.lastUpdated - b.lastUpdated || (a.id < b.id ? -1 : 1),
    );
    return oldest.slice(0, load.update);
  }
  return load.update.map(id => {
    const h = index.byId.get(id) ?? index.byClaimId.get(id);
    if (!h) throw new ClaimLoadError(`update: ${load.user} has no claim "${id}"`);
    return h;
  });
}

function addClaims(
  load: ClaimLoad,
  overlay: Overlay,
  index: ClaimIndex,
  seed: string,
  at: number,
): ClaimHeader[] {
  const rng = new Rng(`${seed}|load|${load.user}|${overlay.loads}`);
  const used = new Set(index.byClaimId.keys());
  const added: ClaimHeader[] = [];
  for (const type of CLAIM_TYPES) {
    for (let i = 0; i < (load.add?.[type] ?? 0); i++) {
      // Claims load weekly, dated one to two weeks back (CMS's "understanding the data").
      const startMs = load.serviceDate
        ? Date.parse(`${load.serviceDate}T00:00:00Z`)
        : Math.floor(at / DAY) * DAY - rng.int(7, 14) * DAY;
      const h = generatedHeader(type, freshClaimId(rng, used), startMs, rng, at);
      added.push({ ...h, samhsa: (load.samhsa ?? false) && type !== 'pde' });
    }
  }
  return added;
}

/**
 * Applies one (already validated) load to a beneficiary's overlay at time `at`: new claims,
 * updated claims (a new revision: new amounts, new `meta.lastUpdated`) and reloaded Coverage.
 */
export function applyLoad(
  load: ClaimLoad,
  bene: Beneficiary,
  index: ClaimIndex,
  overlay: Overlay,
  seed: string,
  at: number,
): LoadedBeneficiary {
  const updates = pickUpdates(load, index);
  const added = addClaims(load, overlay, index, seed, at);
  overlay.added.push(...added);
  const updated = updates.map(h => {
    // An updated mirrored claim is recomputed: its captured payment no longer applies.
    const next: ClaimHeader = {
      ...h,
      lastUpdated: at,
      revision: h.revision + 1,
      payment: undefined,
      lines: undefined,
    };
    overlay.updated.set(h.id, next);
    return next;
  });
  const parts =
    load.coverage === true
      ? [...COVERAGE_PARTS]
      : load.coverage === false
        ? []
        : (load.coverage ?? []);
  for (const part of parts) overlay.coverage.set(part, at);
  overlay.loads++;
  overlay.version++;
  return {
    user: bene.username,
    patientId: bene.patientId,
    v3PatientId: bene.v3PatientId,
    added: added.map(describeClaim),
    updated: updated.map(describeClaim),
    coverage: parts.map(p => `${p}-${bene.patientId}`),
  };
}
