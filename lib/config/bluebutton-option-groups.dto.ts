import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import type {
  BlueButtonMiddlewareRoute,
  BlueButtonRouteInfo,
  BlueButtonRoutesVersion,
} from './bluebutton-options.interface.js';
import { FromNumericString } from './setting.decorators.js';
import { IsMiddlewareRoute, IsRouteVersion } from './validators.js';

// The groups of settings nested under a key of BlueButtonOptionsDto. Same rules as there: one
// property per setting, its initializer is the default, its decorators convert and validate it.

/** A path the app serves, such as `/bluebutton/login`. */
const APP_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
/** A same-site path to redirect to, optionally with a query: `/`, `/done?signed_out=1` (not `//host`). */
const REDIRECT_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const REDIRECT_MESSAGE = { message: 'must be a path on this app, such as / or /done?x=1' };

/** `retrySettings`: the retry policy of data requests. */
export class RetrySettingsDto {
  /** Retries after the first attempt (0: none). */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number of retries (0 turns retry off)' })
  @Min(0, { message: 'must not be negative (0 turns retry off)' })
  @Max(10, { message: 'must be at most 10' })
  total: number = 3;

  /** Delay before retry i (from 0) is `backoffFactor * 2 ** (i - 1)` seconds. */
  @FromNumericString()
  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'must be a number of seconds, e.g. 5' },
  )
  @Min(0, { message: 'must not be negative' })
  @Max(60, { message: 'must be at most 60 seconds' })
  backoffFactor: number = 5;

  /** HTTP statuses that are retried. */
  @IsOptional()
  @IsArray({ message: 'must be a list of HTTP status codes, e.g. [500, 502, 503, 504]' })
  @ArrayMaxSize(100, { message: 'must list at most 100 status codes' })
  @IsInt({ each: true, message: 'must contain only whole HTTP status codes' })
  @Min(100, { each: true, message: 'must contain only HTTP status codes between 100 and 599' })
  @Max(599, { each: true, message: 'must contain only HTTP status codes between 100 and 599' })
  statusForcelist: number[] = [500, 502, 503, 504];
}

/** `routes`: the built-in login / callback / logout routes (defaults apply once they are on). */
export class RoutesDto {
  /** Path (before the global prefix) that redirects to Blue Button. */
  @IsOptional()
  @Matches(APP_PATH, { message: 'must be an absolute path such as /bluebutton/login' })
  login: string = '/bluebutton/login';

  /** Path (before the global prefix) of the logout form's POST. */
  @IsOptional()
  @Matches(APP_PATH, { message: 'must be an absolute path such as /bluebutton/logout' })
  logout: string = '/bluebutton/logout';

  /** Where the callback sends the browser after a successful login. */
  @IsOptional()
  @Matches(REDIRECT_PATH, REDIRECT_MESSAGE)
  successRedirect: string = '/';

  /** Where the callback sends the browser after a denial or error. */
  @IsOptional()
  @Matches(REDIRECT_PATH, REDIRECT_MESSAGE)
  failureRedirect: string = '/';

  /** Where the logout route sends the browser. */
  @IsOptional()
  @Matches(REDIRECT_PATH, REDIRECT_MESSAGE)
  logoutRedirect: string = '/';

  /** Version of the three routes, as `@Version()` takes it (unset: chosen from the app's versioning). */
  @IsOptional()
  @IsRouteVersion()
  version?: BlueButtonRoutesVersion;
}

/** `middleware`, given as an object (`true` and `false` are switched by the root class). */
export class MiddlewareDto {
  /** Routes the per-request context middleware runs on. */
  @IsOptional()
  @IsArray({ message: 'must be a list of paths, controller classes or { path, method } routes' })
  @ArrayNotEmpty({ message: 'must not be empty (set middleware: false to turn it off)' })
  @IsMiddlewareRoute(true, { each: true })
  forRoutes: BlueButtonMiddlewareRoute[] = ['{*path}'];

  /** Routes it skips. */
  @IsOptional()
  @IsArray({ message: 'must be a list of paths or { path, method } routes' })
  @IsMiddlewareRoute(false, { each: true })
  exclude: Array<string | BlueButtonRouteInfo> = [];
}

/** `session`: how a request finds its beneficiary's token. */
export class SessionDto {
  /** HMAC key of the session cookie (non-enumerable in the resolved configuration). */
  @IsOptional()
  @IsString({ message: 'must be a string of at least 32 random characters' })
  @MinLength(32, { message: 'must be at least 32 characters long' })
  secret?: string;

  /** Name of the session cookie. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'must be 1-64 letters, digits, "-" or "_"',
  })
  cookieName: string = 'bluebutton_session';

  /** Lifetime of a session and its stored token, in ms. */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(60_000, { message: 'must be at least 60000 (one minute)' })
  ttlMs: number = 13 * 31 * 24 * 3600 * 1000; // 13 months
}
