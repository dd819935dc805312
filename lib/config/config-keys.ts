import type { ConfigIssue } from '../errors/bluebutton.errors.js';
import { settingKeys, settingsGroupOf } from './setting-metadata.js';
import type { SettingsClass } from './setting.decorators.js';

type Plain = Record<string, unknown>;

/** camelCase key path → the key path as the user wrote it. */
export type Spelling = Map<string, string>;

/** Keys the loader itself reads at the top level, beside the declared settings. */
const LOADER_KEYS = ['configFile'];

/** What a normalisation pass needs besides the level: the record of spellings and the issues. */
export interface KeyContext {
  spelling: Spelling;
  issues: ConfigIssue[];
  /** The client secret, so that no key name that is (part of) it is ever shown. */
  secret: unknown;
}

/**
 * One level of user input with its keys in camelCase: snake_case keys (the Python SDK's files) are
 * renamed, each spelling is recorded, and unknown or doubled keys become issues. A key given
 * without a value (`undefined`, or YAML's `total:`) counts as not given.
 */
export function normalizeKeys(
  level: Plain,
  settings: SettingsClass,
  context: KeyContext,
  prefix = '',
): Plain {
  const { spelling, issues, secret } = context;
  const known = prefix ? settingKeys(settings) : [...LOADER_KEYS, ...settingKeys(settings)];
  const spelledPrefix = prefix
    ? `${spelling.get(prefix.slice(0, -1)) ?? prefix.slice(0, -1)}.`
    : '';
  const out: Plain = {};
  for (const [key, value] of Object.entries(level)) {
    if (value === undefined || value === null) continue;
    const name = camel(key);
    const spelled = `${spelledPrefix}${key}`;
    if (!known.includes(name)) {
      issues.push({
        key: `${spelledPrefix}${shownKeyName(key, secret)}`,
        reason: `is not a Blue Button setting${suggest(name, known, key.includes('_'))}`,
      });
      continue;
    }
    if (name in out) {
      const other = spelling.get(prefix + name);
      issues.push({ key: spelled, reason: `is given twice (also as ${other}); keep one` });
      continue;
    }
    spelling.set(prefix + name, spelled);
    const group = settingsGroupOf(settings, name);
    out[name] =
      group && isPlain(value) ? normalizeKeys(value, group, context, `${prefix}${name}.`) : value;
  }
  return out;
}

/** `over` on top of `base`, one level of groups deep (an object's `retrySettings.total` over a file's). */
export function mergeLevels(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? { ...b, ...v } : v;
  }
  return out;
}

function isPlain(v: unknown): v is Plain {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
}

/** The key path as the user wrote it; an absent key follows the spelling style the user used. */
export function spell(spelling: Spelling, path: string): string {
  if (spelling.has(path)) return spelling.get(path)!;
  const dot = path.lastIndexOf('.');
  const last = dot > 0 ? path.slice(dot + 1) : path;
  const snakeCase = [...spelling.values()].some(k => k.includes('_'));
  const name = snakeCase ? snake(last) : last;
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
  return ` (did you mean ${snakeCase ? snake(best) : best}?)`;
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
