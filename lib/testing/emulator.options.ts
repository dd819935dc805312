import type { ClockSource } from './core/clock.js';
import type { EmulatorBeneficiary } from './data/beneficiaries.js';
import type { EmulatorClient } from './core/clients.js';
import type { RateLimitOption } from './core/rate-limit.js';

/** Options of `BlueButtonEmulator.start()`. Every field is optional. */
export interface BlueButtonEmulatorOptions {
  /** TCP port; 0 (default) picks a free one. `8000` is where the official SDKs' LOCAL env points. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /**
   * Origin used in Bundle links and discovery documents. By default the request's `Host` header
   * (so `localhost:8000` callers get `localhost:8000` links), falling back to `baseUrl`.
   */
  publicUrl?: string;
  /** Registered apps. Without it, one ready-made client is registered (see `emu.client`). */
  clients?: EmulatorClient[];
  /** Redirect URIs of the ready-made client; default `['http://localhost:3000/callback']`. */
  redirectUris?: string[];
  /** Extra or overridden beneficiaries (heavy users, exact claim mixes, "not found" users…). */
  beneficiaries?: EmulatorBeneficiary[];
  /**
   * Path to the public `synthetic_users_by_claim_count_full.csv`; when given, each listed user's
   * claim counts follow the file (carrier, inpatient, Part D; the rest of the total is outpatient).
   */
  claimCountsCsv?: string;
  /** Seed of every generated value; default `"bluebutton"`. */
  seed?: string | number;
  /** Milliseconds added to every FHIR and userinfo response. */
  latencyMs?: number;
  /**
   * Milliseconds added per entry of a Bundle answer, on top of `latencyMs`: with `latencyMs: 100`
   * and `latencyPerEntryMs: 4`, a 10-entry page waits 140 ms and a 50-entry page 300 ms, so bigger
   * pages cost more, as on BFD. Each recorded request shows the delay it got (`latencyMs`).
   */
  latencyPerEntryMs?: number;
  /** Access-token lifetime in seconds; default 3600 (36000 mimics the pre-2026 server). */
  expiresIn?: number;
  /** Serve `/v3` (404 when false, the default). */
  v3Enabled?: boolean;
  /**
   * Reject unknown body fields on `/v3/o/token/` (BB2 commit 1becbc56b, October 2025). BB2
   * removed the check again in 4a442e8d1 (March 2026), so it is off by default; turn it on to
   * test a client against the stricter server of that period.
   */
  strictV3TokenBody?: boolean;
  /** Time source; `emu.clock.advance()` moves on top of it. Default: the system clock. */
  clock?: ClockSource;
  /** Per-access-token throttle (DRF `TokenRateThrottle`); default `"100000/s"`, as on BB2. */
  rateLimit?: RateLimitOption;
  /** gzip bodies of 200 bytes or more when the client accepts it (Django `GZipMiddleware`); default true. */
  gzip?: boolean;
  /** Refuse CORS preflights asking for headers outside BB2's allow-list (browser-honest tests). */
  corsStrict?: boolean;
  /** Serve `expire_authenticated_user` (switch `expire_grant_endpoint`); default true. */
  expireGrantEndpoint?: boolean;
  /** How many requests `emu.requests` keeps; default 10,000. */
  maxRecordedRequests?: number;
  /** Serve the `/__emulator/*` inspection and control endpoints; default true. */
  controlEndpoints?: boolean;
}

/** Redirect URI of the ready-made client unless `redirectUris` says otherwise. */
export const DEFAULT_REDIRECT_URI = 'http://localhost:3000/callback';
