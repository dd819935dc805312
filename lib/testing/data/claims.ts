import type { Beneficiary } from './beneficiaries.js';
import { mirroredClaims } from './bbuser00000.js';
import { CLAIM_TYPES, type ClaimType } from './claim-counts.js';
import { Rng } from './random.js';

/**
 * The cheap part of a claim: enough to sort, filter and page without building the resource.
 * A 10,000-claim beneficiary costs about a megabyte of these.
 */
export interface ClaimHeader {
  /** v1/v2 id, `<type>-<claimId>` (reads as `carrier--123` since claim ids are negative). */
  id: string;
  /** BFD claim id, a negative number as a string. */
  claimId: string;
  type: ClaimType;
  /** billablePeriod as dates, and as UTC midnight ms for filtering. */
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  /** meta.lastUpdated, ms since epoch. */
  lastUpdated: number;
  /** Mirrored capture values (BBUser00000) that the builder must reproduce. */
  payment?: number;
  lines?: number;
}

/** A beneficiary's claims sorted as BFD sorts them, plus an id index for reads. */
export interface ClaimIndex {
  sorted: readonly ClaimHeader[];
  byId: ReadonlyMap<string, ClaimHeader>;
  /** v3 ids are bare claim ids. */
  byClaimId: ReadonlyMap<string, ClaimHeader>;
}

const DAY = 86400000;
const WINDOW_START = Date.UTC(2016, 0, 1);
const WINDOW_DAYS = 9 * 365;

/** Stay length in days, by claim type. */
function stayDays(type: ClaimType, rng: Rng): number {
  switch (type) {
    case 'inpatient':
      return rng.int(1, 12);
    case 'snf':
      return rng.int(5, 40);
    case 'hospice':
    case 'hha':
      return rng.int(10, 60);
    default:
      return 0;
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `R4ExplanationOfBenefitResourceProvider.compareByClaimIdThenClaimType`: string order of ids. */
function compareClaims(a: ClaimHeader, b: ClaimHeader): number {
  if (a.claimId !== b.claimId) return a.claimId < b.claimId ? -1 : 1;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/** Builds the sorted header list of one beneficiary, deterministically from the seed. */
export function buildClaimIndex(bene: Beneficiary, seed: string): ClaimIndex {
  const headers: ClaimHeader[] = [];
  if (bene.mirrored) {
    for (const m of mirroredClaims()) {
      const ms = Date.parse(`${m.date}T00:00:00Z`);
      headers.push({
        id: `${m.type}-${m.claimId}`,
        claimId: m.claimId,
        type: m.type,
        start: m.date,
        end: m.date,
        startMs: ms,
        endMs: ms,
        lastUpdated: m.lastUpdated,
        payment: m.payment,
        lines: m.lines,
      });
    }
  } else {
    const rng = new Rng(`${seed}|claims|${bene.username}`);
    const used = new Set<string>();
    for (const type of CLAIM_TYPES) {
      const count = bene.claimCounts[type] ?? 0;
      for (let i = 0; i < count; i++) {
        let claimId: string;
        do {
          claimId = `-${rng.int(1_000_000_000, 99_999_999_999)}`;
        } while (used.has(claimId));
        used.add(claimId);
        const startMs = WINDOW_START + rng.int(0, WINDOW_DAYS) * DAY;
        const endMs = startMs + stayDays(type, rng) * DAY;
        const lastUpdated = endMs + rng.int(14, 90) * DAY + rng.int(0, DAY - 1);
        headers.push({
          id: `${type}-${claimId}`,
          claimId,
          type,
          start: isoDate(startMs),
          end: isoDate(endMs),
          startMs,
          endMs,
          lastUpdated,
        });
      }
    }
  }
  headers.sort(compareClaims);
  const byId = new Map<string, ClaimHeader>();
  const byClaimId = new Map<string, ClaimHeader>();
  for (const h of headers) {
    byId.set(h.id, h);
    byClaimId.set(h.claimId, h);
  }
  return { sorted: headers, byId, byClaimId };
}
