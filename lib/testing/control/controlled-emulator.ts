import type { ClaimLoad } from '../claims/claim-load.js';
import type { LoadResult } from '../claims/loads.js';
import type { RegisteredClient } from '../core/clients.js';
import type { EmulatorClock } from '../core/clock.js';
import type { IssueTokenOptions } from '../oauth/issue-token.js';
import type { TokenResponse } from '../oauth/token-response.js';
import type { FaultInjector, FaultTarget } from './faults.js';
import type { RequestHookOptions, RequestHooks } from './hooks.js';

/**
 * What the `/__emulator/*` endpoints drive: the `BlueButtonEmulator` that mounts them. Named here
 * so that the endpoints depend on the methods they call, not on the class above them.
 */
export interface ControlledEmulator {
  readonly clock: EmulatorClock;
  readonly faults: FaultInjector;
  readonly hooks: RequestHooks;
  readonly clients: RegisteredClient[];
  readonly lastLoadAt: number;
  reset(): void;
  /** Public facts about a beneficiary (sent back as JSON), or undefined for an unknown login. */
  beneficiary(username: string): object | undefined;
  loadClaims(loads: ClaimLoad | readonly ClaimLoad[]): LoadResult;
  scheduleLoad(
    target: FaultTarget | string | RegExp,
    loads: ClaimLoad | readonly ClaimLoad[],
    options?: RequestHookOptions,
  ): () => void;
  expireGrant(patientIdOrUser: string, clientId?: string): number;
  revokeGrant(patientIdOrUser: string, clientId?: string): number;
  issueToken(opts?: IssueTokenOptions): TokenResponse;
}
