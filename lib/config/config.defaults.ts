import type { BlueButtonEnvironment } from './bluebutton-options.interface.js';

/** The host of each environment (the official SDKs use the same four). */
export const ENVIRONMENT_BASE_URLS: Readonly<Record<BlueButtonEnvironment, string>> = {
  SANDBOX: 'https://sandbox.bluebutton.cms.gov',
  PRODUCTION: 'https://api.bluebutton.cms.gov',
  TEST: 'https://test.bluebutton.cms.gov',
  LOCAL: 'http://localhost:8000',
};

/** Default values of every optional key (DESIGN §3). */
export const CONFIG_DEFAULTS = {
  environment: 'SANDBOX' as BlueButtonEnvironment,
  version: 2 as const,
  tokenRefreshOnExpire: true,
  strict: false,
  retrySettings: { total: 3, backoffFactor: 5, statusForcelist: [500, 502, 503, 504] },
  timeoutMs: 30_000,
  refreshSkewMs: 60_000,
  pageConcurrency: 4,
  /**
   * BB2's largest answers are EOB pages: `_count` is at most 50, and the largest sandbox EOB is
   * 82 KB of JSON (about twice that as BB2 pretty-prints it), so a worst-case page is about 8 MB.
   * 32 MiB is four times that, and still a bound: a gzip bomb or an endless body stops here.
   */
  maxResponseBytes: 32 * 1024 * 1024,
  /**
   * At BB2's default `_count` of 10 this is 10,000 claims per search (50,000 at `_count=50`), far
   * above the heaviest synthetic beneficiary (76); a server that keeps sending pages stops here.
   */
  maxPages: 1000,
  routes: {
    login: '/bluebutton/login',
    logout: '/bluebutton/logout',
    successRedirect: '/',
    failureRedirect: '/',
    logoutRedirect: '/',
  },
  middleware: { forRoutes: ['{*path}'], exclude: [] as string[] },
  session: { cookieName: 'bluebutton_session', ttlMs: 13 * 31 * 24 * 3600 * 1000 },
};

/** The files read, in order, from the working directory when no configuration is given. */
export const DEFAULT_CONFIG_FILES = ['.bluebutton-config.json', '.bluebutton-config.yaml'];
