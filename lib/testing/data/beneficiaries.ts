import {
  drawClaimCounts,
  spreadClaimCounts,
  totalClaims,
  type ClaimCounts,
  CLAIM_TYPES,
} from './claim-counts.js';
import { FAMILY, GIVEN_FEMALE, GIVEN_MALE, SSA_STATES } from './codes.js';
import { Rng } from './random.js';

/**
 * A configured synthetic beneficiary. Any field left out is derived from the seed; `username`
 * is the Medicare login (`BBUserNNNNN`, password `PWNNNNN!` unless `password` is given).
 */
export interface EmulatorBeneficiary {
  username: string;
  password?: string;
  /** v1/v2 FHIR id; default `-(19990000000001 + n)` for `BBUserNNNNN` (see `patientIdForUsername`). */
  patientId?: string;
  /** v3 FHIR id; default `-(30000000000001 + n)`. */
  v3PatientId?: string;
  /** Total number of EOBs, spread over all claim types (ignored when `claimCounts` is given). */
  eobCount?: number;
  /** Exact number of EOBs per claim type. */
  claimCounts?: ClaimCounts;
  /** Simulates a Medicare account that BFD cannot find: login ends on the "not found" page. */
  notFound?: boolean;
  /**
   * How many of the user's claims carry substance-use-disorder codes and the `42CFRPart2` security
   * label (non-Part-D claims only). Default: 2 for `BBUserNNNN5`, else 0.
   */
  samhsaClaims?: number;
  /**
   * Extra v3-only, partially adjudicated shared-system claims (FISS, MCS), hidden by BB2's default
   * `_source=NCH,DDPS`. Default: 2 for `BBUserNNNN3`, else 0.
   */
  sharedSystemClaims?: number;
  given?: string;
  family?: string;
  birthDate?: string;
  gender?: 'male' | 'female' | 'other' | 'unknown';
  email?: string;
  /** SSA state code, as BFD sends it (e.g. `"05"`). */
  state?: string;
  postalCode?: string;
}

/** A beneficiary with every field resolved. */
export interface Beneficiary {
  username: string;
  password: string;
  patientId: string;
  v3PatientId: string;
  mbi: string;
  claimCounts: ClaimCounts;
  /** True when the claims mirror the BBUser00000 sandbox capture. */
  mirrored: boolean;
  /** Claims labelled 42CFRPart2. */
  samhsaClaims: number;
  /** v3-only shared-system claims. */
  sharedSystemClaims: number;
  notFound: boolean;
  given: string;
  middleInitial: string;
  family: string;
  gender: 'male' | 'female' | 'other' | 'unknown';
  birthDate: string;
  email: string;
  state: string;
  postalCode: string;
  /** Account creation instant (ISO), which BB2 reports as userinfo `iat`. */
  createdAt: string;
  /** Medicare entitlement start (Part A/B Coverage.period.start). */
  entitlementStart: string;
}

const USER_PATTERN = /^BBUser(\d{5})$/i;

/**
 * The v1/v2 patient id of a sandbox user name, or undefined when the name is not `BBUserNNNNN`.
 * `BBUser00000`–`BBUser09999` → `-(19990000000001 + n)` (published CSV); the legacy ranges follow
 * the published ids: `BBUser1NNNN` → `-(20000000000001 + NNNN)`, `BBUser2NNNN` →
 * `-(20140000000001 + NNNN)` (BBUser29999 = -20140000010000 in the bb_sample_data capture).
 */
export function patientIdForUsername(username: string): string | undefined {
  const n = userNumber(username);
  if (n === undefined) return undefined;
  if (n >= 10000 && n < 20000) return `-${20000000000001 + (n - 10000)}`;
  if (n >= 20000 && n < 30000) return `-${20140000000001 + (n - 20000)}`;
  return `-${19990000000001 + n}`;
}

