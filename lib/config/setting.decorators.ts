import { Transform, Type } from 'class-transformer';
import { ValidateNested, type ValidationOptions } from 'class-validator';

/** A settings class: a DTO whose properties are settings (`BlueButtonOptionsDto`, `RoutesDto`…). */
export type SettingsClass = new () => object;

/**
 * A key that holds a group of settings declared by their own class (`retrySettings`, `routes`…):
 * validated, converted and defaulted by that class. The class travels in the validation rule's
 * `context`, so that the loader finds a level's keys and groups in class-validator's metadata alone.
 */
export function SettingsGroup(
  group: SettingsClass,
  options?: Omit<ValidationOptions, 'context'>,
): PropertyDecorator {
  const validate = ValidateNested({ ...options, context: { group } });
  const convert = Type(() => group);
  return (target, key) => {
    validate(target, key);
    convert(target, key);
  };
}

/**
 * Marks a rule whose rejected value is a short enumeration (an environment, a version), safe to
 * quote back in the error: `(got "STAGING")`. Other rejected values are never shown.
 */
export const ECHO_VALUE = { context: { echo: true } } as const;

/** Accepts a number written as a string (env vars, quoted YAML): `"30000"` becomes 30000. */
export function FromNumericString(): PropertyDecorator {
  return Transform(({ value }) =>
    typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value,
  );
}

/** Accepts `"true"` and `"false"` (env vars) for a boolean. */
export function FromBooleanString(): PropertyDecorator {
  return Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
}

/** Accepts a list written as one space- or comma-separated string: `"openid profile"`. */
export function FromListString(): PropertyDecorator {
  return Transform(({ value }) =>
    typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value,
  );
}

/** Applies `change` to a string value and passes anything else on for validation to refuse. */
export function FromString(change: (value: string) => string): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? change(value) : value));
}

/**
 * Lets a group be switched on with `true` (every key at its default) and off with `false`, which
 * leaves `off` in its place: `undefined` for an optional group (`routes`), `false` where the
 * resolved configuration says so explicitly (`middleware`).
 */
export function GroupSwitch(group: SettingsClass, off: false | undefined): PropertyDecorator {
  return Transform(({ value }) => (value === true ? new group() : value === false ? off : value));
}
