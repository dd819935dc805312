import { inspect } from 'node:util';
import type {
  BlueButtonEnvironment,
  BlueButtonMiddlewareRoute,
  BlueButtonRouteInfo,
  BlueButtonRoutesOptions,
  BlueButtonRoutesVersion,
  BlueButtonVersion,
} from './bluebutton-options.interface.js';

/** The plain fields a {@link BlueButtonConfig} is built from. */
export type BlueButtonConfigFields = {
  -readonly [
    K in keyof BlueButtonConfig as K extends
      'apiBaseUrl' | 'apiBaseUrlFor' | 'toJSON' | typeof inspect.custom
      ? never
      : K
  ]: BlueButtonConfig[K];
} & { clientSecret: string };

/** The validated, normalized configuration every service of the module reads. */
export class BlueButtonConfig {
  /** The environment the app talks to. */
  readonly environment!: BlueButtonEnvironment;
  /** Origin (plus any proxy path prefix) of Blue Button, without a trailing slash. */
  readonly baseUrl!: string;
  /** API version. */
  readonly version!: BlueButtonVersion;
  /** The application's client id. */
  readonly clientId!: string;
  /** The application's client secret (non-enumerable: never spread, logged or serialized). */
  declare readonly clientSecret: string;
  /** The registered redirect URI. */
  readonly callbackUrl!: string;
  /** Refresh expiring tokens before data requests. */
  readonly tokenRefreshOnExpire!: boolean;
  /** Retry policy for data requests. */
  readonly retrySettings!: Readonly<{
    total: number;
    backoffFactor: number;
    statusForcelist: readonly number[];
  }>;
  /** Scopes requested by default on the authorize URL. */
  readonly scopes?: readonly string[];
  /** Language of the Blue Button pages. */
  readonly lang?: 'en' | 'es';
  /** Send `Prefer: handling=strict` on data requests unless a call says otherwise. */
  readonly strict!: boolean;
  /** Per-attempt timeout, ms. */
  readonly timeoutMs!: number;
  /** Refresh margin before expiry, ms. */
  readonly refreshSkewMs!: number;
  /** Pages fetched at once by the paginators. */
  readonly pageConcurrency!: number;
  /** Largest answer body accepted (decompressed), bytes. */
  readonly maxResponseBytes!: number;
  /** Page cap of the paginators: more pages end with `PaginationError`. */
  readonly maxPages!: number;
  /** Built-in routes, or undefined when they are off. */
  readonly routes?: Readonly<
    Required<Omit<BlueButtonRoutesOptions, 'version'>> & { version?: BlueButtonRoutesVersion }
  >;
  /** Where the per-request context middleware runs (`false`: nowhere). */
  readonly middleware!:
    | false
    | Readonly<{
        forRoutes: readonly BlueButtonMiddlewareRoute[];
        exclude: readonly (string | BlueButtonRouteInfo)[];
      }>;
  /** Session cookie settings. */
  readonly session!: Readonly<{ secret?: string; cookieName: string; ttlMs: number }>;
  /** App-provided token key function. */
  readonly tokenKey?: (req: any) => string | undefined;
  /** The file the configuration was read from, if any. */
  readonly source?: string;

  /** Builds a frozen config; the secret is stored as a non-enumerable property. */
  constructor(fields: BlueButtonConfigFields) {
    const { clientSecret, session, ...rest } = fields;
    Object.assign(this, rest);
    Object.defineProperty(this, 'clientSecret', { value: clientSecret, enumerable: false });
    // The session secret is a key too: keep it out of enumeration as well.
    const { secret, ...publicSession } = session;
    Object.defineProperty(publicSession, 'secret', { value: secret, enumerable: false });
    Object.assign(this, { session: Object.freeze(publicSession) });
    Object.freeze(this);
  }

  /** `{baseUrl}/v{version}`: the prefix of every API path of the configured version. */
  get apiBaseUrl(): string {
    return this.apiBaseUrlFor(this.version);
  }

  /** `{baseUrl}/v{version}` for another version (a token's, a login's). */
  apiBaseUrlFor(version: BlueButtonVersion): string {
    return `${this.baseUrl}/v${version}`;
  }

  /** Safe view for logs: secrets replaced by `[redacted]`. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), clientSecret: '[redacted]' };
  }

  /** `console.log(config)` shows the safe view. */
  [inspect.custom](): string {
    return `BlueButtonConfig ${inspect(this.toJSON())}`;
  }
}
