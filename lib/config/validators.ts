import { VERSION_NEUTRAL } from '@nestjs/common';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

// The rules class-validator has no built-in decorator for.

/**
 * An absolute http(s) URL; https is required when the environment is PRODUCTION. With
 * `{ query: false }`, a query string is refused too (a base URL gets paths appended).
 */
export function IsHttpUrl(
  what: string,
  rules: { query?: boolean } = {},
  options?: ValidationOptions,
): PropertyDecorator {
  const problem = (value: unknown, args?: ValidationArguments) =>
    httpUrlProblem(value, args?.object as { environment?: unknown } | undefined, what, rules);
  return ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          problem(value, args) === undefined,
        defaultMessage: (args?: ValidationArguments) => problem(args?.value, args) ?? '',
      },
    },
    options,
  );
}

function httpUrlProblem(
  value: unknown,
  dto: { environment?: unknown } | undefined,
  what: string,
  rules: { query?: boolean },
): string | undefined {
  if (value === undefined || value === null || value === '') return `is required: ${what}`;
  if (typeof value !== 'string') return `must be ${what} given as a string`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be ${what}, an absolute URL such as https://example.org/callback (got a relative or malformed URL)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must use http or https (got ${url.protocol.replace(':', '')})`;
  }
  if (url.hash) return 'must not contain a #fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (dto?.environment === 'PRODUCTION' && url.protocol !== 'https:') {
    return 'must use https when environment is PRODUCTION';
  }
  if (rules.query === false && url.search) return 'must not contain a query string';
  return undefined;
}

/** A function (class-validator has no built-in check for one). */
export function IsFunction(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFunction',
      validator: {
        validate: (value: unknown) => typeof value === 'function',
        defaultMessage: () => 'must be a function (req) => string | undefined',
      },
    },
    options,
  );
}

const isVersion = (v: unknown) => (typeof v === 'string' && v !== '') || v === VERSION_NEUTRAL;

/** A route version as `@Version()` takes it: a string, `VERSION_NEUTRAL`, or a list of them. */
export function IsRouteVersion(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRouteVersion',
      validator: {
        validate: (value: unknown) =>
          isVersion(value) || (Array.isArray(value) && value.length > 0 && value.every(isVersion)),
        defaultMessage: () => "must be a version such as '1', VERSION_NEUTRAL, or a list of them",
      },
    },
    options,
  );
}

/** A route of `MiddlewareConsumer`: a path, a `{ path, method }` object, or (for forRoutes) a class. */
export function IsMiddlewareRoute(
  classes: boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMiddlewareRoute',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value !== '') ||
          (classes && typeof value === 'function') ||
          (!!value &&
            typeof value === 'object' &&
            typeof (value as { path?: unknown }).path === 'string' &&
            typeof (value as { method?: unknown }).method === 'number'),
        defaultMessage: () =>
          classes
            ? 'must contain paths, controller classes or { path, method } routes'
            : 'must contain paths or { path, method } routes',
      },
    },
    options,
  );
}
