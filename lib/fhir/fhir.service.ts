import { Injectable } from '@nestjs/common';
import type {
  Bundle,
  CapabilityStatement,
  Coverage,
  ExplanationOfBenefit,
  Patient,
} from 'fhir/r4.js';
import {
  catchError,
  concatMap,
  defer,
  from,
  map,
  mergeMap,
  of,
  reduce,
  throwError,
  type Observable,
} from 'rxjs';
import { AuthService } from '../auth/auth.service.js';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import {
  BlueButtonConfigError,
  FhirHttpError,
  ReauthorizationRequiredError,
  TokenRefreshError,
} from '../errors/bluebutton.errors.js';
import { BlueButtonHttp } from '../http/bluebutton-http.service.js';
import { retryWithBackoff } from '../http/retry.operator.js';
import { resolveApiUrl } from '../http/url-safety.js';
import { expectedResourceType, fhirAnswer, invalidTokenErrors } from './fhir-answer.js';
import {
  toSearchParams,
  type CommonSearchParams,
  type EobSearchParams,
  type FhirResource,
  type FhirResponse,
  type PageOptions,
  type UserInfo,
} from './fhir.types.js';
import { paginate } from './paginate.js';

/** One successful GET: the checked data and its status. */
interface Answer {
  data: unknown;
  status: number;
}

/**
 * Blue Button data access. Every call returns a cold `Observable<FhirResponse<T>>` carrying the
 * token in force afterwards. Calls retry idempotent failures with backoff, refresh an expiring token
 * first (and once more on a 401 `invalid_token`), and refuse to send the token anywhere but the
 * configured Blue Button origin.
 */
