import type { Provider, RequestMethod, Type, VERSION_NEUTRAL } from '@nestjs/common';
import type { BlueButtonVersion } from '../common/api-version.js';

export type { BlueButtonVersion };

/** The Blue Button environments and the hosts they point at. */
export type BlueButtonEnvironment = 'SANDBOX' | 'PRODUCTION' | 'TEST' | 'LOCAL';

/** Retry policy for idempotent data requests (the official SDKs' `retrySettings`). */
export interface RetrySettings {
  /** Retries after the first attempt; 0 turns retry off. Default 3. */
  total?: number;
  /** Delay before retry i (from 0) is `backoffFactor * 2 ** (i - 1)` seconds. Default 5. */
  backoffFactor?: number;
  /** HTTP statuses that are retried. Default `[500, 502, 503, 504]`. */
  statusForcelist?: number[];
}

/**
 * Built-in login / callback / logout routes, served by a controller the module registers: the app's
 * global prefix, `RouterModule` path, URI version, guards, interceptors and pipes apply to them like
 * to any route. The callback's path comes from `callbackUrl` (checked against the prefix at boot).
 */
export interface BlueButtonRoutesOptions {
  /** Path (as declared, before the global prefix) that redirects to Blue Button. Default `/bluebutton/login`. */
  login?: string;
  /** Path (as declared, before the global prefix) of the logout form's POST. Default `/bluebutton/logout`. */
  logout?: string;
  /** Where the callback sends the browser after a successful login. Default `/`. */
  successRedirect?: string;
  /** Where the callback sends the browser after a denial or error (with `?bluebutton_error=`). Default `/`. */
  failureRedirect?: string;
  /** Where the logout route sends the browser. Default `/`. */
  logoutRedirect?: string;
  /**
   * Version of the three routes, as `@Version()` takes it (`'1'`, `['1', '2']`, `VERSION_NEUTRAL`).
   * Default: the app's default version under URI versioning; `VERSION_NEUTRAL` under header,
   * media-type or custom versioning (a browser following a redirect sends no version).
   */
  version?: BlueButtonRoutesVersion;
}

/** A route version as `@Version()` takes it. */
export type BlueButtonRoutesVersion =
  string | typeof VERSION_NEUTRAL | Array<string | typeof VERSION_NEUTRAL>;

/** A path and an HTTP method, as Nest's `MiddlewareConsumer` takes them. */
export interface BlueButtonRouteInfo {
  path: string;
  method: RequestMethod;
}

/** A route the context middleware is scoped with: a path, a controller class, or `{ path, method }`. */
export type BlueButtonMiddlewareRoute = string | Type | BlueButtonRouteInfo;

/**
 * Where the per-request context middleware (what `@BlueButtonToken()`, `BlueButtonScopeGuard` and
 * the filter's `loginUrl` read) runs, in the terms of Nest's `MiddlewareConsumer`.
 */
export interface BlueButtonMiddlewareOptions {
  /** Routes to run on. Default: every route (`'{*path}'`). */
  forRoutes?: BlueButtonMiddlewareRoute[];
  /** Routes to skip. Default: none. */
  exclude?: Array<string | BlueButtonRouteInfo>;
}

/** Per-user session settings: how a request finds its beneficiary's token. */
export interface BlueButtonSessionOptions {
  /** HMAC secret (≥ 32 chars) for the session cookie. Required in PRODUCTION. */
  secret?: string;
  /** Cookie name. Default `bluebutton_session`. */
  cookieName?: string;
  /** How long a stored token and its session live, in ms. Default 13 months (34819200000). */
  ttlMs?: number;
}

/**
 * Options accepted by `BlueButtonModule.forRoot()` / `forRootAsync()`. Every key may also be written
 * in the snake_case of the Python SDK's config files (`client_id`, `retry_settings.backoff_factor`…).
 * The settings are declared (default, conversion, validation) in `BlueButtonOptionsDto`; this is
 * what users type and read, kept to the same keys and defaults by test/unit/config-declaration.spec.ts.
 */
export interface BlueButtonModuleOptions {
  /** Load these settings from a `.json`, `.yaml` or `.yml` file; keys given here override the file. */
  configFile?: string;
  /** Which Blue Button to talk to. Default `SANDBOX`. */
  environment?: BlueButtonEnvironment | Lowercase<BlueButtonEnvironment>;
  /** Overrides the environment's host, e.g. the local emulator or a proxy. */
  baseUrl?: string;
  /** API version, 1, 2 or 3 (a numeric string is accepted). Default 2. */
  version?: BlueButtonVersion | `${BlueButtonVersion}`;
  /** The application's client id from the Blue Button developer sandbox. */
  clientId?: string;
  /** The application's client secret. Never logged or shown in errors. */
  clientSecret?: string;
  /** The absolute redirect URI registered for the application. */
  callbackUrl?: string;
  /** Refresh expired tokens automatically before data requests. Default true. */
  tokenRefreshOnExpire?: boolean;
  /** Retry policy for data requests. */
  retrySettings?: RetrySettings;
  /** Scopes to request on the authorize URL (required on v3). An array or a space-separated string. */
  scopes?: string[] | string;
  /** Language of the Blue Button login and consent pages. */
  lang?: 'en' | 'es';
  /**
   * Send `Prefer: handling=strict` on every data request, so that Blue Button answers 400 to a
   * search parameter it does not know instead of dropping it (honoured on API v3; v1/v2 ignore
   * the header). A per-call `strict` overrides it. Default false.
   */
  strict?: boolean;
  /** Per-attempt timeout of every HTTP request, in ms. Default 30000. */
  timeoutMs?: number;
  /** Refresh this long before `expiresAt`, in ms. Default 60000. */
  refreshSkewMs?: number;
  /** Pages fetched at once by the paginators. Default 4 (1 = follow `next` strictly). */
  pageConcurrency?: number;
  /**
   * Largest answer body accepted, in bytes after decompression, on every request; a larger one
   * fails with `ResponseTooLargeError` without being read further. Default 33554432 (32 MiB).
   */
  maxResponseBytes?: number;
  /**
   * Most pages one paginated search follows, the first included; a search with more fails with
   * `PaginationError` once they are emitted. Default 1000. A per-call `maxPages` replaces it and
   * stops quietly instead.
   */
  maxPages?: number;
  /** Enables the built-in login / callback / logout routes (`true` for the defaults). */
  routes?: BlueButtonRoutesOptions | boolean;
  /** Scopes the per-request context middleware (default: every route), or `false` to turn it off. */
  middleware?: BlueButtonMiddlewareOptions | boolean;
  /** Session cookie settings for the per-user token storage. */
  session?: BlueButtonSessionOptions;
  /** Keys the stored token by the app's own session or user id instead of the package's cookie. */
  tokenKey?: (req: any) => string | undefined;
}

/** The module's extra registration options (not part of the Blue Button configuration). */
export interface BlueButtonModuleExtras {
  /** Registers the module globally. Default false. */
  isGlobal?: boolean;
  /** Providers added to the module, e.g. `{ provide: BlueButtonStore, useClass: MyStore }`. */
  extraProviders?: Provider[];
}
