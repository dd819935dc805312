import { Injectable } from '@nestjs/common';
import type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  Coverage,
  ExplanationOfBenefit,
  Patient,
} from 'fhir/r4.js';
import { concatMap, defer, from, reduce, type Observable } from 'rxjs';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { TokenRefresher } from '../auth/token-refresher.js';
import { BlueButtonClock } from '../common/clock.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import { BlueButtonHttp } from '../http/bluebutton-http.service.js';
import { retryWithBackoff } from '../http/retry.operator.js';
import { ApiUrls } from '../http/url-safety.js';
import { BlueButtonTelemetry } from '../telemetry/telemetry.js';
import { checkTokenVersion, STRICT_HANDLING } from './api-version.js';
import { expectedResourceType, FhirAnswers } from './fhir-answer.js';
import type { InsuranceCardBundle } from './insurance-card.js';
import {
  toSearchParams,
  type CommonSearchParams,
  type EobSearchParams,
  type FhirCallOptions,
  type FhirResource,
  type FhirResponse,
  type PageOptions,
  type UserInfo,
} from './fhir.types.js';
import { paginate } from './paginate.js';
import { syncPass } from './sync/sync-pass.js';
import type { SyncEvent, SyncOptions } from './sync/sync.types.js';
import { TokenStep, type Answer } from './token-step.js';

/** How one GET is made and checked, beyond its path and parameters. */
interface GetOptions extends FhirCallOptions {
  accept?: string;
  expected?: string;
  /** The call's name when only API v3 serves it. */
  v3Call?: string;
}

/**
 * Blue Button data access. Every call returns a cold `Observable<FhirResponse<T>>` carrying the
 * token in force afterwards. Calls retry idempotent failures with backoff, refresh an expiring token
 * first (and once more on a 401 `invalid_token`), and refuse to send the token anywhere but the
 * configured Blue Button origin, under its own API version's path (`/v{token.version}/`).
 */