/** Inverse of `patientIdForUsername` for the generated ranges. */
export function usernameForPatientId(patientId: string): string | undefined {
  if (!/^-\d+$/.test(patientId)) return undefined;
  const v = Number(patientId.slice(1));
  const ranges: Array<[number, number]> = [
    [20140000000001, 20000],
    [20000000000001, 10000],
    [19990000000001, 0],
  ];
  for (const [base, offset] of ranges) {
    const n = v - base;
    if (n >= 0 && n < (offset === 0 ? 100000 : 10000)) {
      const candidate = `BBUser${String(n + offset).padStart(5, '0')}`;
      if (patientIdForUsername(candidate) === patientId) return candidate;
    }
  }
  return undefined;
}

function userNumber(username: string): number | undefined {
  const m = USER_PATTERN.exec(username);
  return m ? Number(m[1]) : undefined;
}

/** Canonical spelling of a sandbox user name (the Medicare login is case-insensitive). */
export function canonicalUsername(username: string): string {
  const n = userNumber(username);
  return n === undefined ? username : `BBUser${String(n).padStart(5, '0')}`;
}

const MBI_LETTERS = 'ACDEFGHJKMNPQRTUVWXY';
const MBI_ALNUM = `0123456789${MBI_LETTERS}`;

/** A synthetic MBI: the second character is always `S`, as in the sandbox (`1S00E00AA00`). */
function synthMbi(rng: Rng): string {
  const d = () => String(rng.int(0, 9));
  const a = () => rng.pick(MBI_LETTERS.split(''));
  const an = () => rng.pick(MBI_ALNUM.split(''));
  return `${rng.int(1, 9)}S${an()}${d()}${a()}${an()}${d()}${a()}${a()}${d()}${d()}`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Inputs of the registry: seed, configured users and CSV counts. */
export interface BeneficiaryRegistryOptions {
  seed: string;
  configured: readonly EmulatorBeneficiary[];
  csvCounts?: Map<string, ClaimCounts>;
}

/** The sandbox's 2014 synthetic dataset (`BBUser20000`–`BBUser29999`), the users with Part D events. */
export function isPartDUser(n: number | undefined): boolean {
  return n !== undefined && n >= 20000 && n <= 29999;
}

/**
 * Resolves beneficiaries lazily: the 10,001 sandbox accounts (`BBUser00000`–`BBUser10000`), the
 * 10,000 Part D users of the 2014 dataset (`BBUser20000`–`BBUser29999`), the users of the
 * claim-count CSV and any configured user exist without being built up front.
 */
export class BeneficiaryRegistry {
  private readonly cache = new Map<string, Beneficiary>();
  private readonly configured = new Map<string, EmulatorBeneficiary>();
  private readonly byPatient = new Map<string, string>();

  /** Registers the configured users (and checks them). */
  constructor(private readonly opts: BeneficiaryRegistryOptions) {
    for (const b of opts.configured) this.configure(b);
  }

  /** Adds or replaces a configured beneficiary. */
  configure(b: EmulatorBeneficiary): void {
    const username = canonicalUsername(b.username);
    this.configured.set(username, { ...b, username });
    this.cache.delete(username);
    for (const [id, u] of this.byPatient) if (u === username) this.byPatient.delete(id);
    const resolved = this.get(username);
    if (!resolved) {
      throw new Error(
        `beneficiary "${b.username}": a patientId is required for names that are not BBUserNNNNN`,
      );
    }
    if (!resolved.password) {
      throw new Error(`beneficiary "${b.username}": a password is required for this user name`);
    }
    this.byPatient.set(resolved.patientId, username);
    this.byPatient.set(resolved.v3PatientId, username);
  }

  /** Configured user names, in configuration order. */
  configuredUsernames(): string[] {
    return [...this.configured.keys()];
  }

  /** True when the name is a known account. */
  exists(username: string): boolean {
    return this.get(username) !== undefined;
  }

  /** The beneficiary for a login name (case-insensitive), or undefined. */
  get(username: string): Beneficiary | undefined {
    const name = canonicalUsername(username);
    const hit = this.cache.get(name);
    if (hit) return hit;
    const config = this.configured.get(name);
    const n = userNumber(name);
    const known =
      config !== undefined ||
      (n !== undefined && (n <= 10000 || isPartDUser(n))) ||
      (this.opts.csvCounts?.has(name) ?? false);
    if (!known) return undefined;
    const bene = this.resolve(name, config ?? { username: name });
    if (bene) this.cache.set(name, bene);
    return bene;
  }

  /** The beneficiary owning a v1/v2 or v3 patient id. */
  byPatientId(patientId: string): Beneficiary | undefined {
    const name = this.byPatient.get(patientId) ?? usernameForPatientId(patientId);
    if (name) return this.get(name);
    const v3 = /^-(\d+)$/.exec(patientId);
    if (v3) {
      const n = Number(v3[1]) - 30000000000001;
      if ((n >= 0 && n <= 10000) || isPartDUser(n)) {
        const bene = this.get(`BBUser${String(n).padStart(5, '0')}`);
        if (bene?.v3PatientId === patientId) return bene;
      }
    }
    return undefined;
  }

  private resolve(username: string, config: EmulatorBeneficiary): Beneficiary | undefined {
    const n = userNumber(username);
    const patientId = config.patientId ?? patientIdForUsername(username);
    if (!patientId) return undefined;
    const rng = new Rng(`${this.opts.seed}|beneficiary|${username}`);
    const gender = config.gender ?? (rng.chance(0.55) ? 'female' : 'male');
    const given =
      config.given ?? rng.pick(gender === 'female' ? GIVEN_FEMALE : GIVEN_MALE) ?? 'Jane';
    const family = config.family ?? rng.pick(FAMILY);
    const birthMs = Date.UTC(1930, 0, 1) + rng.int(0, 28 * 365) * 86400000;
    const birthDate = config.birthDate ?? isoDate(birthMs);
    const eligibility = new Date(`${birthDate}T00:00:00Z`);
    eligibility.setUTCFullYear(eligibility.getUTCFullYear() + 65);
    eligibility.setUTCDate(1);
    const createdMs = Date.UTC(2019, 0, 1) + rng.int(0, 4 * 365 * 86400) * 1000 + rng.int(0, 999);

    let claimCounts: ClaimCounts;
    let mirrored = false;
    if (config.claimCounts) {
      claimCounts = { ...config.claimCounts };
    } else if (config.eobCount !== undefined) {
      claimCounts = spreadClaimCounts(
        config.eobCount,
        new Rng(`${this.opts.seed}|mix|${username}`),
      );
    } else if (this.opts.csvCounts?.has(username)) {
      claimCounts = { ...this.opts.csvCounts.get(username) };
    } else if (n === 0) {
      claimCounts = { carrier: 14, outpatient: 38 };
      mirrored = true;
    } else {
      claimCounts = drawClaimCounts(new Rng(`${this.opts.seed}|counts|${username}`));
      // The 2014 dataset adds prescription drug events to the same fee-for-service mix.
      if (isPartDUser(n))
        claimCounts.pde = new Rng(`${this.opts.seed}|partd|${username}`).int(8, 40);
    }
    for (const type of CLAIM_TYPES) if (!claimCounts[type]) delete claimCounts[type];

    return {
      username,
      password: config.password ?? (n === undefined ? '' : `PW${String(n).padStart(5, '0')}!`),
      patientId,
      v3PatientId: config.v3PatientId ?? `-${30000000000001 + (n ?? hashIndex(username))}`,
      mbi: synthMbi(rng),
      claimCounts,
      mirrored,
      samhsaClaims: config.samhsaClaims ?? (n !== undefined && n % 10 === 5 ? 2 : 0),
      sharedSystemClaims: config.sharedSystemClaims ?? (n !== undefined && n % 10 === 3 ? 2 : 0),
      notFound: config.notFound ?? false,
      given,
      middleInitial: String.fromCharCode(65 + rng.int(0, 25)),
      family,
      gender,
      birthDate,
      email: config.email ?? `${given}.${family}@example.com`.toLowerCase(),
      state: config.state ?? rng.pick(SSA_STATES),
      postalCode: config.postalCode ?? String(rng.int(10000, 99999)),
      createdAt: new Date(createdMs).toISOString(),
      entitlementStart: isoDate(eligibility.getTime()),
    };
  }
}

function hashIndex(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) % 1000000;
  return 900000 + h;
}

/** Total EOB count of a beneficiary. */
export function eobTotal(b: Beneficiary): number {
  return totalClaims(b.claimCounts);
}
