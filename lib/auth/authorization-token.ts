import { inspect } from 'node:util';
import type { BlueButtonVersion } from '../config/bluebutton-options.interface.js';
import {
  badTokenAnswer,
  isBearer,
  MAX_EXPIRES_IN_SECONDS,
  notBearer,
  parseExpiresIn,
  parseGrantExpiration,
  parseJson,
  parseResourceScope,
} from './token-fields.js';

/** The persistable form of an {@link AuthorizationToken} (what `token.toJSON()` returns). */
export interface AuthorizationTokenJSON {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  expiresIn: number;
  /** ISO 8601 instant. */
  expiresAt: string;
  scope: string[];
  patient?: string;
  /** ISO 8601 instant, or null (research apps have no grant expiry). */
  accessGrantExpiration: string | null;
  /**
   * The API version the token was issued under. `toJSON()` always writes it; JSON saved before
   * tokens recorded it (version 0.1) has none, and loads as `fromJSON`'s `defaultVersion`.
   */
  version?: BlueButtonVersion;
}

/** Options of {@link AuthorizationToken.fromJSON}. */
export interface TokenFromJSONOptions {
  /**
   * The API version of JSON that names none (saved by version 0.1, which served one version per
   * app): pass the version your app was configured with then. Default 2, the module's default
   * (v3 was sandbox-only, so no production token of that time is a v3 one). The stored-token
   * paths of the module (sessions, `StoredTokens`, the Redis store) pass the configured `version`.
   */
  defaultVersion?: BlueButtonVersion;
}

/** The version a token has when nothing says otherwise: the module's default `version`. */
const DEFAULT_VERSION: BlueButtonVersion = 2;

/** The token endpoint's JSON answer (snake_case, as Blue Button sends it). */
export interface TokenEndpointResponse {
  access_token?: unknown;
  refresh_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  scope?: unknown;
  patient?: unknown;
  access_grant_expiration?: unknown;
}

const REDACTED = '[redacted]';

/**
 * A Blue Button token set. The access and refresh tokens are bearer credentials to a person's
 * Medicare claims, so they live in private fields: `console.log(token)`, `util.inspect` and
 * `JSON.stringify(token)` (logs, `res.json`) all show them redacted. Persist `token.toJSON()`
 * (called directly, it returns the complete form) and restore with `AuthorizationToken.fromJSON()`.
 */
export class AuthorizationToken {
  readonly #accessToken: string;
  readonly #refreshToken: string | undefined;
  /** Token type, `Bearer`. */
  readonly tokenType: string;
  /** Lifetime in seconds as the server stated it (may be fractional). */
  readonly expiresIn: number;
  /** When the access token expires: the time the response arrived plus `expiresIn`. */
  readonly expiresAt: Date;
  /** Granted scopes. */
  readonly scope: readonly string[];
  /** The beneficiary's FHIR Patient id. */
  readonly patient: string | undefined;
  /** When the beneficiary's data access grant ends; null when it never does (research apps). */
  readonly accessGrantExpiration: Date | null;
  /**
   * The API version the token was issued under: `FhirService` builds its URLs from it, and
   * refreshes and revokes it at that version's endpoints. Tokens never carry over between versions.
   */
  readonly version: BlueButtonVersion;

