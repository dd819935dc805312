import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { QueueEvents, type Job, type Queue } from 'bullmq';
import { BlueButtonConfigError } from '../errors/bluebutton.errors.js';
import type { ParkedInfo, SyncPassSummary } from './claims-sink.js';
import {
  BLUEBUTTON_SYNC_QUEUE,
  SYNC_JOB,
  SYNC_LOG_CONTEXT,
  SYNC_SCHEDULER_ID,
} from './sync.constants.js';
import { SyncNotEnrolledError, SyncPassFailedError } from './sync.errors.js';
import { SyncConfig } from './sync.options.js';
import { SyncProcessor } from './sync.processor.js';
import type { SyncPassResult } from './sync-runner.js';
import { SyncEnqueuer } from './sync-enqueuer.js';
import { SyncState } from './sync-state.js';

/** What is known about one beneficiary. */
export interface BeneficiarySyncStatus {
  enrolled: boolean;
  parked?: ParkedInfo;
  /** When the watermark was last saved (ISO 8601); absent before the first pass. */
  syncedAt?: string;
  lastPass?: SyncPassSummary;
}

/** Population and queue figures, for a health or metrics endpoint. */
export interface SyncStats {
  enrolled: number;
  parked: number;
  neverSynced: number;
  /** How long ago the least recently synced beneficiary's watermark was saved, ms. */
  oldestWatermarkAgeMs?: number;
  /** BullMQ job counts of the queue (waiting, active, delayed, prioritized, failed…). */
  jobs: Record<string, number>;
}

const TOKEN_KEY_MAX = 512;

/**
 * Keeps enrolled beneficiaries' claims current: one BullMQ queue on the app's Redis, a worker in
 * every instance that runs one, and a repeatable schedule. Each pass reads the beneficiary's token
 * from the `BlueButtonStore` under `user:<tokenKey>` (where the `tokenKey` option's logins put it)
 * and delivers the changes to the app's `ClaimsSink`.
 */
