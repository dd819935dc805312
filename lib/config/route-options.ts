import { VERSION_NEUTRAL } from '@nestjs/common';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { BlueButtonConfig } from './bluebutton-config.js';
import type { BlueButtonMiddlewareRoute } from './bluebutton-options.interface.js';
import { CONFIG_DEFAULTS } from './config.defaults.js';

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

/** The context middleware's routes: every route by default, none with `false`. */
export function middlewareScope(value: unknown): BlueButtonConfig['middleware'] {
  if (value === false) return false;
  const given = (value ?? {}) as Record<string, unknown>;
  return Object.freeze({
    forRoutes: Object.freeze([
      ...((given.forRoutes as BlueButtonMiddlewareRoute[]) ?? CONFIG_DEFAULTS.middleware.forRoutes),
    ]),
    exclude: Object.freeze([...((given.exclude as string[]) ?? [])]),
  });
}
