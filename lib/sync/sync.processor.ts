import { Logger } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Worker, type Job } from 'bullmq';
import { BlueButtonConfigError, FhirHttpError } from '../errors/bluebutton.errors.js';
import { ClaimsSink, type SyncPassInfo } from './claims-sink.js';
import { BLUEBUTTON_SYNC_QUEUE, SYNC_JOB, SYNC_LOG_CONTEXT } from './sync.constants.js';
import type { SyncConfig } from './sync.options.js';
import type { PassJobData, SyncEnqueuer } from './sync-enqueuer.js';
import type { SyncPassResult, SyncRunner } from './sync-runner.js';

/** How long all passes pause after Blue Button answered 429 without `Retry-After`. */
const DEFAULT_THROTTLE_MS = 60_000;

/**
 * The queue's worker: a schedule tick fans out one pass per enrolled beneficiary, a pass job runs
 * {@link SyncRunner}. A 429 pauses the whole queue (BullMQ's manual rate limit) and puts the pass
 * back without using an attempt; other failures are reported to the sink and rethrown for BullMQ
 * to retry with backoff.
 */
export class SyncProcessor extends WorkerHost {
  private readonly logger = new Logger(SYNC_LOG_CONTEXT);

  /** Built by {@link createSyncProcessor}. */
  constructor(
    private readonly runner: SyncRunner,
    private readonly enqueuer: SyncEnqueuer,
    private readonly sink: ClaimsSink,
  ) {
    super();
  }

  /** Handles one job. */
  async process(job: Job<Partial<PassJobData>>): Promise<SyncPassResult | { enqueued: number }> {
    if (job.name === SYNC_JOB.tick) return { enqueued: await this.enqueuer.enqueueAll() };
    const tokenKey = job.data.tokenKey;
    if (typeof tokenKey !== 'string' || !tokenKey) return { status: 'not-enrolled' };
    const pass: SyncPassInfo = {
      jobId: String(job.id),
      // Counts restarts after a crash too (attemptsMade counts failures only).
      attempt: Math.max(job.attemptsStarted, job.attemptsMade + 1),
      startedAt: new Date().toISOString(),
    };
    try {
      return await this.runner.run(tokenKey, pass);
    } catch (error) {
      if (error instanceof FhirHttpError && error.status === 429) {
        await this.worker.rateLimit(error.retryAfterMs ?? DEFAULT_THROTTLE_MS);
        throw Worker.RateLimitError();
      }
      const willRetry = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      try {
        await this.sink.onPassFailed?.(tokenKey, {
          error: error as Error,
          attempt: pass.attempt,
          willRetry,
        });
      } catch {
        this.logger.warn('ClaimsSink.onPassFailed failed');
      }
      throw error;
    }
  }
}

/**
 * The worker for these options: a subclass of {@link SyncProcessor} decorated with
 * `@Processor()` now that the (possibly async) options are known, so that `@nestjs/bullmq`
 * starts a worker for it with this concurrency, limiter and lock settings. With `worker: false`
 * the class stays undecorated and no worker runs in this instance.
 */
export function createSyncProcessor(
  config: SyncConfig,
  runner: SyncRunner,
  enqueuer: SyncEnqueuer,
  sink: ClaimsSink | undefined,
): SyncProcessor {
  class BlueButtonSyncProcessor extends SyncProcessor {}
  if (config.worker) {
    if (!sink) {
      throw new BlueButtonConfigError([
        {
          key: 'ClaimsSink',
          reason:
            'is missing: add `{ provide: ClaimsSink, useClass: YourSink }` to extraProviders (or set worker: false on an instance that only enrolls)',
        },
      ]);
    }
    Processor(BLUEBUTTON_SYNC_QUEUE, {
      // Started by BlueButtonSyncService once the whole app has booted, not during module init.
      autorun: false,
      concurrency: config.concurrency,
      limiter: config.limiter,
      lockDuration: config.worker.lockDuration,
      stalledInterval: config.worker.stalledInterval,
      maxStalledCount: config.worker.maxStalledCount,
    })(BlueButtonSyncProcessor);
  }
  return new BlueButtonSyncProcessor(runner, enqueuer, sink as ClaimsSink);
}
