import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { EmulatorClock } from './clock.js';
import { claimIndexCache, type EmulatorContext } from './context.js';
import { handleControl } from './control.routes.js';
import {
  BeneficiaryRegistry,
  eobTotal,
  patientIdForUsername,
  type EmulatorBeneficiary,
} from './data/beneficiaries.js';
import { loadClaimCountsCsv, type ClaimCounts } from './data/claim-counts.js';
import { DEFAULT_REDIRECT_URI, type BlueButtonEmulatorOptions } from './emulator.options.js';
import { FaultInjector, type Fault } from './faults.js';
import { pyFloat } from './http/json.js';
import { header, parseCookies, type EmuRequest } from './http/request.js';
import {
  drfResponse,
  FHIR_JSON,
  HTML,
  JSON_TYPE,
  pyJsonResponse,
  type EmuResponse,
} from './http/response.js';
import {
  ClientRegistry,
  defaultClient,
  type EmulatorClient,
  type RegisteredClient,
} from './oauth/clients.js';
import { DATA_SOURCE_FAILURE } from './oauth/messages.js';
import { OAuthStore, type ApiVersion } from './oauth/store.js';
import { TokenRateLimiter } from './rate-limit.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { isResourceView, route } from './router.js';

const MAX_BODY = 1024 * 1024;
const TOKEN_PATH = /^\/v[123]\/o\/token\/?$/;

const SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
};

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
  /** v3 consent choice; default true. */
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

/** The token endpoint's JSON, as BB2 sends it. */
export interface TokenResponse {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: string;
  refresh_token: string;
  patient: string;
  access_grant_expiration: string;
}

/** Public facts about a beneficiary, for test assertions. */
export interface BeneficiaryInfo {
  username: string;
  password: string;
  patientId: string;
  v3PatientId: string;
  eobCount: number;
  claimCounts: ClaimCounts;
  notFound: boolean;
}

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

