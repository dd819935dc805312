import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { BLUEBUTTON_SYNC_QUEUE, SYNC_JOB } from './sync.constants.js';
import { SyncConfig } from './sync.options.js';
import { SyncState } from './sync-state.js';

/** The data of a pass job. */
export interface PassJobData {
  tokenKey: string;
}

/** About how many enrolled beneficiaries are read, and their jobs added, per round trip. */
const FAN_OUT_CHUNK = 500;
/** Scheduled passes wait behind `syncNow` ones (BullMQ runs jobs without priority first). */
const SCHEDULED_PRIORITY = 10;

/** Puts pass jobs on the queue. */
@Injectable()
export class SyncEnqueuer {
  /** Created by Nest. */
  constructor(
    @InjectQueue(BLUEBUTTON_SYNC_QUEUE) private readonly queue: Queue,
    private readonly state: SyncState,
    private readonly config: SyncConfig,
  ) {}

  /**
   * A scheduled pass for `tokenKey`, unless one is already waiting, running or retrying for them
   * (BullMQ deduplication by token key): schedules never pile up behind a slow beneficiary.
   */
  async enqueue(tokenKey: string): Promise<void> {
    await this.queue.add(SYNC_JOB.pass, { tokenKey }, this.scheduled(tokenKey));
  }

  /** A pass of its own for `tokenKey`, ahead of the scheduled ones (for `syncNow`). */
  enqueueNow(tokenKey: string): Promise<Job<PassJobData>> {
    return this.queue.add(SYNC_JOB.pass, { tokenKey }, this.common());
  }

  /** The scheduled pass queued or running for `tokenKey`, if any. */
  async scheduledJob(tokenKey: string): Promise<Job<PassJobData> | undefined> {
    const id = await this.queue.getDeduplicationJobId(`pass:${tokenKey}`);
    return id ? ((await this.queue.getJob(id)) as Job<PassJobData> | undefined) : undefined;
  }

  /** A scheduled pass for every enrolled beneficiary; returns how many were asked for. */
  async enqueueAll(): Promise<number> {
    const asked = new Set<string>();
    let cursor = '0';
    do {
      const step = await this.state.scan(cursor, FAN_OUT_CHUNK);
      cursor = step.cursor;
      const keys = step.keys.filter(k => !asked.has(k));
      for (const k of keys) asked.add(k);
      if (keys.length === 0) continue;
      await this.queue.addBulk(
        keys.map(tokenKey => ({
          name: SYNC_JOB.pass,
          data: { tokenKey },
          opts: this.scheduled(tokenKey),
        })),
      );
    } while (cursor !== '0');
    return asked.size;
  }

  private scheduled(tokenKey: string): JobsOptions {
    return {
      ...this.common(),
      priority: SCHEDULED_PRIORITY,
      deduplication: { id: `pass:${tokenKey}` },
    };
  }

  private common(): JobsOptions {
    return {
      attempts: this.config.attempts,
      backoff: { type: 'exponential', delay: this.config.backoffMs },
      // Finished jobs stay a while, so that `syncNow` can read the outcome of a fast pass.
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 86_400, count: 10_000 },
    };
  }
}
