import type { ClaimLoad } from './claims/claim-load.js';
import { runLoad, type LoadResult } from './claims/loads.js';
import { FaultInjector, type FaultTarget } from './control/faults.js';
import { RequestHooks, type RequestHookFn, type RequestHookOptions } from './control/hooks.js';
import { handleControl } from './control/control.routes.js';
import { RequestLog, type RecordedRequest } from './control/request-log.js';
import type { EmulatorClient, RegisteredClient } from './core/clients.js';
import { EmulatorClock } from './core/clock.js';
import type { EmulatorContext } from './core/context.js';
import {
  patientIdForUsername,
  type Beneficiary,
  type EmulatorBeneficiary,
} from './data/beneficiaries.js';
import { totalClaims } from './data/claim-counts.js';
import { authorizeOverHttp, exchangeOverHttp } from './emulator.client.js';
import { createContext } from './emulator.context.js';
import type { BlueButtonEmulatorOptions } from './emulator.options.js';
import type {
  AuthorizeOptions,
  AuthorizeResult,
  BeneficiaryInfo,
  TokenResponse,
} from './emulator.types.js';
import { latencyOption } from './latency.js';
import { issueToken, type IssueTokenOptions } from './oauth/issue-token.js';
import { EmulatorServer } from './server.js';

export type { AuthorizeOptions, AuthorizeResult, BeneficiaryInfo, TokenResponse };

/**
 * A local Blue Button API server (OAuth2 + FHIR, synthetic data) speaking the real wire protocol,
 * with an injectable clock, fault injection, claims that change over time, request hooks and a
 * record of the requests it received.
 */
export class BlueButtonEmulator {
  /** Codes, tokens, grants, throttle windows and claim loads follow this clock. */
  readonly clock: EmulatorClock;
  /** Fault injection (queued status/latency/drop faults and persistent latency). */
  readonly faults = new FaultInjector();
  /** Callbacks run when matching requests arrive (see `onRequest`). */
  readonly hooks = new RequestHooks();
  /** The ready-made client, or the first configured one when `clients` is given. */
  readonly client: RegisteredClient;

  private readonly ctx: EmulatorContext;
  private readonly log: RequestLog;
  private readonly server: EmulatorServer;

  private constructor(private readonly options: BlueButtonEmulatorOptions) {
    this.clock = new EmulatorClock(options.clock);
    const { ctx, client } = createContext(options, this.clock);
    this.ctx = ctx;
    this.client = client;
    this.log = new RequestLog(options.maxRecordedRequests ?? 10_000);
    const control = options.controlEndpoints ?? true;
    this.server = new EmulatorServer({
      ctx: this.ctx,
      faults: this.faults,
      hooks: this.hooks,
      log: this.log,
      control: control ? req => handleControl(this, this.log, req) : undefined,
      latency: {
        fixedMs: latencyOption('latencyMs', options.latencyMs),
        perEntryMs: latencyOption('latencyPerEntryMs', options.latencyPerEntryMs),
      },
      gzip: options.gzip ?? true,
      publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    });
  }

  /** Starts an emulator and resolves once it listens. */
  static async start(options: BlueButtonEmulatorOptions = {}): Promise<BlueButtonEmulator> {
    const emu = new BlueButtonEmulator(options);
    await emu.server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return emu;
  }

  /** `http://host:port` the server listens on. */
  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** The bound port. */
  get port(): number {
    return this.server.port;
  }

  /** Stops listening and drops every open connection. */
  close(): Promise<void> {
    return this.server.close();
  }

  /** Every request received so far (oldest first), except `/__emulator/*` calls. */
  get requests(): RecordedRequest[] {
    return this.log.all();
  }

