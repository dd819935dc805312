import type { ClaimStore } from '../claims/claim-store.js';
import type { EmulatorClock } from './clock.js';
import type { AuditEventLog } from '../data/audit-event.builder.js';
import type { BeneficiaryRegistry } from '../data/beneficiaries.js';
import type { ClientRegistry } from './clients.js';
import type { ApiVersion, OAuthStore } from './oauth-store.js';
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
  /** 1becbc56b's v3 token-body check (removed again by BB2 in 4a442e8d1); default off. */
  strictV3TokenBody: boolean;
  /** Claims, loads and the newest load time. */
  claims: ClaimStore;
  /** AuditEvents of patient matches (CMS Aligned Networks). */
  auditEvents: AuditEventLog;
}

/** `/v1`, `/v2` or `/v3` prefix of a path. */
export function versionOf(path: string): ApiVersion | undefined {
  const m = /^\/(v[123])\//.exec(path);
  return m ? (m[1] as ApiVersion) : undefined;
}
