import type { ConnectionOptions, RateLimiterOptions } from 'bullmq';
import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';
import type { SyncOptions } from '../fhir/sync/sync.types.js';

/** When the whole enrolled population is synced: a cron pattern or a fixed interval. */
export type SyncSchedule = { pattern: string; tz?: string } | { every: number };

/** BullMQ worker tuning; the defaults suit production (30 s locks). */
export interface SyncWorkerOptions {
  /** How long a pass's lock lasts without renewal, ms (default 30000); a dead worker's pass restarts after it. */
  lockDuration?: number;
  /** How often workers look for passes whose lock expired, ms (default 30000). */
  stalledInterval?: number;
  /** How many times a pass may be restarted after its worker died (default 3). */
  maxStalledCount?: number;
}

/** Options of `BlueButtonSyncModule.forRoot()` (or produced by `forRootAsync`'s factory). */
export interface BlueButtonSyncOptions {
  /** The app's Redis, as BullMQ takes it: e.g. `{ url: process.env.REDIS_URL }`, or an ioredis client. */
  connection: ConnectionOptions;
  /** BullMQ key prefix (default `bull`); the sync's own keys live under it too. */
  prefix?: string;
  /** When every enrolled beneficiary is synced (default `{ pattern: '0 4 * * *' }`: daily, 04:00 UTC); `false`: never on a schedule. */
  schedule?: SyncSchedule | false;
  /** Passes this instance runs at once (default 4). */
  concurrency?: number;
  /** At most `max` passes per `duration` ms, across every instance (BullMQ's queue limiter). */
  limiter?: RateLimiterOptions;
  /** Attempts of a pass that fails for a transient reason, and the first backoff (doubling): default 5 and 30000 ms. */
  retry?: { attempts?: number; backoffMs?: number };
  /** What each pass syncs (see `FhirService.sync()`). */
  pass?: Omit<SyncOptions, 'since'>;
  /** Worker tuning, or `false` to run no worker here (this instance only enrolls and enqueues). */
  worker?: SyncWorkerOptions | false;
}

/** The validated options every part of the sync module reads. */
export class SyncConfig {
  /** Created from validated fields by {@link resolveSyncOptions}. */
  constructor(
    readonly connection: ConnectionOptions,
    readonly prefix: string,
    readonly schedule: SyncSchedule | false,
    readonly concurrency: number,
    readonly limiter: RateLimiterOptions | undefined,
    readonly attempts: number,
    readonly backoffMs: number,
    readonly pass: Omit<SyncOptions, 'since'>,
    readonly worker: Required<SyncWorkerOptions> | false,
  ) {}
}

const DEFAULTS = {
  prefix: 'bull',
  schedule: { pattern: '0 4 * * *', tz: 'UTC' },
  concurrency: 4,
  attempts: 5,
  backoffMs: 30_000,
  worker: { lockDuration: 30_000, stalledInterval: 30_000, maxStalledCount: 3 },
} as const;

/** Validates the module options; a bad value stops the boot with `BlueButtonConfigError`. */
export function resolveSyncOptions(options: BlueButtonSyncOptions): SyncConfig {
  const issues: ConfigIssue[] = [];
  const whole = (key: string, v: unknown, min: number) => {
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= min))
      issues.push({ key, reason: `must be a whole number ≥ ${min}` });
  };
  if (!options || typeof options !== 'object') {
    throw new BlueButtonConfigError([{ key: '(options)', reason: 'must be an object' }]);
  }
  if (options.connection === undefined || options.connection === null)
    issues.push({ key: 'connection', reason: 'is required: the Redis BullMQ should use' });
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || !options.prefix))
    issues.push({ key: 'prefix', reason: 'must be a non-empty string' });
  whole('concurrency', options.concurrency, 1);
  whole('limiter.max', options.limiter?.max, 1);
  whole('limiter.duration', options.limiter?.duration, 1);
  whole('retry.attempts', options.retry?.attempts, 1);
  whole('retry.backoffMs', options.retry?.backoffMs, 0);
  const schedule = options.schedule ?? DEFAULTS.schedule;
  if (schedule !== false) {
    const ok =
      ('pattern' in schedule && typeof schedule.pattern === 'string' && schedule.pattern) ||
      ('every' in schedule && Number.isSafeInteger(schedule.every) && schedule.every >= 1000);
    if (!ok)
      issues.push({
        key: 'schedule',
        reason: 'must be { pattern: "<cron>" }, { every: <ms ≥ 1000> } or false',
      });
  }
  const worker = options.worker === false ? false : { ...DEFAULTS.worker, ...options.worker };
  if (worker) {
    whole('worker.lockDuration', worker.lockDuration, 100);
    whole('worker.stalledInterval', worker.stalledInterval, 100);
    whole('worker.maxStalledCount', worker.maxStalledCount, 0);
  }
  if (issues.length) {
    throw new BlueButtonConfigError(issues, undefined, 'Invalid BlueButtonSyncModule options');
  }
  return new SyncConfig(
    options.connection,
    options.prefix ?? DEFAULTS.prefix,
    schedule,
    options.concurrency ?? DEFAULTS.concurrency,
    options.limiter,
    options.retry?.attempts ?? DEFAULTS.attempts,
    options.retry?.backoffMs ?? DEFAULTS.backoffMs,
    options.pass ?? {},
    worker,
  );
}
