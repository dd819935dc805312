import { OAuthError, UnexpectedResponseError } from '../errors/bluebutton.errors.js';

/**
 * Longest access-token lifetime accepted, in seconds. BB2 issues 10-hour tokens; a year is
 * generous, and keeps `expiresAt` a real date (a huge `expires_in` would make it Invalid Date,
 * which is never "expired" and cannot be serialized).
 */
export const MAX_EXPIRES_IN_SECONDS = 366 * 24 * 3600;

/** `expires_in` as a number of seconds, or undefined unless it is finite and in [0, max]. */
export function parseExpiresIn(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(n) && n >= 0 && n <= MAX_EXPIRES_IN_SECONDS ? n : undefined;
}

/** Whether a token type is Bearer (RFC 6750 §1; compared case-insensitively, RFC 6749 §5.1). */
export function isBearer(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === 'bearer';
}

/** A token type other than Bearer: the token cannot be used as a bearer, so it is an OAuth error. */
export function notBearer(status = 200): OAuthError {
  return new OAuthError(
    'unsupported_token_type',
    'the token endpoint issued a token whose token_type is not Bearer; only Bearer tokens can be used',
    status,
  );
}

/** An unusable 200 answer of the token endpoint. */
export function badTokenAnswer(problem: string): UnexpectedResponseError {
  return new UnexpectedResponseError(200, 'POST', '/o/token/', problem);
}

/** JSON.parse whose error names the position only: V8's own message quotes the text (the tokens). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec(String((error as Error).message))?.[1];
    throw new TypeError(
      `AuthorizationToken.fromJSON: the text is not valid JSON${at ? ` (at position ${at})` : ''}`,
    );
  }
}

/** Parses Blue Button's `YYYY-MM-DDTHH:MM:SSZ` (or the docs' `YYYY-MM-DD HH:MM:SSZ`); "" means none. */
export function parseGrantExpiration(value: unknown): Date | null | undefined {
  if (value === '' || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
      value.trim(),
    );
  if (!m) return undefined;
  const date = new Date(
    `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${m[8] ?? 'Z'}`,
  );
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** One SMART scope, split into its parts. */
export interface ResourceScope {
  context: string;
  resource: string;
  permissions: Set<string>;
}

/** Splits `patient/ExplanationOfBenefit.rs` into its parts; `.read` becomes `{r, s}`. */
export function parseResourceScope(scope: string): ResourceScope | undefined {
  const m = /^(patient|user|system)\/([A-Za-z*]+)\.(read|write|\*|[cruds]+)$/.exec(scope);
  if (!m) return undefined;
  const p = m[3];
  const permissions = new Set(
    p === 'read' ? ['r', 's'] : p === 'write' ? ['c', 'u', 'd'] : p === '*' ? [...'cruds'] : [...p],
  );
  return { context: m[1], resource: m[2], permissions };
}