  /** Builds a token from its fields; prefer `fromTokenResponse()` or `fromJSON()`. */
  constructor(fields: {
    accessToken: string;
    refreshToken?: string;
    tokenType?: string;
    expiresIn: number;
    expiresAt: Date;
    scope?: readonly string[];
    patient?: string;
    accessGrantExpiration?: Date | null;
    /** Default 2. */
    version?: BlueButtonVersion;
  }) {
    // An Invalid Date is never "expired" and throws from toISOString(): refuse it at the source.
    if (!Number.isFinite(fields.expiresAt?.getTime()))
      throw new TypeError('AuthorizationToken: expiresAt is not a valid date');
    if (!Number.isFinite(fields.expiresIn))
      throw new TypeError('AuthorizationToken: expiresIn is not a finite number');
    if (fields.version !== undefined && !isVersion(fields.version))
      throw new TypeError('AuthorizationToken: version must be 1, 2 or 3');
    this.#accessToken = fields.accessToken;
    this.#refreshToken = fields.refreshToken || undefined;
    this.tokenType = fields.tokenType ?? 'Bearer';
    this.expiresIn = fields.expiresIn;
    this.expiresAt = new Date(fields.expiresAt.getTime());
    this.scope = Object.freeze([...(fields.scope ?? [])]);
    this.patient = fields.patient;
    this.accessGrantExpiration = fields.accessGrantExpiration
      ? new Date(fields.accessGrantExpiration.getTime())
      : null;
    this.version = fields.version ?? DEFAULT_VERSION;
    Object.freeze(this);
  }

  /** The access token, sent as `Authorization: Bearer …`. */
  get accessToken(): string {
    return this.#accessToken;
  }

  /** The refresh token, if the server issued one. */
  get refreshToken(): string | undefined {
    return this.#refreshToken;
  }

  /** Whether this token can be refreshed at all. */
  get canRefresh(): boolean {
    return this.#refreshToken !== undefined;
  }

  /**
   * Parses a token endpoint answer. `expires_in` may be a number or a numeric string, possibly
   * fractional; `expiresAt` counts from `receivedAt` (when the response arrived). When the answer
   * omits `refresh_token` or `patient` (RFC 6749 §6 allows it on refresh), `previous`'s are kept.
   * `version` is the API version of the token endpoint that answered (default: `previous`'s, else 2).
   */
  static fromTokenResponse(
    body: TokenEndpointResponse,
    receivedAt: number = Date.now(),
    previous?: AuthorizationToken,
    version: BlueButtonVersion = previous?.version ?? DEFAULT_VERSION,
  ): AuthorizationToken {
    if (typeof body.access_token !== 'string' || !body.access_token)
      throw bad('no access_token in the answer');
    const expiresIn = parseExpiresIn(body.expires_in);
    if (expiresIn === undefined) {
      throw bad(
        `expires_in is missing or not a number of seconds between 0 and ${MAX_EXPIRES_IN_SECONDS}`,
      );
    }
    if (body.token_type !== undefined && !isBearer(body.token_type)) throw notBearer();
    if (body.scope !== undefined && typeof body.scope !== 'string')
      throw bad('scope is not a string');
    const scope =
      typeof body.scope === 'string'
        ? body.scope.split(/\s+/).filter(Boolean)
        : [...(previous?.scope ?? [])];
    const refreshToken =
      typeof body.refresh_token === 'string' && body.refresh_token
        ? body.refresh_token
        : previous?.refreshToken;
    const patient =
      typeof body.patient === 'string' && body.patient ? body.patient : previous?.patient;
    let grant: Date | null;
    if (body.access_grant_expiration === undefined) grant = previous?.accessGrantExpiration ?? null;
    else {
      const parsed = parseGrantExpiration(body.access_grant_expiration);
      if (parsed === undefined) throw bad('access_grant_expiration is not a date');
      grant = parsed;
    }
    return new AuthorizationToken({
      accessToken: body.access_token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn,
      expiresAt: new Date(receivedAt + expiresIn * 1000),
      scope,
      patient,
      accessGrantExpiration: grant,
      version,
    });
  }

