import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import type { BlueButtonOptionsDto } from './bluebutton-options.dto.js';

/** An absolute http(s) URL; https is required when the environment is PRODUCTION. */
export function IsHttpUrl(what: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate(value: unknown, args?: ValidationArguments) {
          return httpUrlProblem(value, args?.object as BlueButtonOptionsDto, what) === undefined;
        },
        defaultMessage(args?: ValidationArguments) {
          return httpUrlProblem(args?.value, args?.object as BlueButtonOptionsDto, what) ?? '';
        },
      },
    },
    options,
  );
}

function httpUrlProblem(
  value: unknown,
  dto: BlueButtonOptionsDto,
  what: string,
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
