import type { Beneficiary } from './beneficiaries.js';
import { mirroredClaims } from './bbuser00000.js';
import { CLAIM_TYPES, type ClaimType } from './claim-counts.js';
import { Rng } from './random.js';

/**
 * Where BFD v3 says a claim came from (`meta.source`): the National Claims History, the Part D
 * drug data system, or a Medicare shared system still adjudicating it (FISS for institutional,
 * MCS for professional claims).
 */
export type ClaimSource = 'NCH' | 'DDPS' | 'FISS' | 'MCS';

/**
 * The cheap part of a claim: enough to sort, filter and page without building the resource.
 * A 10,000-claim beneficiary costs about a megabyte of these.
 */
export interface ClaimHeader {
  /** v1/v2 id, `<type>-<claimId>` (reads as `carrier--123` since claim ids are negative). */
  id: string;
  /** BFD claim id, a negative number as a string (the v3 id). */
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
  source: ClaimSource;
  /** Substance use disorder codes: labelled `42CFRPart2` on v3, hidden by `_security:not`. */
  samhsa: boolean;
  /** Shared-system claims exist only in the v3 data. */
  v3Only: boolean;
  /** Bumped by each load that updates the claim; changes the generated amounts. */
  revision: number;
}

/** A beneficiary's claims sorted as each BFD sorts them, plus id indexes for reads. */
export interface ClaimIndex {
  /** v1/v2 view (no v3-only claims), in BFD v2's order. */
  sorted: readonly ClaimHeader[];
  /** v3 view (every claim), in BFD v3's order (numeric claim id). */
  sortedV3: readonly ClaimHeader[];
  byId: ReadonlyMap<string, ClaimHeader>;
  /** v3 ids are bare claim ids. */
  byClaimId: ReadonlyMap<string, ClaimHeader>;
}

const DAY = 86400000;
const WINDOW_START = Date.UTC(2016, 0, 1);
const WINDOW_DAYS = 9 * 365;

/**
 * When the synthetic base data was loaded: after every generated claim's `meta.lastUpdated`
 * (service dates end in 2024; updates land up to 150 days later), so a load stamped by the
 * emulator clock (the system time by default) is always newer than the base data.
 */
export const BASE_LOAD_AT = Date.parse('2025-06-02T09:15:42.118-04:00');

/** Stay length in days, by claim type. */
export function stayDays(type: ClaimType, rng: Rng): number {
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

/** `YYYY-MM-DD` of an epoch ms. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The v3 `meta.source` of a claim type's adjudicated claims. */
export function finalSource(type: ClaimType): ClaimSource {
  return type === 'pde' ? 'DDPS' : 'NCH';
}

/** `R4ExplanationOfBenefitResourceProvider.compareByClaimIdThenClaimType`: string order of ids. */
export function compareClaims(a: ClaimHeader, b: ClaimHeader): number {
  if (a.claimId !== b.claimId) return a.claimId < b.claimId ? -1 : 1;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/** BFD v3 (`EobHandler`): ascending numeric claim id. */
export function compareClaimsV3(a: ClaimHeader, b: ClaimHeader): number {
  return Number(a.claimId) - Number(b.claimId) || compareClaims(a, b);
}

/** A claim id (`-` + 10–11 digits) not in `used`, which it joins. */
export function freshClaimId(rng: Rng, used: Set<string>): string {
  let claimId: string;
  do {
    claimId = `-${rng.int(1_000_000_000, 99_999_999_999)}`;
  } while (used.has(claimId));
  used.add(claimId);
  return claimId;
}

/** A generated header for a claim of `type` serviced from `startMs`. */
export function generatedHeader(
  type: ClaimType,
  claimId: string,
  startMs: number,
  rng: Rng,
  lastUpdated?: number,
): ClaimHeader {
  const endMs = startMs + stayDays(type, rng) * DAY;
  return {
    id: `${type}-${claimId}`,
    claimId,
    type,
    start: isoDate(startMs),
    end: isoDate(endMs),
    startMs,
    endMs,
    lastUpdated: lastUpdated ?? endMs + rng.int(14, 90) * DAY + rng.int(0, DAY - 1),
    source: finalSource(type),
    samhsa: false,
    v3Only: false,
    revision: 0,
  };
}

function mirroredHeaders(): ClaimHeader[] {
  return mirroredClaims().map(m => {
    const ms = Date.parse(`${m.date}T00:00:00Z`);
    return {
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
      source: 'NCH',
      samhsa: false,
      v3Only: false,
      revision: 0,
    };
  });
}

/**
 * Labels some claims 42CFRPart2 and adds the v3-only shared-system claims. Separate random
 * streams keep every other claim (and the v1/v2 data) as it was before these features existed.
 */
function addV3Features(bene: Beneficiary, seed: string, headers: ClaimHeader[]): void {
  const used = new Set(headers.map(h => h.claimId));
  if (bene.samhsaClaims > 0) {
    const rng = new Rng(`${seed}|samhsa|${bene.username}`);
    const candidates = headers.filter(h => h.type !== 'pde');
    for (let i = 0; i < bene.samhsaClaims && candidates.length > 0; i++) {
      const h = candidates.splice(rng.int(0, candidates.length - 1), 1)[0] as ClaimHeader;
      h.samhsa = true;
    }
  }
  const rng = new Rng(`${seed}|shared-system|${bene.username}`);
  for (let i = 0; i < bene.sharedSystemClaims; i++) {
    const type: ClaimType = i % 2 === 0 ? 'outpatient' : 'carrier';
    const startMs = WINDOW_START + rng.int(WINDOW_DAYS - 60, WINDOW_DAYS) * DAY;
    const h = generatedHeader(type, freshClaimId(rng, used), startMs, rng);
    headers.push({ ...h, source: type === 'outpatient' ? 'FISS' : 'MCS', v3Only: true });
  }
}

/** Sorts headers into both BFD orders and indexes them by id. */
export function indexClaims(headers: ClaimHeader[]): ClaimIndex {
  const sortedV3 = [...headers].sort(compareClaimsV3);
  const sorted = headers.filter(h => !h.v3Only).sort(compareClaims);
  const byId = new Map<string, ClaimHeader>();
  const byClaimId = new Map<string, ClaimHeader>();
  for (const h of headers) {
    byId.set(h.id, h);
    byClaimId.set(h.claimId, h);
  }
  return { sorted, sortedV3, byId, byClaimId };
}

/** The base (never loaded) headers of one beneficiary, deterministically from the seed. */
export function baseClaimHeaders(bene: Beneficiary, seed: string): ClaimHeader[] {
  const headers: ClaimHeader[] = [];
  if (bene.mirrored) {
    headers.push(...mirroredHeaders());
  } else {
    const rng = new Rng(`${seed}|claims|${bene.username}`);
    const used = new Set<string>();
    for (const type of CLAIM_TYPES) {
      const count = bene.claimCounts[type] ?? 0;
      for (let i = 0; i < count; i++) {
        const claimId = freshClaimId(rng, used);
        const startMs = WINDOW_START + rng.int(0, WINDOW_DAYS) * DAY;
        headers.push(generatedHeader(type, claimId, startMs, rng));
      }
    }
  }
  addV3Features(bene, seed, headers);
  return headers;
}

/** Builds the sorted header list of one beneficiary, deterministically from the seed. */
export function buildClaimIndex(bene: Beneficiary, seed: string): ClaimIndex {
  return indexClaims(baseClaimHeaders(bene, seed));
}