function defaultFaultBody(status: number, fhir: boolean, retryAfter: number): EmuResponse {
  const type = fhir ? FHIR_JSON : JSON_TYPE;
  switch (status) {
    case 500:
      return drfResponse(500, { error: 'Server Error (500)' }, JSON_TYPE);
    case 502:
      return drfResponse(
        502,
        { detail: 'A failure occurred contacting the upstream server' },
        type,
      );
    case 503:
      return drfResponse(
        503,
        { detail: 'Service temporarily unavailable, try again later.' },
        type,
      );
    case 504:
      return {
        status: 504,
        headers: { 'content-type': HTML },
        body: '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n',
      };
    case 429:
      return drfResponse(
        429,
        {
          detail: `Request was throttled. Expected available in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
        },
        type,
      );
    default:
      return drfResponse(status, { detail: STATUS_CODES[status] ?? 'Error' }, type);
  }
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * A local Blue Button 2.0 server (OAuth2 + FHIR, synthetic data) speaking the real wire protocol,
 * with an injectable clock, fault injection and a record of the requests it received.
 */
export class BlueButtonEmulator {
  /** `http://host:port` the server listens on. */
  baseUrl = '';
  /** The bound port. */
  port = 0;
  /** Codes, tokens, grants and throttle windows follow this clock. */
  readonly clock: EmulatorClock;
  /** Fault injection (queued status/latency/drop faults and persistent latency). */
  readonly faults = new FaultInjector();
  /** The ready-made client, or the first configured one when `clients` is given. */
  readonly client: RegisteredClient;

  private readonly ctx: EmulatorContext;
  private readonly log: RequestLog;
  private readonly server: Server;
  private readonly latencyMs: number;
  private readonly gzip: boolean;
  private readonly publicUrl: string | undefined;
  private readonly controlEndpoints: boolean;

  private constructor(private readonly options: BlueButtonEmulatorOptions) {
    const seed = String(options.seed ?? 'bluebutton');
    this.clock = new EmulatorClock(options.clock);
    const clients = new ClientRegistry();
    const configured = options.clients ?? [
      defaultClient(seed, options.redirectUris ?? [DEFAULT_REDIRECT_URI]),
    ];
    if (configured.length === 0) throw new Error('clients must list at least one client');
    const registered = configured.map(c => clients.register(c));
    this.client = registered[0] as RegisteredClient;
    const csvCounts = options.claimCountsCsv
      ? loadClaimCountsCsv(options.claimCountsCsv)
      : undefined;
    const beneficiaries = new BeneficiaryRegistry({
      seed,
      configured: options.beneficiaries ?? [],
      csvCounts,
    });
    this.ctx = {
      seed,
      clock: this.clock,
      clients,
      store: new OAuthStore(this.clock),
      beneficiaries,
      limiter: new TokenRateLimiter(options.rateLimit ?? '100000/s'),
      sessions: new Map(),
      approvals: new Map(),
      expiresIn: options.expiresIn ?? 3600,
      v3Enabled: options.v3Enabled ?? false,
      expireGrantEndpoint: options.expireGrantEndpoint ?? true,
      corsStrict: options.corsStrict ?? false,
      claimIndex: claimIndexCache(seed),
    };
    // Heavy users get their claim headers now, so the first page is as fast as the next ones.
    for (const name of beneficiaries.configuredUsernames()) {
      const b = beneficiaries.get(name);
      if (b && eobTotal(b) >= 1000) this.ctx.claimIndex(b);
    }
    this.log = new RequestLog(options.maxRecordedRequests ?? 10_000);
    this.latencyMs = options.latencyMs ?? 0;
    this.gzip = options.gzip ?? true;
    this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.controlEndpoints = options.controlEndpoints ?? true;
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch(() => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': JSON_TYPE });
          res.end('{"error":"Server Error (500)"}');
        } else {
          res.destroy();
        }
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Starts an emulator and resolves once it listens. */
  static async start(options: BlueButtonEmulatorOptions = {}): Promise<BlueButtonEmulator> {
    const emu = new BlueButtonEmulator(options);
    await emu.listen();
    return emu;
  }

  private listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
        this.baseUrl = `http://${shown}:${this.port}`;
        resolve();
      });
    });
  }

  /** Stops listening and drops every open connection. */
  close(): Promise<void> {
    return new Promise(resolve => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
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

  /** Facts about a sandbox user (ids, password, claim counts), or undefined if unknown. */
  beneficiary(username: string): BeneficiaryInfo | undefined {
    const b = this.ctx.beneficiaries.get(username);
    if (!b) return undefined;
    return {
      username: b.username,
      password: b.password,
      patientId: b.patientId,
      v3PatientId: b.v3PatientId,
      eobCount: eobTotal(b),
      claimCounts: { ...b.claimCounts },
      notFound: b.notFound,
    };
  }

  /** The v1/v2 patient id of a `BBUserNNNNN` login. */
  patientIdFor(username: string): string | undefined {
    return this.ctx.beneficiaries.get(username)?.patientId ?? patientIdForUsername(username);
  }

  private grantsOf(patientId: string, clientId?: string) {
    const bene = this.ctx.beneficiaries.byPatientId(patientId);
    if (!bene) return [];
    return [...this.ctx.store.grants.values()].filter(
      g => g.username === bene.username && (!clientId || g.clientId === clientId),
    );
  }

  /**
   * Makes a patient's grants time out, as 13 months after consent: FHIR/userinfo answer 401
   * "User access has timed out…" and refresh answers 401 `invalid_grant`. Returns how many changed.
   */
  expireGrant(patientId: string, clientId?: string): number {
    const grants = this.grantsOf(patientId, clientId);
    const now = this.clock.now();
    for (const g of grants) g.expiresAt = now;
    return grants.length;
  }

  /**
   * Deletes a patient's grants, like `expire_authenticated_user` or a beneficiary disconnecting:
   * tokens die (FHIR 401) and refresh answers 403 "User access cannot be found…".
   */
  revokeGrant(patientId: string, clientId?: string): number {
    const grants = this.grantsOf(patientId, clientId);
    for (const g of grants) this.ctx.store.deleteGrant(g.clientId, g.username);
    return grants.length;
  }

  /** Forgets codes, tokens, grants, sessions, throttle windows, faults and recorded requests. */
  reset(): void {
    this.ctx.store.clear();
    this.ctx.sessions.clear();
    this.ctx.approvals.clear();
    this.ctx.limiter.clear();
    this.faults.clear();
    this.log.clear();
    this.clock.reset();
  }

  /**
   * Runs the authorize step over HTTP with the emulator-only consent shortcut and returns the
   * code from the callback redirect, with the PKCE verifier to exchange it.
   */
  async authorize(opts: AuthorizeOptions = {}): Promise<AuthorizeResult> {
    const clientId = opts.clientId ?? this.client.clientId;
    const client = this.ctx.clients.get(clientId);
    const redirectUri = opts.redirectUri ?? client?.redirectUris[0] ?? DEFAULT_REDIRECT_URI;
    const codeVerifier = opts.codeVerifier ?? b64url(randomBytes(48));
    const codeChallenge = b64url(createHash('sha256').update(codeVerifier).digest());
    const state = opts.state ?? b64url(randomBytes(24));
    const version = opts.version ?? 'v2';
    const q = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      emulator_user: opts.user ?? 'BBUser00000',
      emulator_decision: 'allow',
      emulator_share_demographics: String(opts.shareDemographics ?? true),
      emulator_share_samhsa: String(opts.shareSamhsa ?? true),
    });
    if (opts.scope) q.set('scope', opts.scope);
    const res = await fetch(`${this.baseUrl}/${version}/o/authorize/?${q}`, { redirect: 'manual' });
    const location = res.headers.get('location') ?? '';
    await res.arrayBuffer();
    const code = location ? new URL(location).searchParams.get('code') : null;
    if (res.status !== 302 || !code) {
      throw new Error(
        `authorize did not return a code (HTTP ${res.status}${location ? `, ${location}` : ''})`,
      );
    }
    return { code, state, codeVerifier, codeChallenge, redirectUri, clientId, location };
  }

  /** `authorize()` then the code exchange over HTTP; returns BB2's token JSON. */
  async getToken(opts: AuthorizeOptions = {}): Promise<TokenResponse> {
    const a = await this.authorize(opts);
    const client = this.ctx.clients.get(a.clientId);
    if (!client) throw new Error(`unknown client ${a.clientId}`);
    const res = await fetch(`${this.baseUrl}/${opts.version ?? 'v2'}/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: a.code,
        redirect_uri: a.redirectUri,
        code_verifier: a.codeVerifier,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`token exchange failed: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as TokenResponse;
  }

  private origin(req: IncomingMessage): string {
    if (this.publicUrl) return this.publicUrl;
    const host = req.headers.host;
    const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    return host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? `${proto}://${host}` : this.baseUrl;
  }

  private async readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > MAX_BODY) return undefined;
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const rawBody = await this.readBody(req);
    if (!rawBody) {
      res.writeHead(413, { 'content-type': HTML, connection: 'close' });
      res.end('Request body too large');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const contentType = String(req.headers['content-type'] ?? '');
    const form = contentType.toLowerCase().includes('application/x-www-form-urlencoded')
      ? new URLSearchParams(rawBody.toString('utf8'))
      : undefined;
    const emuReq: EmuRequest = {
      method,
      path: url.pathname,
      search: url.search,
      query: url.searchParams,
      headers: req.headers,
      form,
      rawBody,
      cookies: parseCookies(req.headers.cookie),
      origin: this.origin(req),
    };

    if (url.pathname.startsWith('/__emulator/')) {
      const response = this.controlEndpoints
        ? handleControl(
            {
              clock: this.clock,
              faults: this.faults,
              log: this.log,
              clients: this.ctx.clients,
              reset: () => this.reset(),
            },
            emuReq,
          )
        : route(this.ctx, emuReq);
      this.write(res, emuReq, response);
      return;
    }

    this.record(emuReq, receivedAt);
    let delay = this.faults.latencyFor(method, url.pathname, url.search);
    if (isResourceView(url.pathname)) delay += this.latencyMs;
    const fault = this.faults.take(method, url.pathname, url.search);
    if (fault && 'drop' in fault) {
      if (fault.latencyMs) await sleep(fault.latencyMs);
      res.socket?.destroy();
      return;
    }
    if (fault) delay += fault.latencyMs ?? 0;
    const response =
      fault && 'status' in fault ? this.faultResponse(fault, emuReq) : route(this.ctx, emuReq);
    if (delay > 0) await sleep(delay);
    this.write(res, emuReq, response);
  }

  private record(req: EmuRequest, receivedAt: number): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    let form: Record<string, string> | undefined;
    if (req.form) {
      form = {};
      for (const [k, v] of req.form) form[k] = v;
    }
    this.log.add({
      method: req.method,
      path: req.path,
      url: `${req.path}${req.search}`,
      query: new URLSearchParams(req.query),
      headers,
      ...(form ? { form } : {}),
      receivedAt,
    });
  }

  private faultResponse(fault: Extract<Fault, { status: number }>, req: EmuRequest): EmuResponse {
    const retryAfterSeconds = typeof fault.retryAfter === 'number' ? fault.retryAfter : 1;
    const fhir = req.path.includes('/fhir/');
    let response: EmuResponse;
    if (fault.body === undefined && fault.status === 502 && TOKEN_PATH.test(req.path)) {
      // BB2's token view answers an upstream (SLSx/BFD) failure in its own family, not DRF's.
      response = pyJsonResponse(502, { status_code: 502, message: DATA_SOURCE_FAILURE });
    } else if (fault.body === undefined) {
      response = defaultFaultBody(fault.status, fhir, retryAfterSeconds);
    } else if (typeof fault.body === 'string' || Buffer.isBuffer(fault.body)) {
      response = { status: fault.status, headers: { 'content-type': HTML }, body: fault.body };
    } else {
      response = drfResponse(fault.status, fault.body, fhir ? FHIR_JSON : JSON_TYPE);
    }
    if (fault.retryAfter !== undefined) response.headers['retry-after'] = String(fault.retryAfter);
    else if (fault.status === 429) response.headers['retry-after'] = String(retryAfterSeconds);
    for (const [k, v] of Object.entries(fault.headers ?? {})) response.headers[k.toLowerCase()] = v;
    return response;
  }

  private write(res: ServerResponse, req: EmuRequest, r: EmuResponse): void {
    const headers: OutgoingHttpHeaders = { ...SECURITY_HEADERS, ...r.headers };
    if (r.rateLimit) {
      headers['x-ratelimit-limit'] = String(r.rateLimit.limit);
      headers['x-ratelimit-remaining'] = String(r.rateLimit.remaining);
      headers['x-ratelimit-reset'] = pyFloat(r.rateLimit.reset);
    } else {
      headers['x-ratelimit-limit'] = 'None';
      headers['x-ratelimit-remaining'] = 'None';
      headers['x-ratelimit-reset'] = 'None';
    }
    if (header(req, 'origin') !== undefined) headers['access-control-allow-origin'] = '*';
    let body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    if (this.gzip && body.length >= 200 && !headers['content-encoding']) {
      headers.vary = headers.vary ? `${String(headers.vary)}, Accept-Encoding` : 'Accept-Encoding';
      if (/\bgzip\b/i.test(header(req, 'accept-encoding') ?? '')) {
        body = gzipSync(body, { level: zlibConstants.Z_BEST_SPEED });
        headers['content-encoding'] = 'gzip';
      }
    }
    headers['content-length'] = String(body.length);
    res.writeHead(r.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
