import type { ValidationError } from 'class-validator';
import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';

/** camelCase key path → the key path as the user wrote it. */
export type Spelling = Map<string, string>;

/** Keys whose bad values are short enumerations and safe to echo back. */
const ECHO_KEYS = new Set(['environment', 'version', 'lang']);

/** Turns one class-validator error (and its children) into issues named as the user spelled them. */
export function collectIssues(
  error: ValidationError,
  prefix: string,
  spelling: Spelling,
  issues: ConfigIssue[],
  secret: unknown,
): void {
  const path = prefix + error.property;
  if (error.constraints) {
    // A missing key gets one reason, "is required…", rather than every rule it trivially fails.
    const required =
      error.value === undefined
        ? Object.values(error.constraints).find(r => r.startsWith('is required'))
        : undefined;
    const reasons = required ? [required] : [...new Set(Object.values(error.constraints))];
    let reason = reasons.join('; ');
    if (ECHO_KEYS.has(path) && error.value !== undefined) reason += echo(error.value, secret);
    issues.push({ key: spell(spelling, path), reason });
  }
  for (const child of error.children ?? [])
    collectIssues(child, `${path}.`, spelling, issues, secret);
}

/**
 * ` (got "SANDBOXX")` for a value that looks like a mistyped enumeration. Anything long, unusual or
 * overlapping the client secret (in any case — `environment` is upper-cased before validation) is
 * described, not shown: a secret pasted into the wrong key must not reach the message, even in part.
 */
function echo(value: unknown, secret: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return ` (got ${String(value)})`;
  if (typeof value !== 'string') return ` (got ${Array.isArray(value) ? 'a list' : typeof value})`;
  const s = typeof secret === 'string' ? secret.toLowerCase() : '';
  const v = value.toLowerCase();
  const overlaps = s.length > 0 && v.length >= 4 && (s.includes(v) || v.includes(s));
  if (!/^[\w.-]{0,16}$/.test(value) || overlaps) return ` (got a ${value.length}-character string)`;
  return ` (got ${JSON.stringify(value)})`;
}

/** The key path as the user wrote it; an absent key follows the spelling style the user used. */
export function spell(spelling: Spelling, path: string): string {
  if (spelling.has(path)) return spelling.get(path)!;
  const dot = path.lastIndexOf('.');
  const last = dot > 0 ? path.slice(dot + 1) : path;
  const snake = [...spelling.values()].some(k => k.includes('_'));
  const name = snake ? last.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`) : last;
  return dot > 0 ? `${spell(spelling, path.slice(0, dot))}.${name}` : name;
}

/** ` (did you mean x?)` for a name close to a known one; empty otherwise. */
export function suggest(name: string, known: readonly string[], snakeCase: boolean): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (!best) return '';
  return ` (did you mean ${snakeCase ? best.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`) : best}?)`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/**
 * Last line of defence: the secret never appears in an error, even if it was mistyped elsewhere —
 * in a reason, or as a key's *name* (a secret pasted where a key belongs).
 */
export function scrubSecret(error: BlueButtonConfigError, secret: unknown): BlueButtonConfigError {
  if (typeof secret !== 'string' || secret.length < 4 || !error.message.includes(secret))
    return error;
  const scrub = (text: string) => text.split(secret).join('[redacted]');
  const issues = error.issues.map(i => ({ key: scrub(i.key), reason: scrub(i.reason) }));
  return new BlueButtonConfigError(issues, error.source);
}

/**
 * An unknown key's name as it may be shown: as written when it looks like a setting name, else
 * described by its length. A secret pasted where a key belongs (in a YAML file, `s3cr3t…: x`) must
 * not reach the message, even in part, even when the real secret is absent and cannot be matched.
 */
export function shownKeyName(name: string, secret: unknown): string {
  const s = typeof secret === 'string' ? secret.toLowerCase() : '';
  const n = name.toLowerCase();
  const overlaps = s.length > 0 && n.length >= 4 && (s.includes(n) || n.includes(s));
  if (/^[A-Za-z][\w-]{0,31}$/.test(name) && !overlaps) return name;
  return `(a ${name.length}-character name)`;
}
