import { validateSync, type ValidationError } from 'class-validator';
import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';
import type { BlueButtonOptionsDto } from './bluebutton-options.dto.js';
import { spell, type Spelling } from './config-keys.js';

/**
 * Every problem of converted settings, as issues named the way the user spelled the keys: the
 * declared rules first, in declaration order, then the rules that span several settings.
 */
export function validationIssues(
  settings: BlueButtonOptionsDto,
  spelling: Spelling,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const error of validateSync(settings, { forbidUnknownValues: false })) {
    collectIssues(error, '', spelling, issues, settings.clientSecret);
  }
  return [
    ...issues,
    ...v3ScopeIssues(settings, spelling, issues),
    ...sessionSecretIssues(settings, spelling),
  ];
}

/** Blue Button refuses a v3 authorization without scope: v3 needs default scopes. */
function v3ScopeIssues(
  settings: BlueButtonOptionsDto,
  spelling: Spelling,
  found: ConfigIssue[],
): ConfigIssue[] {
  const key = spell(spelling, 'scopes');
  if (settings.version !== 3 || settings.scopes || found.some(i => i.key === key)) return [];
  return [
    {
      key,
      reason:
        'is required when version is 3: Blue Button refuses a v3 authorization without scope. List the scopes to ask for, e.g. "openid profile patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs"',
    },
  ];
}

/** Cookie sessions in PRODUCTION need a secret that every instance shares. */
function sessionSecretIssues(settings: BlueButtonOptionsDto, spelling: Spelling): ConfigIssue[] {
  const cookieSessions = settings.routes !== undefined && !settings.tokenKey;
  if (settings.environment !== 'PRODUCTION' || !cookieSessions || settings.session?.secret) {
    return [];
  }
  return [
    {
      key: spell(spelling, 'session.secret'),
      reason:
        'is required in PRODUCTION when the built-in routes keep sessions in a cookie (or give tokenKey to use your own sessions)',
    },
  ];
}

/** Turns one class-validator error (and its children) into issues named as the user spelled them. */
function collectIssues(
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
    const echoed = Object.values(error.contexts ?? {}).some(c => c?.echo === true);
    if (echoed && error.value !== undefined) reason += echo(error.value, secret);
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
