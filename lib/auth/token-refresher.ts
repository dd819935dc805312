import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { LOG_CONTEXT } from '../common/bluebutton.constants.js';
import { BlueButtonClock } from '../common/clock.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import {
  BlueButtonError,
  OAuthError,
  ReauthorizationRequiredError,
  TokenRefreshError,
  UnexpectedResponseError,
  type ReauthorizationReason,
} from '../errors/bluebutton.errors.js';
import { BlueButtonHttp, type BlueButtonResponse } from '../http/bluebutton-http.service.js';
import { BlueButtonStore } from '../store/bluebutton.store.js';
import { BlueButtonTelemetry, type RefreshFlight } from '../telemetry/telemetry.js';
import { AuthorizationToken, type AuthorizationTokenJSON } from './authorization-token.js';
import { OAUTH_MAX_RESPONSE_BYTES, tokenFromAnswer } from './oauth-answers.js';
import { StoredTokens } from './stored-tokens.js';

/** What became of one refresh token, shared with every caller and every instance. */
type RefreshOutcome =
  | { token: AuthorizationTokenJSON }
  | { reauth: ReauthorizationReason; status?: number }
  | { transient: string; status?: number };

/** How long a refresh's outcome stays readable for late or remote callers of the same token. */
const OUTCOME_TTL_MS = 120_000;
/** A transient failure is shared only with the callers waiting right now; later calls may retry. */
const TRANSIENT_TTL_MS = 2_000;
/** Successful rotations are also remembered in process, in case the store fails right after the POST. */
const LOCAL_OUTCOME_TTL_MS = 10 * 60_000;
const LOCAL_OUTCOME_MAX = 10_000;
/** Extra lock lifetime beyond the POST's own timeout, so a lock never outlives a dead holder for long. */
export const LOCK_MARGIN_MS = 5_000;

/** The store key under which one refresh token's lock and shared outcome live. */
export function refreshOutcomeKey(refreshToken: string): string {
  return `refresh:${createHash('sha256').update(refreshToken).digest('base64url')}`;
}

/**
 * Refreshes tokens exactly once per refresh token. In this process, concurrent callers share one
 * promise; across processes, the store's lock elects one instance to POST while the others wait for
 * the outcome it records. With rotating refresh tokens a second POST would be rejected and log the
 * user out, so the POST is never repeated once it may have reached the server.
 */