@Injectable()
export class BlueButtonSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SYNC_LOG_CONTEXT);
  private events?: QueueEvents;

  /** Created by Nest. */
  constructor(
    @InjectQueue(BLUEBUTTON_SYNC_QUEUE) private readonly queue: Queue,
    private readonly state: SyncState,
    private readonly enqueuer: SyncEnqueuer,
    private readonly config: SyncConfig,
    private readonly processor: SyncProcessor,
  ) {
    // An EventEmitter without an 'error' listener would crash the app on a Redis hiccup.
    queue.on('error', error => this.logger.warn(`Sync queue: ${error.message}`));
    // Each waiting syncNow listens for the queue closing: any number may wait at once.
    queue.setMaxListeners(0);
  }

  /**
   * Enrolls a beneficiary (the key the app's `tokenKey` option returns for them) and queues their
   * first pass. Enrolling a parked beneficiary again (after a new login) resumes them;
   * `fromScratch` forgets the watermark, so the next pass is a full pull.
   */
  async enroll(tokenKey: string, options: { fromScratch?: boolean } = {}): Promise<void> {
    checkKey(tokenKey);
    const before = await this.state.read(tokenKey);
    // A watermark that did not fit this beneficiary's token cannot be used again.
    const fromScratch = options.fromScratch || before.parked?.reason === 'watermark-invalid';
    await this.state.enroll(tokenKey, fromScratch);
    await this.enqueuer.enqueue(tokenKey);
  }

  /** Stops syncing a beneficiary and forgets their watermark (passes already queued do nothing). */
  async unenroll(tokenKey: string): Promise<void> {
    checkKey(tokenKey);
    await this.state.unenroll(tokenKey);
  }

  /**
   * Runs a pass for this beneficiary now, ahead of scheduled ones, and resolves with its outcome
   * once it is done (watermark saved). A parked beneficiary resolves `{ status: 'parked' }` at
   * once; rejects with `SyncNotEnrolledError` for one never enrolled, and `SyncPassFailedError`
   * once every retry failed.
   */
  async syncNow(tokenKey: string): Promise<SyncPassResult> {
    checkKey(tokenKey);
    const record = await this.state.read(tokenKey);
    if (!record.enrolled) {
      if (record.parked) return { status: 'parked', reason: record.parked.reason };
      throw new SyncNotEnrolledError();
    }
    const events = await this.queueEvents();
    // A scheduled pass not started yet (e.g. enroll's first one) is moved ahead and awaited
    // rather than doubled; one already running is let finish first, so the two never overlap.
    const scheduled = await this.enqueuer.scheduledJob(tokenKey);
    const state = await scheduled?.getState();
    if (scheduled && state === 'active') await scheduled.waitUntilFinished(events).catch(() => 0);
    if (scheduled && (state === 'prioritized' || state === 'waiting')) {
      const moved = await scheduled.changePriority({ priority: 0 }).then(
        () => true,
        () => false, // it started meanwhile: run one of our own
      );
      if (moved) return outcome(scheduled, events);
    }
    return outcome(await this.enqueuer.enqueueNow(tokenKey), events);
  }

  /** Queues a pass for every enrolled beneficiary (what the schedule does); returns how many. */
  syncAll(): Promise<number> {
    return this.enqueuer.enqueueAll();
  }

  /** What is stored about one beneficiary. */
  async status(tokenKey: string): Promise<BeneficiarySyncStatus> {
    checkKey(tokenKey);
    const record = await this.state.read(tokenKey);
    const lastPass = (await this.state.lastPass(tokenKey)) as SyncPassSummary | undefined;
    return {
      enrolled: record.enrolled,
      ...(record.parked && {
        parked: {
          reason: record.parked.reason,
          parkedAt: new Date(record.parked.parkedAt).toISOString(),
        },
      }),
      ...(record.syncedAt && { syncedAt: new Date(record.syncedAt).toISOString() }),
      ...(lastPass && { lastPass }),
    };
  }

  /** How many are enrolled, parked and never synced, the oldest watermark's age, and the queue. */
  async stats(): Promise<SyncStats> {
    const counts = await this.state.counts();
    return {
      enrolled: counts.enrolled,
      parked: counts.parked,
      neverSynced: counts.neverSynced,
      ...(counts.oldestSyncedAt !== undefined && {
        oldestWatermarkAgeMs: Math.max(0, Date.now() - counts.oldestSyncedAt),
      }),
      jobs: await this.queue.getJobCounts(),
    };
  }

  /** Installs the schedule and starts this instance's worker, once the whole app has booted. */
  async onApplicationBootstrap(): Promise<void> {
    const { schedule } = this.config;
    if (schedule) {
      await this.queue.upsertJobScheduler(SYNC_SCHEDULER_ID, schedule, {
        name: SYNC_JOB.tick,
        opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      });
    }
    if (this.config.worker) {
      const worker = this.processor.worker;
      worker.on('error', error => this.logger.warn(`Sync worker: ${error.message}`));
      void worker.run().catch(error => this.logger.error(`Sync worker stopped: ${error}`));
    }
  }

  /** Closes the event listener `syncNow` opened (the worker and queue close themselves). */
  async onApplicationShutdown(): Promise<void> {
    await this.events?.close();
  }

  /** The queue's event stream, opened on first use (a blocking Redis connection of its own). */
  private async queueEvents(): Promise<QueueEvents> {
    if (!this.events) {
      this.events = new QueueEvents(BLUEBUTTON_SYNC_QUEUE, {
        connection: this.config.connection,
        prefix: this.config.prefix,
      });
      this.events.on('error', error => this.logger.warn(`Sync events: ${error.message}`));
    }
    await this.events.waitUntilReady();
    return this.events;
  }
}

/** What a pass job ended with; `SyncPassFailedError` once its retries are exhausted. */
async function outcome(job: Job, events: QueueEvents): Promise<SyncPassResult> {
  try {
    return (await job.waitUntilFinished(events)) as SyncPassResult;
  } catch (error) {
    throw new SyncPassFailedError(error instanceof Error ? error.message : String(error));
  }
}

function checkKey(tokenKey: string): void {
  if (typeof tokenKey !== 'string' || !tokenKey || tokenKey.length > TOKEN_KEY_MAX) {
    throw new BlueButtonConfigError(
      [
        {
          key: 'tokenKey',
          reason: `must be a non-empty string of at most ${TOKEN_KEY_MAX} characters: the key your tokenKey option returns for the user`,
        },
      ],
      undefined,
      'Invalid argument',
    );
  }
}
