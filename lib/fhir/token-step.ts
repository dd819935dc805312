import { catchError, defer, map, mergeMap, of, throwError, type Observable } from 'rxjs';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import type { TokenRefresher } from '../auth/token-refresher.js';
import type { BlueButtonClock } from '../common/clock.js';
import type { BlueButtonConfig } from '../config/bluebutton-config.js';
import { ReauthorizationRequiredError, TokenRefreshError } from '../errors/bluebutton.errors.js';
import { retryWithBackoff } from '../http/retry.operator.js';
import type { FhirAnswers } from './fhir-answer.js';
import type { FhirResponse } from './fhir.types.js';

/** One successful GET: the checked data and its status. */
export interface Answer {
  data: unknown;
  status: number;
}

/**
 * The token-refresh step around a request: refresh first when the token expires within the skew,
 * retry with backoff, and on a 401 `invalid_token` refresh once and replay once. Refreshes go
 * through `TokenRefresher`, so concurrent calls on one token share a single POST.
 */
export class TokenStep {
  /**
   * Reads the configuration, refreshes through `refresher`, asks `answers` which 401s to replay and
   * `clock` whether a token has expired.
   */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly refresher: TokenRefresher,
    private readonly answers: FhirAnswers,
    private readonly clock: BlueButtonClock,
  ) {}

  /** `send` with a usable token; the answer carries the token in force afterwards. */
  run<T>(
    token: AuthorizationToken,
    send: (t: AuthorizationToken) => Observable<Answer>,
  ): Observable<FhirResponse<T>> {
    let current = token;
    const attempt = (t: AuthorizationToken) => {
      current = t;
      return send(t).pipe(retryWithBackoff(this.config.retrySettings));
    };
    return this.startToken(token).pipe(
      mergeMap(t =>
        attempt(t).pipe(
          catchError(error =>
            this.worthReplay(current, error)
              ? this.refresh(current).pipe(mergeMap(attempt))
              : throwError(() => error),
          ),
        ),
      ),
      map(res => ({ token: current, data: res.data as T, status: res.status })),
    );
  }

  /** The token to send first: refreshed ahead of time when it expires within the skew. */
  private startToken(token: AuthorizationToken): Observable<AuthorizationToken> {
    const expired = (skewMs = 0) => token.isExpired(skewMs, this.clock.now());
    if (!this.config.tokenRefreshOnExpire || !expired(this.config.refreshSkewMs)) return of(token);
    if (token.canRefresh) {
      return this.refresh(token).pipe(
        // Inside the skew but not yet expired: a transient refresh failure need not fail the call.
        catchError(e =>
          e instanceof TokenRefreshError && !expired() ? of(token) : throwError(() => e),
        ),
      );
    }
    return expired()
      ? throwError(() => new ReauthorizationRequiredError('no-refresh-token'))
      : of(token);
  }

  /** A 401 `invalid_token` on a token that can be refreshed: refresh once and replay once. */
  private worthReplay(token: AuthorizationToken, error: unknown): boolean {
    return (
      this.config.tokenRefreshOnExpire && token.canRefresh && this.answers.isInvalidToken(error)
    );
  }

  private refresh(token: AuthorizationToken): Observable<AuthorizationToken> {
    return defer(() => this.refresher.refresh(token));
  }
}
