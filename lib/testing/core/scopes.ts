const RESOURCES = ['Patient', 'Coverage', 'ExplanationOfBenefit'] as const;
/** FHIR resources the `patient/*` scopes cover. */
export type ScopedResource = (typeof RESOURCES)[number];

/** Every scope a default app may ask for (all `default=True` capabilities of BB2). */
export const ALL_SCOPES: readonly string[] = [
  ...RESOURCES.flatMap(r => ['read', 'r', 's', 'rs'].map(a => `patient/${r}.${a}`)),
  'profile',
  'openid',
  'launch/patient',
];

/** What an app gets when it sends no `scope` (v1/v2). */
export const DEFAULT_SCOPES: readonly string[] = [
  'patient/Patient.rs',
  'patient/Coverage.rs',
  'patient/ExplanationOfBenefit.rs',
  'profile',
  'openid',
  'launch/patient',
];

/** Scopes removed when the beneficiary does not share demographic data. */
export function isDemographicScope(scope: string): boolean {
  return scope === 'profile' || /^patient\/Patient\.(read|r|s|rs)$/.test(scope);
}

/** Splits a space-separated scope string, dropping duplicates. */
export function parseScopes(value: string | undefined | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(/\s+/).filter(Boolean))];
}

/** BB2's `condense_scopes`: `patient/X.r` + `patient/X.s` → `patient/X.rs`. */
export function condenseScopes(scopes: readonly string[]): string[] {
  const set = new Set(scopes);
  const out: string[] = [];
  for (const s of scopes) {
    const m = /^patient\/(\w+)\.(r|s)$/.exec(s);
    if (m && set.has(`patient/${m[1]}.r`) && set.has(`patient/${m[1]}.s`)) {
      const rs = `patient/${m[1]}.rs`;
      if (!out.includes(rs)) out.push(rs);
      continue;
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** True when the token's scopes allow a read (`.read|.r|.rs`) or search (`.read|.s|.rs`). */
export function allows(
  scopes: readonly string[],
  resource: ScopedResource,
  kind: 'read' | 'search',
): boolean {
  const actions = kind === 'read' ? ['read', 'r', 'rs'] : ['read', 's', 'rs'];
  return actions.some(a => scopes.includes(`patient/${resource}.${a}`));
}

const SMART = /^patient\/(\w+)\.(read|r|s|rs)$/;

function expandActions(action: string): string[] {
  return action === 'read' || action === 'rs' ? ['r', 's'] : [action];
}

function covers(original: string, asked: string): boolean {
  if (original === asked) return true;
  const om = SMART.exec(original);
  const am = SMART.exec(asked);
  if (!om || !am || om[1] !== am[1]) return false;
  const have = expandActions(om[2] as string);
  return expandActions(am[2] as string).every(x => have.includes(x));
}

/** BB2's `is_smart_subscope` check for a refresh `scope`: every asked scope within the original. */
export function withinOriginal(asked: readonly string[], original: readonly string[]): boolean {
  return asked.every(a => original.some(o => covers(o, a)));
}
