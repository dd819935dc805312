import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsMiddlewareRoute, IsRouteVersion } from './route-options.js';
import { IsFunction, IsHttpUrl } from './validators.js';

const ENVIRONMENTS = ['SANDBOX', 'PRODUCTION', 'TEST', 'LOCAL'];

/** A path the app serves, such as `/bluebutton/login`. */
const APP_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
/** A same-site path to redirect to, optionally with a query: `/`, `/done?signed_out=1` (not `//host`). */
const REDIRECT_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;

/** Validation rules for `retrySettings`. */
export class RetrySettingsDto {
  @IsOptional()
  @IsInt({ message: 'must be a whole number of retries (0 turns retry off)' })
  @Min(0, { message: 'must not be negative (0 turns retry off)' })
  @Max(10, { message: 'must be at most 10' })
  total?: number;

  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'must be a number of seconds, e.g. 5' },
  )
  @Min(0, { message: 'must not be negative' })
  @Max(60, { message: 'must be at most 60 seconds' })
  backoffFactor?: number;

  @IsOptional()
  @IsArray({ message: 'must be a list of HTTP status codes, e.g. [500, 502, 503, 504]' })
  @ArrayMaxSize(100, { message: 'must list at most 100 status codes' })
  @IsInt({ each: true, message: 'must contain only whole HTTP status codes' })
  @Min(100, { each: true, message: 'must contain only HTTP status codes between 100 and 599' })
  @Max(599, { each: true, message: 'must contain only HTTP status codes between 100 and 599' })
  statusForcelist?: number[];
}

/** Validation rules for `routes`. */
export class RoutesDto {
  @IsOptional()
  @Matches(APP_PATH, { message: 'must be an absolute path such as /bluebutton/login' })
  login?: string;

  @IsOptional()
  @Matches(APP_PATH, { message: 'must be an absolute path such as /bluebutton/logout' })
  logout?: string;

  @IsOptional()
  @Matches(REDIRECT_PATH, { message: 'must be a path on this app, such as / or /done?x=1' })
  successRedirect?: string;

  @IsOptional()
  @Matches(REDIRECT_PATH, { message: 'must be a path on this app, such as / or /done?x=1' })
  failureRedirect?: string;

  @IsOptional()
  @Matches(REDIRECT_PATH, { message: 'must be a path on this app, such as / or /done?x=1' })
  logoutRedirect?: string;

  @IsOptional()
  @IsRouteVersion()
  version?: unknown;
}

/** Validation rules for `middleware` (given as an object; `true`/`false` are handled before). */
export class MiddlewareDto {
  @IsOptional()
  @IsArray({ message: 'must be a list of paths, controller classes or { path, method } routes' })
  @ArrayNotEmpty({ message: 'must not be empty (set middleware: false to turn it off)' })
  @IsMiddlewareRoute(true, { each: true })
  forRoutes?: unknown[];

  @IsOptional()
  @IsArray({ message: 'must be a list of paths or { path, method } routes' })
  @IsMiddlewareRoute(false, { each: true })
  exclude?: unknown[];
}

/** Validation rules for `session`. */
export class SessionDto {
  @IsOptional()
  @IsString({ message: 'must be a string of at least 32 random characters' })
  @MinLength(32, { message: 'must be at least 32 characters long' })
  secret?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'must be 1-64 letters, digits, "-" or "_"',
  })
  cookieName?: string;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(60_000, { message: 'must be at least 60000 (one minute)' })
  ttlMs?: number;
}

/** Validation rules for the whole Blue Button configuration (keys already in camelCase). */
export class BlueButtonOptionsDto {
  @IsOptional()
  @IsIn(ENVIRONMENTS, { message: 'must be one of SANDBOX, PRODUCTION, TEST or LOCAL' })
  environment?: string;

  @IsOptional()
  @IsHttpUrl('the Blue Button base URL')
  baseUrl?: string;

  @IsOptional()
  @IsIn([1, 2, 3], { message: 'must be 1, 2 or 3' })
  version?: number;

  @IsString({ message: 'is required: the client id of your Blue Button application' })
  @IsNotEmpty({ message: 'must not be empty' })
  @MaxLength(256, { message: 'is too long to be a client id' })
  clientId!: string;

  @IsString({ message: 'is required: the client secret of your Blue Button application' })
  @IsNotEmpty({ message: 'must not be empty' })
  clientSecret!: string;

  @IsHttpUrl('the redirect URI registered for your application')
  callbackUrl!: string;

  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  tokenRefreshOnExpire?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => RetrySettingsDto)
  retrySettings?: RetrySettingsDto;

  @IsOptional()
  @IsArray({ message: 'must be a list of scopes or a space-separated string' })
  @ArrayNotEmpty({ message: 'must not be empty (leave it out to use the app defaults)' })
  @Matches(/^[\x21-\x7e]+$/, {
    each: true,
    message: 'must contain only scope names without spaces, e.g. patient/Patient.rs',
  })
  scopes?: string[];

  @IsOptional()
  @IsIn(['en', 'es'], { message: 'must be "en" or "es"' })
  lang?: string;

  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  strict?: boolean;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be positive' })
  @Max(600_000, { message: 'must be at most 600000 (10 minutes)' })
  timeoutMs?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(0, { message: 'must not be negative' })
  @Max(3_600_000, { message: 'must be at most 3600000 (one hour)' })
  refreshSkewMs?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(16, { message: 'must be at most 16' })
  pageConcurrency?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1024, { message: 'must be at least 1024 (1 KiB)' })
  @Max(1024 ** 3, { message: 'must be at most 1073741824 (1 GiB)' })
  maxResponseBytes?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of pages' })
  @Min(1, { message: 'must be at least 1' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  maxPages?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => RoutesDto)
  routes?: RoutesDto;

  @IsOptional()
  @ValidateIf((dto: BlueButtonOptionsDto) => typeof dto.middleware !== 'boolean')
  @ValidateNested({ message: 'must be true, false or { forRoutes, exclude }' })
  @Type(() => MiddlewareDto)
  middleware?: MiddlewareDto | boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => SessionDto)
  session?: SessionDto;

  @IsOptional()
  @IsFunction()
  tokenKey?: (req: unknown) => string | undefined;
}

/** The keys each level of the configuration accepts (camelCase), used to report unknown keys. */
export const KNOWN_KEYS = {
  root: [
    'configFile',
    'environment',
    'baseUrl',
    'version',
    'clientId',
    'clientSecret',
    'callbackUrl',
    'tokenRefreshOnExpire',
    'retrySettings',
    'scopes',
    'lang',
    'strict',
    'timeoutMs',
    'refreshSkewMs',
    'pageConcurrency',
    'maxResponseBytes',
    'maxPages',
    'routes',
    'middleware',
    'session',
    'tokenKey',
  ],
  retrySettings: ['total', 'backoffFactor', 'statusForcelist'],
  routes: ['login', 'logout', 'successRedirect', 'failureRedirect', 'logoutRedirect', 'version'],
  middleware: ['forRoutes', 'exclude'],
  session: ['secret', 'cookieName', 'ttlMs'],
} as const;