@Injectable()
export class TokenRefresher {
  private readonly logger = new Logger(LOG_CONTEXT);
  private readonly inflight = new Map<string, RefreshFlight<AuthorizationToken>>();
  /** Rotations done by this process, by outcome key: never lost to a store outage. */
  private readonly rotated = new Map<string, { token: AuthorizationTokenJSON; until: number }>();

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly http: BlueButtonHttp,
    private readonly store: BlueButtonStore,
    private readonly storedTokens: StoredTokens,
    private readonly telemetry: BlueButtonTelemetry,
    private readonly clock: BlueButtonClock,
  ) {}

  /** The refreshed token; concurrent calls for the same refresh token get the same result. */
  refresh(token: AuthorizationToken): Promise<AuthorizationToken> {
    const refreshToken = token.refreshToken;
    if (!refreshToken) return Promise.reject(new ReauthorizationRequiredError('no-refresh-token'));
    const joined = this.inflight.get(refreshToken);
    if (joined) return joined.join();
    const flight = this.telemetry.refresh(() =>
      this.coordinated(token, refreshToken).finally(() => this.inflight.delete(refreshToken)),
    );
    this.inflight.set(refreshToken, flight);
    return flight.result;
  }

  private async coordinated(
    token: AuthorizationToken,
    refreshToken: string,
  ): Promise<AuthorizationToken> {
    const outcomeKey = refreshOutcomeKey(refreshToken);
    const local = this.rotated.get(outcomeKey);
    if (local && local.until > this.clock.now()) return this.adopt(token, { token: local.token });
    const deadline = this.clock.now() + this.config.timeoutMs + LOCK_MARGIN_MS;
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      const known = await this.store.get<RefreshOutcome>(outcomeKey);
      if (known) return this.adopt(token, known);
      const lock = await this.store.acquireLock(outcomeKey, this.config.timeoutMs + LOCK_MARGIN_MS);
      if (lock) {
        try {
          // The previous holder may have finished between our read and our lock.
          const settled = await this.store.get<RefreshOutcome>(outcomeKey);
          if (settled) return await this.adopt(token, settled);
          return await this.postAndRecord(token, refreshToken, outcomeKey);
        } finally {
          await this.store.releaseLock(outcomeKey, lock).catch(() => undefined);
        }
      }
      // The poll interval is real time; the bound is the clock's, so a test can move past it.
      if (this.clock.now() > deadline) {
        throw new TokenRefreshError(
          'another instance is refreshing this token and did not finish in time',
        );
      }
      await sleep(wait);
    }
  }

  /** Uses an outcome another caller (here or in another instance) already obtained. */
  private async adopt(
    previous: AuthorizationToken,
    outcome: RefreshOutcome,
  ): Promise<AuthorizationToken> {
    if ('token' in outcome) {
      // An outcome recorded by an instance of version 0.1 has no version: it is the old token's.
      const fresh = AuthorizationToken.fromJSON(outcome.token, {
        defaultVersion: previous.version,
      });
      await this.persist(previous, fresh);
      return fresh;
    }
    if ('reauth' in outcome) throw new ReauthorizationRequiredError(outcome.reauth, outcome.status);
    throw new TokenRefreshError(outcome.transient, outcome.status);
  }

  private async postAndRecord(
    token: AuthorizationToken,
    refreshToken: string,
    outcomeKey: string,
  ): Promise<AuthorizationToken> {
    let fresh: AuthorizationToken;
    try {
      fresh = await this.post(token, refreshToken);
    } catch (error) {
      // Sharing the failure is best effort: the caller must see the refresh's error, not the store's.
      const share = (work: () => Promise<unknown>) =>
        work().catch(e =>
          this.logger.warn(`Could not record the refresh failure in the store: ${describe(e)}`),
        );
      if (error instanceof ReauthorizationRequiredError) {
        this.logger.warn(`Token refresh refused: re-authorization required (${error.reason})`);
        const outcome: RefreshOutcome = { reauth: error.reason, status: error.status };
        await share(() => this.store.set(outcomeKey, outcome, { ttlMs: OUTCOME_TTL_MS }));
        await share(() => this.storedTokens.discard(token));
      } else if (error instanceof TokenRefreshError) {
        this.logger.warn(error.message);
        const outcome: RefreshOutcome = { transient: error.detail, status: error.status };
        await share(() => this.store.set(outcomeKey, outcome, { ttlMs: TRANSIENT_TTL_MS }));
      }
      throw error;
    }
    // The old refresh token is dead from here on: remember the new one in process before anything
    // that can fail, so a store outage now cannot strand the user with a revoked refresh token.
    this.remember(outcomeKey, fresh);
    this.logger.log(
      `Token refreshed; the new access token expires in ${Math.round(fresh.expiresIn)} s`,
    );
    try {
      await this.store.set<RefreshOutcome>(
        outcomeKey,
        { token: fresh.toJSON() },
        { ttlMs: OUTCOME_TTL_MS },
      );
    } catch (error) {
      this.logger.warn(
        `Token refreshed, but the outcome could not be shared through the store: ${describe(error)}`,
      );
    }
    await this.persist(token, fresh);
    return fresh;
  }

  /** Writes a refreshed token back where the old one was stored; a store failure is logged, not thrown. */
  private async persist(previous: AuthorizationToken, fresh: AuthorizationToken): Promise<void> {
    try {
      await this.storedTokens.replace(previous, fresh);
    } catch (error) {
      // The caller still gets the fresh token; the next use of the stale stored one adopts it again.
      this.logger.warn(
        `Refreshed token could not be written back to the store: ${describe(error)}`,
      );
    }
  }

  private remember(outcomeKey: string, fresh: AuthorizationToken): void {
    if (this.rotated.size >= LOCAL_OUTCOME_MAX) {
      const now = this.clock.now();
      for (const [key, entry] of this.rotated) if (entry.until <= now) this.rotated.delete(key);
      if (this.rotated.size >= LOCAL_OUTCOME_MAX)
        this.rotated.delete(this.rotated.keys().next().value!);
    }
    this.rotated.set(outcomeKey, {
      token: fresh.toJSON(),
      until: this.clock.now() + LOCAL_OUTCOME_TTL_MS,
    });
  }

  private async post(token: AuthorizationToken, refreshToken: string): Promise<AuthorizationToken> {
    const answer = this.http.send(
      {
        method: 'POST',
        url: `${this.config.apiBaseUrlFor(token.version)}/o/token/`,
        form: {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: this.config.clientId,
        },
        basicAuth: true,
        maxBytes: OAUTH_MAX_RESPONSE_BYTES,
      },
      res => {
        if (res.status !== 200) throw classifyRefreshFailure(res);
        if (res.data === undefined)
          throw new TokenRefreshError('the token endpoint answered 200 without JSON', 200);
        try {
          return tokenFromAnswer(res, token);
        } catch (error) {
          // An unusable 200 fails this refresh only; a non-Bearer token type stays an OAuthError.
          if (error instanceof UnexpectedResponseError)
            throw new TokenRefreshError(error.problem, 200);
          throw error;
        }
      },
    );
    try {
      return await firstValueFrom(answer);
    } catch (error) {
      if (
        error instanceof ReauthorizationRequiredError ||
        error instanceof TokenRefreshError ||
        error instanceof OAuthError
      )
        throw error;
      // Network failure, timeout or an oversized answer: the POST may have arrived, so it is not
      // repeated.
      throw new TokenRefreshError(
        error instanceof BlueButtonError ? error.message : 'network error',
      );
    }
  }
}

/**
 * Maps a refused refresh to the error it means: each status and `error` BB2's `TokenView`
 * answers with (https://github.com/CMSgov/bluebutton-web-server/blob/master/apps/dot_ext/views/authorization.py).
 */
export function classifyRefreshFailure(res: Pick<BlueButtonResponse, 'status' | 'body'>): Error {
  const body = (res.body ?? {}) as { error?: unknown; error_description?: unknown };
  const error = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  const reauth = (reason: ReauthorizationReason) =>
    new ReauthorizationRequiredError(reason, res.status);
  switch (true) {
    case res.status === 401 && error === 'invalid_grant':
      return reauth('grant-expired');
    case res.status === 403 && error === 'invalid_grant':
      return reauth('grant-not-found');
    case res.status === 403 && error === 'invalid_client':
      return reauth(/inactive/i.test(description) ? 'app-inactive' : 'one-time-app');
    case res.status === 400 &&
      (error === 'invalid_grant' || /refresh token not found/i.test(description)):
      return reauth('refresh-token-rejected');
    case res.status === 404:
      return reauth('grant-not-found');
    case res.status === 429 || res.status >= 500:
      return new TokenRefreshError(`Blue Button answered HTTP ${res.status}`, res.status);
    default:
      return new OAuthError(error ?? `http_${res.status}`, description || undefined, res.status);
  }
}

function describe(error: unknown): string {
  return error instanceof BlueButtonError
    ? error.code
    : error instanceof Error
      ? error.name
      : 'unknown error';
}
