import { inspect } from 'node:util';
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
}

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
  }) {
    // An Invalid Date is never "expired" and throws from toISOString(): refuse it at the source.
    if (!Number.isFinite(fields.expiresAt?.getTime()))
      throw new TypeError('AuthorizationToken: expiresAt is not a valid date');
    if (!Number.isFinite(fields.expiresIn))
      throw new TypeError('AuthorizationToken: expiresIn is not a finite number');
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
   */
  static fromTokenResponse(
    body: TokenEndpointResponse,
    receivedAt: number = Date.now(),
    previous?: AuthorizationToken,
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
    });
  }

  /** Restores a token from `token.toJSON()` output (or its JSON text), validating every field. */
  static fromJSON(json: AuthorizationTokenJSON | string): AuthorizationToken {
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
    return new AuthorizationToken({
      accessToken: j.accessToken!,
      refreshToken: j.refreshToken,
      tokenType: 'Bearer',
      expiresIn: j.expiresIn!,
      expiresAt,
      scope: j.scope,
      patient: j.patient,
      accessGrantExpiration: grant,
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
    };
  }

  /** `console.log(token)` shows the redacted form. */
  [inspect.custom](): string {
    return `AuthorizationToken ${inspect(this.toJSON(''))}`;
  }
}

const bad = badTokenAnswer;

function fail(field: string): never {
  throw new TypeError(`AuthorizationToken.fromJSON: "${field}" is missing or invalid`);
}
