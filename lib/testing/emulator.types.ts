import type { ClaimCounts } from './data/claim-counts.js';
import type { ApiVersion } from './core/oauth-store.js';

export type { TokenResponse } from './oauth/token-response.js';

/** Options of `emu.authorize()` / `emu.getToken()`. */
export interface AuthorizeOptions {
  /** Sandbox login; default `BBUser00000`. */
  user?: string;
  /** Default: `emu.client`. */
  clientId?: string;
  /** Default: the client's first redirect URI. */
  redirectUri?: string;
  /** Space-separated scopes; default none (the app's default scopes; required on v3). */
  scope?: string;
  /** Default true. */
  shareDemographics?: boolean;
  /** v3 consent choice (the SAMHSA checkbox); default true. */
  shareSamhsa?: boolean;
  /** Default `v2`. */
  version?: ApiVersion;
  /** Default: random 32 characters. */
  state?: string;
  /** Default: random 64 characters. */
  codeVerifier?: string;
}

/** What `emu.authorize()` obtained from the callback redirect. */
export interface AuthorizeResult {
  code: string;
  state: string;
  codeVerifier: string;
  codeChallenge: string;
  redirectUri: string;
  clientId: string;
  /** The full callback URL. */
  location: string;
}

/** Public facts about a beneficiary, for test assertions. */
export interface BeneficiaryInfo {
  username: string;
  password: string;
  patientId: string;
  v3PatientId: string;
  /** EOBs served on v1/v2 now (loads included). */
  eobCount: number;
  /** Claims per type served on v1/v2 now (loads included). */
  claimCounts: ClaimCounts;
  notFound: boolean;
}