@Injectable()
export class FhirService {
  private readonly answers = new FhirAnswers();
  private readonly urls: ApiUrls;
  private readonly tokens: TokenStep;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly http: BlueButtonHttp,
    refresher: TokenRefresher,
    private readonly telemetry: BlueButtonTelemetry,
    clock: BlueButtonClock,
  ) {
    this.urls = new ApiUrls(config);
    this.tokens = new TokenStep(config, refresher, this.answers, clock);
  }

  /** Searches the beneficiary's Patient resource (needs a Patient scope: demographics shared). */
  getPatientData(
    token: AuthorizationToken,
    params?: CommonSearchParams,
    options?: FhirCallOptions,
  ): Observable<FhirResponse<Bundle<Patient>>> {
    return this.get('fhir/Patient/', token, params, options);
  }

  /** Searches the beneficiary's Coverage resources (Parts A–D). */
  getCoverageData(
    token: AuthorizationToken,
    params?: CommonSearchParams,
    options?: FhirCallOptions,
  ): Observable<FhirResponse<Bundle<Coverage>>> {
    return this.get('fhir/Coverage/', token, params, options);
  }

  /** Searches the beneficiary's claims; filter with `type`, `service-date`, `_lastUpdated`. */
  getExplanationOfBenefitData(
    token: AuthorizationToken,
    params?: EobSearchParams,
    options?: FhirCallOptions,
  ): Observable<FhirResponse<Bundle<ExplanationOfBenefit>>> {
    return this.get('fhir/ExplanationOfBenefit/', token, params, options);
  }

  /** The OpenID Connect userinfo profile (needs the `profile` scope). */
  getProfileData(token: AuthorizationToken): Observable<FhirResponse<UserInfo>> {
    return this.get('connect/userinfo', token, undefined, { accept: 'application/json' });
  }

  /** Any path under the token's `/v{N}/` (e.g. `fhir/Coverage/part-a--…`) or an absolute URL on the configured origin. */
  getCustomData<T = unknown>(
    path: string,
    token: AuthorizationToken,
    params?: Record<string, CommonSearchParams[string]>,
    options?: FhirCallOptions,
  ): Observable<FhirResponse<T>> {
    return this.get(path, token, params, options);
  }

  /** The C4DIC digital insurance card Bundle (API v3; `toInsuranceCard()` lifts its fields). */
  getInsuranceCardData(token: AuthorizationToken): Observable<FhirResponse<InsuranceCardBundle>> {
    const path = 'fhir/Patient/$generate-insurance-card';
    return this.get(path, token, {}, { expected: 'Bundle', v3Call: 'getInsuranceCardData' });
  }

  /** The beneficiary's AuditEvents (API v3, for apps granted `patient/AuditEvent.rs`). */
  getAuditEventData(token: AuthorizationToken): Observable<FhirResponse<Bundle<AuditEvent>>> {
    return this.get('fhir/AuditEvent/', token, {}, { v3Call: 'getAuditEventData' });
  }

  /** Reads one AuditEvent by id (API v3, for apps granted `patient/AuditEvent.rs`). */
  readAuditEvent(id: string, token: AuthorizationToken): Observable<FhirResponse<AuditEvent>> {
    const path = `fhir/AuditEvent/${encodeURIComponent(id)}`;
    return this.get(path, token, {}, { v3Call: 'readAuditEvent' });
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
        { method: 'GET', url: this.urls.resolve('fhir/metadata').href },
        res => this.answers.read(res, 'CapabilityStatement') as CapabilityStatement,
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
    const pages$ = paginate(bundle, token, {
      fetchPage: (url, t) =>
        this.tokens.run<Bundle>(t, u => this.send(url, u, 'application/fhir+json', 'Bundle')),
      resolve: link => this.urls.resolve(link, token.version),
      concurrency: options.pageConcurrency ?? this.config.pageConcurrency,
      pageSize: options.pageSize,
      // The caller's own limit stops quietly; the module's cap is a safety net and says so.
      maxPages: options.maxPages ?? this.config.maxPages,
      failAtMaxPages: options.maxPages === undefined,
    }) as Observable<FhirResponse<T>>;
    return this.telemetry.tracePages('pagination', pages$, p => p.data.entry?.length ?? 0, true);
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

  /**
   * One incremental pass over the beneficiary's EOB, Coverage and (with the demographic scope)
   * Patient: every resource changed since `options.since`, then a `done` event carrying the next
   * watermark (see lib/fhir/sync/sync-pass.ts).
   */
  sync(token: AuthorizationToken, options?: SyncOptions): Observable<SyncEvent> {
    // The pass's searches are pagination passes of their own; the sync span sums their counts.
    return this.telemetry.tracePass('sync', syncPass(this, token, options), (pass, event) => {
      if (event.kind !== 'done') return;
      for (const r of Object.values(event.report)) pass.add(r.pages, r.changed);
    });
  }

  private get<T>(
    path: string,
    token: AuthorizationToken,
    params?: Record<string, CommonSearchParams[string]>,
    { accept = 'application/fhir+json', expected, strict, v3Call }: GetOptions = {},
  ): Observable<FhirResponse<T>> {
    return defer(() => {
      const url = this.urls.resolve(path, token.version);
      for (const [k, v] of toSearchParams(params)) url.searchParams.append(k, v);
      checkTokenVersion(token, url, v3Call);
      const resourceType = expected ?? expectedResourceType(url);
      return this.tokens.run<T>(token, t => this.send(url, t, accept, resourceType, strict));
    });
  }

  /** One GET attempt; non-2xx answers and bodies of the wrong shape become typed errors. */
  private send(
    url: URL,
    token: AuthorizationToken,
    accept: string,
    expected: string | undefined,
    strict = this.config.strict,
  ): Observable<Answer> {
    const prefer = strict ? STRICT_HANDLING : undefined;
    return this.http.send(
      { method: 'GET', url: url.href, bearer: token.accessToken, accept, prefer },
      res => ({ data: this.answers.read(res, expected), status: res.status }),
    );
  }
}