  /**
   * Restores a token from `token.toJSON()` output (or its JSON text), validating every field.
   * JSON without a `version` (saved by version 0.1) loads as `options.defaultVersion`.
   */
  static fromJSON(
    json: AuthorizationTokenJSON | string,
    options: TokenFromJSONOptions = {},
  ): AuthorizationToken {
    const j = (
      typeof json === 'string' ? parseJson(json) : json
    ) as Partial<AuthorizationTokenJSON>;
    if (!j || typeof j !== 'object') fail('(object)');
    if (typeof j.accessToken !== 'string' || !j.accessToken || j.accessToken === REDACTED)
      fail('accessToken');
    if (
      j.refreshToken !== undefined &&
      (typeof j.refreshToken !== 'string' || j.refreshToken === REDACTED)
    )
      fail('refreshToken');
    if (typeof j.expiresIn !== 'number' || parseExpiresIn(j.expiresIn) === undefined)
      fail('expiresIn');
    if (j.tokenType !== undefined && !isBearer(j.tokenType)) fail('tokenType');
    const expiresAt = new Date(j.expiresAt as string);
    if (typeof j.expiresAt !== 'string' || Number.isNaN(expiresAt.getTime())) fail('expiresAt');
    if (!Array.isArray(j.scope) || j.scope.some(s => typeof s !== 'string')) fail('scope');
    if (j.patient !== undefined && typeof j.patient !== 'string') fail('patient');
    const grant = j.accessGrantExpiration == null ? null : new Date(j.accessGrantExpiration);
    if (grant && Number.isNaN(grant.getTime())) fail('accessGrantExpiration');
    if (j.version !== undefined && !isVersion(j.version)) fail('version');
    const version = j.version ?? options.defaultVersion ?? DEFAULT_VERSION;
    if (!isVersion(version))
      throw new TypeError('AuthorizationToken.fromJSON: defaultVersion must be 1, 2 or 3');
    return new AuthorizationToken({
      accessToken: j.accessToken!,
      refreshToken: j.refreshToken,
      tokenType: 'Bearer',
      expiresIn: j.expiresIn!,
      expiresAt,
      scope: j.scope,
      patient: j.patient,
      accessGrantExpiration: grant,
      version,
    });
  }

  /** True when the access token expires within `skewMs` of `now`. */
  isExpired(skewMs = 0, now: number = Date.now()): boolean {
    return this.expiresAt.getTime() - skewMs <= now;
  }

  /**
   * Whether the granted scopes cover `scope`, with SMART v2 semantics: `patient/X.rs` covers `.r`
   * and `.s`; the legacy `.read` equals `.rs`; `patient/*.rs` covers every resource type.
   */
  hasScope(scope: string): boolean {
    const wanted = parseResourceScope(scope);
    if (!wanted) return this.scope.includes(scope);
    const granted = new Set<string>();
    for (const s of this.scope) {
      const g = parseResourceScope(s);
      if (
        g &&
        g.context === wanted.context &&
        (g.resource === wanted.resource || g.resource === '*')
      ) {
        for (const p of g.permissions) granted.add(p);
      }
    }
    return [...wanted.permissions].every(p => granted.has(p));
  }

  /**
   * Called directly, returns the complete persistable form (secrets included). Called by
   * `JSON.stringify` (which passes a key), returns the redacted form, so serializing a token into a
   * log line or an HTTP response never leaks it.
   */
  toJSON(key?: string): AuthorizationTokenJSON {
    const full = key === undefined;
    return {
      accessToken: full ? this.#accessToken : REDACTED,
      ...(this.#refreshToken !== undefined && {
        refreshToken: full ? this.#refreshToken : REDACTED,
      }),
      tokenType: this.tokenType,
      expiresIn: this.expiresIn,
      expiresAt: this.expiresAt.toISOString(),
      scope: [...this.scope],
      ...(this.patient !== undefined && { patient: this.patient }),
      accessGrantExpiration: this.accessGrantExpiration?.toISOString() ?? null,
      version: this.version,
    };
  }

  /** `console.log(token)` shows the redacted form. */
  [inspect.custom](): string {
    return `AuthorizationToken ${inspect(this.toJSON(''))}`;
  }
}

const bad = badTokenAnswer;

function isVersion(value: unknown): value is BlueButtonVersion {
  return value === 1 || value === 2 || value === 3;
}

function fail(field: string): never {
  throw new TypeError(`AuthorizationToken.fromJSON: "${field}" is missing or invalid`);
}