  /** Recorded requests to a path prefix (or matching a RegExp on path + query), optionally by method. */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.log.to(path, method);
  }

  /** Forgets the recorded requests. */
  clearRequests(): void {
    this.log.clear();
  }

  /** Moves emulator time forward: codes (60 s), tokens, grants and throttle windows expire. */
  advanceTime(ms: number): void {
    this.clock.advance(ms);
  }

  /** All registered clients. */
  get clients(): RegisteredClient[] {
    return this.ctx.clients.all();
  }

  /** Registers (or replaces) an application at runtime. */
  registerClient(client: EmulatorClient): RegisteredClient {
    return this.ctx.clients.register(client);
  }

  /** Changes a registered application (e.g. `{ active: false }`, `{ accessType: 'ONE_TIME' }`). */
  updateClient(clientId: string, patch: Partial<EmulatorClient>): RegisteredClient {
    return this.ctx.clients.update(clientId, patch);
  }

  /** Adds or overrides a beneficiary at runtime. */
  addBeneficiary(beneficiary: EmulatorBeneficiary): BeneficiaryInfo {
    this.ctx.beneficiaries.configure(beneficiary);
    return this.beneficiary(beneficiary.username) as BeneficiaryInfo;
  }

  /** Facts about a sandbox user (ids, password, current v1/v2 claim counts), or undefined. */
  beneficiary(username: string): BeneficiaryInfo | undefined {
    const b = this.ctx.beneficiaries.get(username);
    if (!b) return undefined;
    const claimCounts = this.ctx.claims.servedCounts(b);
    return {
      username: b.username,
      password: b.password,
      patientId: b.patientId,
      v3PatientId: b.v3PatientId,
      eobCount: totalClaims(claimCounts),
      claimCounts,
      notFound: b.notFound,
    };
  }

  /** The v1/v2 patient id of a `BBUserNNNNN` login. */
  patientIdFor(username: string): string | undefined {
    return this.ctx.beneficiaries.get(username)?.patientId ?? patientIdForUsername(username);
  }

  private grantsOf(patientIdOrUser: string, clientId?: string) {
    const bene: Beneficiary | undefined =
      this.ctx.beneficiaries.byPatientId(patientIdOrUser) ??
      this.ctx.beneficiaries.get(patientIdOrUser);
    if (!bene) return [];
    return [...this.ctx.store.grants.values()].filter(
      g => g.username === bene.username && (!clientId || g.clientId === clientId),
    );
  }

  /**
   * Makes a beneficiary's grants (by v1/v2 or v3 patient id, or login) time out, as 13 months after
   * consent: FHIR/userinfo answer 401 "User access has timed out…" and refresh answers 401
   * `invalid_grant`. Returns how many changed. Over HTTP: `POST /__emulator/grants/expire`.
   */
  expireGrant(patientIdOrUser: string, clientId?: string): number {
    const grants = this.grantsOf(patientIdOrUser, clientId);
    const now = this.clock.now();
    for (const g of grants) g.expiresAt = now;
    return grants.length;
  }

  /**
   * Deletes a beneficiary's grants, like `expire_authenticated_user` or a beneficiary disconnecting:
   * tokens die (FHIR 401) and refresh answers 403 "User access cannot be found…".
   */
  revokeGrant(patientIdOrUser: string, clientId?: string): number {
    const grants = this.grantsOf(patientIdOrUser, clientId);
    for (const g of grants) this.ctx.store.deleteGrant(g.clientId, g.username);
    return grants.length;
  }

  /**
   * Loads claims now (at the emulator clock's time), as BFD's weekly load does: adds claims,
   * reloads claims and Coverage, all with this `meta.lastUpdated`, which Bundles then report as
   * the newest load. All or nothing; throws `ClaimLoadError` on a bad entry.
   * Over HTTP: `POST /__emulator/claims`.
   */
  loadClaims(loads: ClaimLoad | readonly ClaimLoad[]): LoadResult {
    const list = Array.isArray(loads) ? loads : [loads as ClaimLoad];
    return runLoad(this.ctx.claims, this.ctx.beneficiaries, this.ctx.seed, list, this.clock.now());
  }

  /** The newest load time (epoch ms), which Bundles report as `meta.lastUpdated`. */
  get lastLoadAt(): number {
    return this.ctx.claims.lastLoadAt;
  }

  /**
   * Runs a load when a matching request arrives (by default just before it is handled, so that
   * request already sees it): the seam for a load landing between two searches of one client
   * pass. Errors of the load reject that request with a 500. Returns a function that cancels it.
   * Over HTTP: `POST /__emulator/claims/schedule`.
   */
  scheduleLoad(
    target: FaultTarget | string | RegExp,
    loads: ClaimLoad | readonly ClaimLoad[],
    options: RequestHookOptions = {},
  ): () => void {
    const list = Array.isArray(loads) ? [...loads] : [loads as ClaimLoad];
    return this.hooks.add(target, () => void this.loadClaims(list), options);
  }

  /** Runs `fn` when a matching request arrives (see `RequestHookOptions`); returns a remover. */
  onRequest(
    target: FaultTarget | string | RegExp,
    fn: RequestHookFn,
    options: RequestHookOptions = {},
  ): () => void {
    return this.hooks.add(target, fn, options);
  }

  /**
   * Mints tokens in-process, without HTTP (see `IssueTokenOptions`): the fast way to enrol many
   * beneficiaries, and the only way to a `patient/AuditEvent.rs` token.
   */
  issueToken(opts: IssueTokenOptions = {}): TokenResponse {
    return issueToken(this.ctx, this.client.clientId, opts);
  }

  /**
   * Forgets codes, tokens, grants, sessions, throttle windows, faults, hooks, recorded requests,
   * claim loads and recorded AuditEvents, and resets the clock.
   */
  reset(): void {
    this.ctx.store.clear();
    this.ctx.sessions.clear();
    this.ctx.approvals.clear();
    this.ctx.limiter.clear();
    this.ctx.claims.reset();
    this.ctx.auditEvents.clear();
    this.faults.clear();
    this.hooks.clear();
    this.log.clear();
    this.clock.reset();
  }

  /**
   * Runs the authorize step over HTTP with the emulator-only consent shortcut and returns the
   * code from the callback redirect, with the PKCE verifier to exchange it.
   */
  authorize(opts: AuthorizeOptions = {}): Promise<AuthorizeResult> {
    return authorizeOverHttp(this.baseUrl, this.ctx.clients, this.client.clientId, opts);
  }

  /** `authorize()` then the code exchange over HTTP; returns BB2's token JSON. */
  async getToken(opts: AuthorizeOptions = {}): Promise<TokenResponse> {
    const a = await this.authorize(opts);
    return exchangeOverHttp(this.baseUrl, this.ctx.clients, a, opts.version ?? 'v2');
  }
}
