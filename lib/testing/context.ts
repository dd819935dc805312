import type { EmulatorClock } from './clock.js';
import type { Beneficiary, BeneficiaryRegistry } from './data/beneficiaries.js';
import { buildClaimIndex, type ClaimIndex } from './data/claims.js';
import type { ClientRegistry } from './oauth/clients.js';
import type { ApiVersion, OAuthStore } from './oauth/store.js';
import type { TokenRateLimiter } from './rate-limit.js';

/** A consent page waiting for the beneficiary's decision (`/vN/o/authorize/<uuid>/`). */
export interface PendingApproval {
  id: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string;
  version: ApiVersion;
  username: string;
  /** The authorize query, repeated as hidden fields. */
  params: Record<string, string>;
}

/** Shared state of one emulator instance, passed to every route. */
export interface EmulatorContext {
  seed: string;
  clock: EmulatorClock;
  clients: ClientRegistry;
  store: OAuthStore;
  beneficiaries: BeneficiaryRegistry;
  limiter: TokenRateLimiter;
  sessions: Map<string, string>;
  approvals: Map<string, PendingApproval>;
  expiresIn: number;
  v3Enabled: boolean;
  expireGrantEndpoint: boolean;
  corsStrict: boolean;
  /** The beneficiary's sorted claim headers (built once, then cached). */
  claimIndex(bene: Beneficiary): ClaimIndex;
}

const MAX_CACHED_INDEXES = 512;

/** Caches claim indexes by user name, evicting the oldest once many users have been served. */
export function claimIndexCache(seed: string): (bene: Beneficiary) => ClaimIndex {
  const cache = new Map<string, { bene: Beneficiary; index: ClaimIndex }>();
  return bene => {
    const hit = cache.get(bene.username);
    if (hit && hit.bene === bene) return hit.index;
    const index = buildClaimIndex(bene, seed);
    cache.set(bene.username, { bene, index });
    if (cache.size > MAX_CACHED_INDEXES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return index;
  };
}

/** `/v1`, `/v2` or `/v3` prefix of a path. */
export function versionOf(path: string): ApiVersion | undefined {
  const m = /^\/(v[123])\//.exec(path);
  return m ? (m[1] as ApiVersion) : undefined;
}
