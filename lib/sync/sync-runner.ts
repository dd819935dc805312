import { Injectable, Logger, Optional } from '@nestjs/common';
import { concatMap, filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { AuthService } from '../auth/auth.service.js';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { StoredTokens } from '../auth/stored-tokens.js';
import {
  BlueButtonError,
  FhirHttpError,
  ReauthorizationRequiredError,
} from '../errors/bluebutton.errors.js';
import { FhirService } from '../fhir/fhir.service.js';
import { SYNC_PAGE_SIZE } from '../fhir/sync/sync-pass.js';
import { SyncWatermarkError } from '../fhir/sync/sync.errors.js';
import type { SyncDoneEvent } from '../fhir/sync/sync.types.js';
import { inBatches } from './batches.js';
import {
  ClaimsSink,
  type ParkReason,
  type SyncPassInfo,
  type SyncPassSummary,
} from './claims-sink.js';
import { SYNC_LOG_CONTEXT, tokenStoreKey } from './sync.constants.js';
import { SyncConfig } from './sync.options.js';
import { SyncState, type ParkedRecord } from './sync-state.js';

/** How a pass ended (the job's return value, and what `syncNow` resolves with). */
export type SyncPassResult =
  | { status: 'synced'; summary: SyncPassSummary }
  | { status: 'parked'; reason: ParkReason }
  | { status: 'not-enrolled' };

/** Blue Button refused the token again right after a successful refresh. */
class AccessRefused extends Error {}

/**
 * Runs one beneficiary's pass: loads their token from the store (so a refresh is single-flight
 * across instances and written back), runs `FhirService.sync()` from the saved watermark, hands
 * the resources to the sink batch by batch, and saves the new watermark only once the sink has
 * them all. Parks the beneficiary when the token is gone or can no longer be used; lets every
 * other error through, for BullMQ to retry with backoff.
 */
@Injectable()
export class SyncRunner {
  private readonly logger = new Logger(SYNC_LOG_CONTEXT);

  /** Created by Nest. */
  constructor(
    private readonly fhir: FhirService,
    private readonly auth: AuthService,
    private readonly tokens: StoredTokens,
    private readonly state: SyncState,
    private readonly config: SyncConfig,
    // Absent on an instance that runs no worker (it only enrolls): the processor checks.
    @Optional() private readonly sink: ClaimsSink,
  ) {}

  /** One pass for `tokenKey`. */
  async run(tokenKey: string, pass: SyncPassInfo): Promise<SyncPassResult> {
    const record = await this.state.read(tokenKey);
    if (!record.enrolled) {
      // A parking whose hook has not been heard yet (a crash in between): tell the sink now.
      if (record.parked && !record.parked.notified) await this.notify(tokenKey, record.parked);
      return record.parked
        ? { status: 'parked', reason: record.parked.reason }
        : { status: 'not-enrolled' };
    }
    const token = await this.tokens.load(tokenStoreKey(tokenKey));
    if (!token) return this.park(tokenKey, 'token-missing');
    try {
      const summary = await this.refusalChecked(tokenKey, token, record.watermark, pass);
      return { status: 'synced', summary };
    } catch (error) {
      const reason = parkReason(error);
      if (reason) return this.park(tokenKey, reason);
      throw error;
    }
  }

  /**
   * BB2 answers 401 when the 13-month grant has timed out and 403 when it was revoked, without
   * the `invalid_token` challenge that makes FhirService refresh on its own. One refresh tells a
   * dead grant (`ReauthorizationRequiredError`) from a token that just needed renewing.
   */
  private async refusalChecked(
    tokenKey: string,
    token: AuthorizationToken,
    since: string | undefined,
    pass: SyncPassInfo,
  ): Promise<SyncPassSummary> {
    try {
      return await this.deliver(tokenKey, token, since, pass);
    } catch (error) {
      if (!isRefusal(error) || !token.canRefresh) throw error;
    }
    const fresh = await firstValueFrom(this.auth.refreshAuthToken(token));
    try {
      return await this.deliver(tokenKey, fresh, since, pass);
    } catch (error) {
      throw isRefusal(error) ? new AccessRefused() : error;
    }
  }

  /** The pass proper: sync, upsert batch by batch, then save the watermark. */
  private async deliver(
    tokenKey: string,
    token: AuthorizationToken,
    since: string | undefined,
    pass: SyncPassInfo,
  ): Promise<SyncPassSummary> {
    const started = Date.now();
    let upserted = 0;
    let batches = 0;
    const done = await lastValueFrom(
      this.fhir.sync(token, { ...this.config.pass, since }).pipe(
        inBatches(SYNC_PAGE_SIZE),
        concatMap(async item => {
          if (item.kind === 'done') return item;
          await this.sink.upsert(tokenKey, item.resources, {
            resourceType: item.resourceType,
            pass,
          });
          upserted += item.resources.length;
          batches++;
          return undefined;
        }),
        filter((item): item is SyncDoneEvent => item !== undefined),
      ),
    );
    const finished = Date.now();
    const summary: SyncPassSummary = {
      pass,
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      report: done.report,
      skipped: done.skipped,
      upserted,
      batches,
    };
    // Only now, with every batch stored: a crash before this line redoes the pass.
    const saved = await this.state.save(tokenKey, done.watermark, started, summary);
    if (!saved) this.logger.debug('A pass finished for a beneficiary no longer enrolled');
    this.logger.debug(
      `Pass done: ${upserted} resources in ${batches} batches, ` +
        `${Object.values(done.report).reduce((n, r) => n + r.pages, 0)} requests, ${summary.durationMs} ms`,
    );
    await this.hook('onPassComplete', () => this.sink.onPassComplete?.(tokenKey, summary));
    return summary;
  }

  /** Parks the beneficiary and tells the sink (once per parking). */
  private async park(tokenKey: string, reason: ParkReason): Promise<SyncPassResult> {
    const parked = await this.state.park(tokenKey, reason);
    if (parked) {
      this.logger.warn(`A beneficiary was parked (${reason}); enroll them again after a new login`);
      await this.notify(tokenKey, {
        reason,
        parkedAt: Date.parse(parked.parkedAt),
        notified: false,
      });
    }
    return { status: 'parked', reason };
  }

  /** Calls `onParked`; a rejection fails the job, so that a retry calls it again. */
  private async notify(tokenKey: string, record: ParkedRecord): Promise<void> {
    await this.sink.onParked?.(tokenKey, {
      reason: record.reason,
      parkedAt: new Date(record.parkedAt).toISOString(),
    });
    await this.state.notified(tokenKey, record);
  }

  /** Runs a hook whose failure must not undo a saved pass: logged, not thrown. */
  private async hook(name: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.logger.warn(`ClaimsSink.${name} failed: ${describe(error)}`);
    }
  }
}

/** 401 or 403 from a FHIR search. */
function isRefusal(error: unknown): boolean {
  return error instanceof FhirHttpError && (error.status === 401 || error.status === 403);
}

/** Why an error parks the beneficiary, or undefined when it is worth retrying. */
function parkReason(error: unknown): ParkReason | undefined {
  if (error instanceof ReauthorizationRequiredError) return error.reason;
  if (error instanceof SyncWatermarkError) return 'watermark-invalid';
  if (error instanceof AccessRefused) return 'access-refused';
  return undefined;
}

/** A log-safe name for an error (app errors may carry anything in their message). */
function describe(error: unknown): string {
  if (error instanceof BlueButtonError) return error.code;
  return error instanceof Error ? error.name : 'unknown error';
}
