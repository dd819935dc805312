import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import {
  MiddlewareDto,
  RetrySettingsDto,
  RoutesDto,
  SessionDto,
} from './bluebutton-option-groups.dto.js';
import type { BlueButtonEnvironment, BlueButtonVersion } from './bluebutton-options.interface.js';
import {
  ECHO_VALUE,
  FromBooleanString,
  FromListString,
  FromNumericString,
  FromString,
  GroupSwitch,
  SettingsGroup,
} from './setting.decorators.js';
import { IsFunction, IsHttpUrl } from './validators.js';

/**
 * Every Blue Button setting, declared once. Each property is a setting (camelCase; the loader also
 * accepts its snake_case spelling); its initializer is the default; its decorators say which
 * spellings of a value are converted (`@From…`) and what is valid (class-validator). The loader's
 * known keys, the frozen defaults and the type of `BlueButtonConfig` are all read from this class,
 * and the options interface users type is checked against it (test/unit/config-declaration.spec.ts).
 */
export class BlueButtonOptionsDto {
  /** The environment the app talks to. */
  @FromString(s => s.toUpperCase())
  @IsOptional()
  @IsIn(['SANDBOX', 'PRODUCTION', 'TEST', 'LOCAL'], {
    message: 'must be one of SANDBOX, PRODUCTION, TEST or LOCAL',
    ...ECHO_VALUE,
  })
  environment: BlueButtonEnvironment = 'SANDBOX';

  /** Origin (plus any proxy path prefix) of Blue Button, without a trailing slash (unset: the environment's). */
  @FromString(s => s.replace(/\/+$/, ''))
  @IsOptional()
  @IsHttpUrl('the Blue Button base URL', { query: false })
  baseUrl?: string;

  /** API version. */
  @FromNumericString()
  @IsOptional()
  @IsIn([1, 2, 3], { message: 'must be 1, 2 or 3', ...ECHO_VALUE })
  version: BlueButtonVersion = 2;

  /** The application's client id. */
  @IsString({ message: 'is required: the client id of your Blue Button application' })
  @IsNotEmpty({ message: 'must not be empty' })
  @MaxLength(256, { message: 'is too long to be a client id' })
  clientId!: string;

  /** The application's client secret (non-enumerable in the resolved configuration). */
  @IsString({ message: 'is required: the client secret of your Blue Button application' })
  @IsNotEmpty({ message: 'must not be empty' })
  clientSecret!: string;

  /** The registered redirect URI. */
  @IsHttpUrl('the redirect URI registered for your application')
  callbackUrl!: string;

  /** Refresh expiring tokens before data requests. */
  @FromBooleanString()
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  tokenRefreshOnExpire: boolean = true;

  /** Retry policy for data requests. */
  @IsOptional()
  @SettingsGroup(RetrySettingsDto)
  retrySettings: RetrySettingsDto = new RetrySettingsDto();

  /** Scopes requested by default on the authorize URL. */
  @FromListString()
  @IsOptional()
  @IsArray({ message: 'must be a list of scopes or a space-separated string' })
  @ArrayNotEmpty({ message: 'must not be empty (leave it out to use the app defaults)' })
  @Matches(/^[\x21-\x7e]+$/, {
    each: true,
    message: 'must contain only scope names without spaces, e.g. patient/Patient.rs',
  })
  scopes?: string[];

  /** Language of the Blue Button pages. */
  @IsOptional()
  @IsIn(['en', 'es'], { message: 'must be "en" or "es"', ...ECHO_VALUE })
  lang?: 'en' | 'es';

  /** Send `Prefer: handling=strict` on data requests unless a call says otherwise. */
  @FromBooleanString()
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  strict: boolean = false;

  /** Per-attempt timeout, ms. */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1, { message: 'must be positive' })
  @Max(600_000, { message: 'must be at most 600000 (10 minutes)' })
  timeoutMs: number = 30_000;

  /** Refresh margin before expiry, ms. */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(0, { message: 'must not be negative' })
  @Max(3_600_000, { message: 'must be at most 3600000 (one hour)' })
  refreshSkewMs: number = 60_000;

  /** Pages fetched at once by the paginators. */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(16, { message: 'must be at most 16' })
  pageConcurrency: number = 4;

  /**
   * Largest answer body accepted (decompressed), bytes. BB2's largest answers are EOB pages:
   * `_count` is at most 50 and the largest sandbox EOB is 82 KB of JSON (about twice that as BB2
   * pretty-prints it), so a worst-case page is about 8 MB. 32 MiB is four times that, and still a
   * bound: a gzip bomb or an endless body stops here.
   */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1024, { message: 'must be at least 1024 (1 KiB)' })
  @Max(1024 ** 3, { message: 'must be at most 1073741824 (1 GiB)' })
  maxResponseBytes: number = 32 * 1024 * 1024;

  /**
   * Page cap of the paginators: more pages end with `PaginationError`. At BB2's default `_count`
   * of 10 this is 10,000 claims per search (50,000 at `_count=50`), far above the heaviest
   * synthetic beneficiary (76); a server that keeps sending pages stops here.
   */
  @FromNumericString()
  @IsOptional()
  @IsInt({ message: 'must be a whole number of pages' })
  @Min(1, { message: 'must be at least 1' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  maxPages: number = 1000;

  /** Built-in routes, or undefined when they are off. */
  @GroupSwitch(RoutesDto, undefined)
  @IsOptional()
  @SettingsGroup(RoutesDto)
  routes?: RoutesDto;

  /** Where the per-request context middleware runs (`false`: nowhere). */
  @GroupSwitch(MiddlewareDto, false)
  @IsOptional()
  @ValidateIf((dto: BlueButtonOptionsDto) => dto.middleware !== false)
  @SettingsGroup(MiddlewareDto, { message: 'must be true, false or { forRoutes, exclude }' })
  middleware: MiddlewareDto | false = new MiddlewareDto();

  /** Session cookie settings. */
  @IsOptional()
  @SettingsGroup(SessionDto)
  session: SessionDto = new SessionDto();

  /** App-provided token key function. */
  @IsOptional()
  @IsFunction()
  tokenKey?: (req: any) => string | undefined;
}