@Injectable()
export class FhirService {
  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly http: BlueButtonHttp,
    private readonly auth: AuthService,
  ) {}

  /** Searches the beneficiary's Patient resource (needs a Patient scope: demographics shared). */
  getPatientData(
    token: AuthorizationToken,
    params?: CommonSearchParams,
  ): Observable<FhirResponse<Bundle<Patient>>> {
    return this.get('fhir/Patient/', token, params);
  }

  /** Searches the beneficiary's Coverage resources (Parts A–D). */
  getCoverageData(
    token: AuthorizationToken,
    params?: CommonSearchParams,
  ): Observable<FhirResponse<Bundle<Coverage>>> {
    return this.get('fhir/Coverage/', token, params);
  }

  /** Searches the beneficiary's claims; filter with `type`, `service-date`, `_lastUpdated`. */
  getExplanationOfBenefitData(
    token: AuthorizationToken,
    params?: EobSearchParams,
  ): Observable<FhirResponse<Bundle<ExplanationOfBenefit>>> {
    return this.get('fhir/ExplanationOfBenefit/', token, params);
  }

  /** The OpenID Connect userinfo profile (needs the `profile` scope). */
  getProfileData(token: AuthorizationToken): Observable<FhirResponse<UserInfo>> {
    return this.get('connect/userinfo', token, undefined, { accept: 'application/json' });
  }

  /** Any path under `/v{N}/` (e.g. `fhir/Coverage/part-a--…`) or an absolute URL on the configured origin. */
  getCustomData<T = unknown>(
    path: string,
    token: AuthorizationToken,
    params?: Record<string, CommonSearchParams[string]>,
  ): Observable<FhirResponse<T>> {
    return this.get(path, token, params);
  }

  /** The CARIN digital insurance card Bundle (API v3 only). */
  getInsuranceCardData(token: AuthorizationToken): Observable<FhirResponse<Bundle>> {
    if (this.config.version !== 3) {
      return throwError(
        () =>
          new BlueButtonConfigError([
            {
              key: 'version',
              reason: `getInsuranceCardData needs API version 3 (this module is configured for version ${this.config.version})`,
            },
          ]),
      );
    }
    return this.get('fhir/Patient/$generate-insurance-card', token, undefined, {
      expected: 'Bundle',
    });
  }

  /** Reads one Patient by id (only the token's own beneficiary is readable). */
  readPatient(id: string, token: AuthorizationToken): Observable<FhirResponse<Patient>> {
    return this.get(`fhir/Patient/${encodeURIComponent(id)}`, token);
  }

  /** Reads one Coverage by id, e.g. `part-a--19990000000001`. */
  readCoverage(id: string, token: AuthorizationToken): Observable<FhirResponse<Coverage>> {
    return this.get(`fhir/Coverage/${encodeURIComponent(id)}`, token);
  }

  /** Reads one ExplanationOfBenefit by id, e.g. `carrier--10344810963`. */
  readExplanationOfBenefit(
    id: string,
    token: AuthorizationToken,
  ): Observable<FhirResponse<ExplanationOfBenefit>> {
    return this.get(`fhir/ExplanationOfBenefit/${encodeURIComponent(id)}`, token);
  }

  /** The server's CapabilityStatement (no token needed). */
  getCapabilityStatement(): Observable<CapabilityStatement> {
    return defer(() =>
      this.http.send(
        { method: 'GET', url: resolveApiUrl('fhir/metadata', this.config).href },
        res => fhirAnswer(res, 'CapabilityStatement') as CapabilityStatement,
      ),
    ).pipe(retryWithBackoff(this.config.retrySettings));
  }

  /**
   * The first page plus every following page, in order, with the token in force at the end (the
   * seed's `get_pages`). Fetches `pageConcurrency` pages at once; prefer `pages()`/`resources()` for
   * long histories, which stream with bounded memory.
   */
  getPages<T extends Bundle = Bundle>(
    bundle: T,
    token: AuthorizationToken,
    options?: PageOptions,
  ): Observable<{ pages: T[]; token: AuthorizationToken }> {
    return this.pages(bundle, token, options).pipe(
      reduce(
        (acc, page) => {
          acc.pages.push(page.data);
          acc.token = page.token;
          return acc;
        },
        { pages: [] as T[], token },
      ),
    );
  }

  /** Streams the first page and every following page, in order, each with the token in force. */
  pages<T extends Bundle = Bundle>(
    bundle: T,
    token: AuthorizationToken,
    options: PageOptions = {},
  ): Observable<FhirResponse<T>> {
    return paginate(bundle, token, {
      fetchPage: (url, t) =>
        this.withToken<Bundle>(t, u => this.send(url, u, 'application/fhir+json', 'Bundle')),
      resolve: link => resolveApiUrl(link, this.config),
      concurrency: options.pageConcurrency ?? this.config.pageConcurrency,
      pageSize: options.pageSize,
      // The caller's own limit stops quietly; the module's cap is a safety net and says so.
      maxPages: options.maxPages ?? this.config.maxPages,
      failAtMaxPages: options.maxPages === undefined,
    }) as Observable<FhirResponse<T>>;
  }

  /** Streams every resource of every page, in order, with bounded memory. */
  resources<R = NonNullable<NonNullable<Bundle['entry']>[number]['resource']>>(
    bundle: Bundle,
    token: AuthorizationToken,
    options?: PageOptions,
  ): Observable<FhirResource<R>> {
    return this.pages(bundle, token, options).pipe(
      concatMap(page =>
        from((page.data.entry ?? []).map(e => ({ resource: e.resource as R, token: page.token }))),
      ),
    );
  }

  private get<T>(
    path: string,
    token: AuthorizationToken,
    params?: Record<string, CommonSearchParams[string]>,
    { accept = 'application/fhir+json', expected }: { accept?: string; expected?: string } = {},
  ): Observable<FhirResponse<T>> {
    return defer(() => {
      const url = resolveApiUrl(path, this.config);
      for (const [k, v] of toSearchParams(params)) url.searchParams.append(k, v);
      const resourceType = expected ?? expectedResourceType(url);
      return this.withToken<T>(token, t => this.send(url, t, accept, resourceType));
    });
  }

  /** One GET attempt; non-2xx answers and bodies of the wrong shape become typed errors. */
  private send(
    url: URL,
    token: AuthorizationToken,
    accept: string,
    expected: string | undefined,
  ): Observable<Answer> {
    return this.http.send(
      { method: 'GET', url: url.href, bearer: token.accessToken, accept },
      res => ({ data: fhirAnswer(res, expected), status: res.status }),
    );
  }

  /**
   * The token-refresh step around a request: refresh first when the token expires within the skew,
   * retry with backoff, and on a 401 `invalid_token` refresh once and replay once. Refreshes go
   * through `AuthService.refreshAuthToken`, so concurrent calls on one token share a single POST.
   */
  private withToken<T>(
    token: AuthorizationToken,
    send: (t: AuthorizationToken) => Observable<Answer>,
  ): Observable<FhirResponse<T>> {
    const auto = this.config.tokenRefreshOnExpire;
    let current = token;
    const attempt = (t: AuthorizationToken) => {
      current = t;
      return send(t).pipe(retryWithBackoff(this.config.retrySettings));
    };
    let start: Observable<AuthorizationToken> = of(token);
    if (auto && token.isExpired(this.config.refreshSkewMs)) {
      if (token.canRefresh) {
        start = this.auth.refreshAuthToken(token).pipe(
          // Inside the skew but not yet expired: a transient refresh failure need not fail the call.
          catchError(e =>
            e instanceof TokenRefreshError && !token.isExpired() ? of(token) : throwError(() => e),
          ),
        );
      } else if (token.isExpired()) {
        return throwError(() => new ReauthorizationRequiredError('no-refresh-token'));
      }
    }
    return start.pipe(
      mergeMap(t =>
        attempt(t).pipe(
          catchError(error => {
            if (
              auto &&
              current.canRefresh &&
              error instanceof FhirHttpError &&
              invalidTokenErrors.has(error)
            ) {
              return this.auth.refreshAuthToken(current).pipe(mergeMap(attempt));
            }
            return throwError(() => error);
          }),
        ),
      ),
      map(res => ({ token: current, data: res.data as T, status: res.status })),
    );
  }
}
