import { getMetadataStorage } from 'class-validator';
import type { SettingsClass } from './setting.decorators.js';

// Reads the settings a DTO declares from class-validator's metadata: every setting carries at
// least one rule, so the rules name every key, and a group's rule carries its class.

/** A settings value as the resolved configuration holds it: groups and declared lists read-only. */
export type Frozen<V> = [V] extends [readonly unknown[] | undefined]
  ? ReadonlyList<V>
  : V extends readonly unknown[] | ((...args: never[]) => unknown)
    ? V
    : V extends object
      ? { readonly [K in keyof V]: Frozen<V[K]> }
      : V;

type ReadonlyList<V> = V extends readonly (infer E)[] ? readonly E[] : V;

type GroupIn<V> = Exclude<Extract<V, object>, readonly unknown[] | ((...args: never[]) => unknown)>;
type GroupKeys<T> = { [K in keyof T]-?: [GroupIn<T[K]>] extends [never] ? never : K }[keyof T];

/** The defaults of a settings class: each setting's, and for a group the defaults of its keys. */
export type SettingsDefaults<T> = Frozen<Omit<T, GroupKeys<T>>> & {
  readonly [K in GroupKeys<T>]-?: SettingsDefaults<GroupIn<T[K]>>;
};

function rulesOf(settings: SettingsClass) {
  return getMetadataStorage().getTargetValidationMetadatas(settings, '', true, false);
}

/** The settings a class declares, in declaration order. */
export function settingKeys(settings: SettingsClass): string[] {
  return [...new Set(rulesOf(settings).map(rule => rule.propertyName))];
}

/** The class of a group setting (`routes` → `RoutesDto`); undefined for a plain setting. */
export function settingsGroupOf(settings: SettingsClass, key: string): SettingsClass | undefined {
  const rule = rulesOf(settings).find(r => r.propertyName === key && r.context?.group);
  return rule?.context.group as SettingsClass | undefined;
}

/**
 * The defaults a settings class declares, deeply frozen. A group's entry holds its keys' defaults
 * even when the group itself is off by default (`routes`: the values `routes: true` gives).
 */
export function settingDefaults<T extends object>(settings: new () => T): SettingsDefaults<T> {
  const blank = new settings() as Record<string, unknown>;
  const defaults: Record<string, unknown> = {};
  for (const key of settingKeys(settings)) {
    const group = settingsGroupOf(settings, key);
    const value = group ? settingDefaults(group) : frozenValue(blank[key]);
    if (value !== undefined) defaults[key] = value;
  }
  return Object.freeze(defaults) as SettingsDefaults<T>;
}

/**
 * A converted and validated settings object as plain, deeply frozen data: the declared keys only
 * (never a stray key such as `configFile`), each group as a plain object.
 */
export function frozenSettings<T extends object>(
  instance: T,
  settings: SettingsClass = instance.constructor as SettingsClass,
): Frozen<T> {
  const values = instance as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of settingKeys(settings)) {
    const group = settingsGroupOf(settings, key);
    const value = values[key];
    out[key] = group && value instanceof group ? frozenSettings(value, group) : frozenValue(value);
  }
  return Object.freeze(out) as Frozen<T>;
}

// Lists are copied so that nothing the app passed in (or a default) is shared with the config.
function frozenValue(value: unknown): unknown {
  return Array.isArray(value) ? Object.freeze([...value]) : value;
}
