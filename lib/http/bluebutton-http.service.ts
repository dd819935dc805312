import { HttpService } from '@nestjs/axios';
import { Injectable, Logger } from '@nestjs/common';
import type { AxiosError, AxiosResponse, RawAxiosRequestConfig } from 'axios';
import { Observable } from 'rxjs';
import { LOG_CONTEXT, SDK_HEADERS } from '../common/bluebutton.constants.js';
import { BlueButtonClock } from '../common/clock.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import {
  BlueButtonNetworkError,
  BlueButtonTimeoutError,
  ResponseTooLargeError,
} from '../errors/bluebutton.errors.js';
import { BlueButtonTelemetry } from '../telemetry/telemetry.js';
import { takeResend } from '../telemetry/resend.js';
import { BlueButtonResponse } from './bluebutton-response.js';
import { safePath } from '../common/redact.js';
import { Scrubber } from './scrubber.js';

export { BlueButtonResponse } from './bluebutton-response.js';

/** One request to Blue Button. Headers are built fresh from these fields for every request. */
export interface BlueButtonRequest {
  method: 'GET' | 'POST';
  /** Absolute URL, query included. */
  url: string;
  /** Form fields, sent urlencoded. Every value is a secret except those of {@link PUBLIC_FORM_FIELDS}. */
  form?: Record<string, string>;
  /** Access token for `Authorization: Bearer`. */
  bearer?: string;
  /** Authenticate as the client with HTTP Basic. */
  basicAuth?: boolean;
  /** `Accept` header. */
  accept?: string;
  /** `Prefer` header, e.g. `handling=strict`. */
  prefer?: string;
  /** A tighter bound than `maxResponseBytes` for answers known to be small (OAuth endpoints). */
  maxBytes?: number;
}

/** Form fields that carry no credential, so they may appear in messages. */
export const PUBLIC_FORM_FIELDS: ReadonlySet<string> = new Set([
  'grant_type',
  'client_id',
  'redirect_uri',
  'token_type_hint',
]);

/**
 * The only place that talks to the network. It uses the module's own axios instance, sends the SDK
 * identification headers on every call, applies the per-attempt timeout and the response size
 * limit, and turns every failure into a typed error without the axios request config (which would
 * carry the client secret). It is also where secrets are scrubbed: it knows what each request sent,
 * so every error leaving a request — from the transport or from interpreting the answer — is
 * scrubbed of those values here, once, whoever built it.
 */
@Injectable()
export class BlueButtonHttp {
  private readonly logger = new Logger(LOG_CONTEXT);

  /** Created by Nest with the module's HttpService and configuration. */
  constructor(
    private readonly http: HttpService,
    private readonly config: BlueButtonConfig,
    private readonly telemetry: BlueButtonTelemetry,
    private readonly clock: BlueButtonClock,
  ) {}

  /**
   * Sends one request and interprets its answer with `interpret` (cold: each subscription is one
   * attempt; unsubscribing aborts it). Whatever `interpret` or the transport throws reaches the
   * subscriber scrubbed of every value the request sent.
   */
  send<T>(request: BlueButtonRequest, interpret: (res: BlueButtonResponse) => T): Observable<T> {
    return new Observable<T>(subscriber => {
      const call = this.telemetry.http(request.method, request.url, takeResend());
      const path = safePath(request.url);
      const scrubber = this.scrubberFor(request);
      const fail = (error: unknown, status?: number) => {
        call.end(status, error);
        subscriber.error(scrubber.error(error));
      };
      const maxBytes = Math.min(request.maxBytes ?? Infinity, this.config.maxResponseBytes);
      // One AbortController and one timer per attempt, straight on the module's axios instance:
      // HttpService.request() would add a CancelToken that it cancels after every completed
      // request (building a stack-captured CanceledError each time), and rxjs `timeout` a
      // scheduler action, for the same two jobs.
      const abort = new AbortController();
      const config = this.axiosConfig(request, maxBytes, abort.signal);
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        abort.abort();
        this.logger.warn(`${request.method} ${path} timed out after ${this.config.timeoutMs} ms`);
        fail(new BlueButtonTimeoutError(request.method, path, this.config.timeoutMs));
      }, this.config.timeoutMs);
      const started = Date.now();
      // Sent with the attempt's span active, so spans of lower-level instrumentations nest in it.
      const response = call.run(() => this.http.axiosRef.request<string>(config));
      response.then(
        res => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          let result: T;
          try {
            result = interpret(this.toResponse(res, request.method, path, started, scrubber));
          } catch (error) {
            fail(error, res.status);
            return;
          }
          call.end(res.status);
          subscriber.next(result);
          subscriber.complete();
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fail(this.toError(error, request.method, path, maxBytes));
        },
      );
      return () => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          abort.abort();
          call.end(undefined, 'cancelled');
        }
      };
    });
  }

  /** The axios request of one attempt: headers built fresh from `request`, the body bounded. */
  private axiosConfig(
    request: BlueButtonRequest,
    maxBytes: number,
    signal: AbortSignal,
  ): RawAxiosRequestConfig {
    const headers: Record<string, string> = {
      ...SDK_HEADERS,
      Accept: request.accept ?? 'application/json',
    };
    if (request.prefer) headers.Prefer = request.prefer;
    if (request.bearer) headers.Authorization = `Bearer ${request.bearer}`;
    if (request.basicAuth) headers.Authorization = `Basic ${this.basicCredentials()}`;
    let data: string | undefined;
    if (request.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      data = new URLSearchParams(request.form).toString();
    }
    return {
      method: request.method,
      url: request.url,
      data,
      headers,
      responseType: 'text',
      // Keep the raw text: a 200 with an HTML page or truncated JSON must become a clear error.
      transformResponse: [(raw: unknown) => raw],
      validateStatus: () => true,
      maxRedirects: 0,
      decompress: true,
      // axios counts the *decompressed* chunks against this as they stream in and aborts the
      // response past it, so a gzip bomb or an endless chunked body costs at most this much.
      maxContentLength: maxBytes,
      signal,
    };
  }

  /** Every value this request sends that could be echoed back: the client secret always. */
  private scrubberFor(request: BlueButtonRequest): Scrubber {
    const secrets = [this.config.clientSecret, request.bearer];
    for (const [field, value] of Object.entries(request.form ?? {})) {
      if (!PUBLIC_FORM_FIELDS.has(field)) secrets.push(value);
    }
    if (request.basicAuth) secrets.push(this.basicCredentials());
    return new Scrubber(secrets);
  }

  /** The Base64 of HTTP Basic: RFC 6749 §2.3.1 form-encodes each part first, as DOT decodes them. */
  private basicCredentials(): string {
    const pair = `${formEncode(this.config.clientId)}:${formEncode(this.config.clientSecret)}`;
    return Buffer.from(pair).toString('base64');
  }

  private toResponse(
    res: AxiosResponse<string>,
    method: string,
    path: string,
    started: number,
    scrubber: Scrubber,
  ): BlueButtonResponse {
    // On the module's clock: a token's expiresAt counts from here.
    const receivedAt = this.clock.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) {
      if (v != null) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    const text = typeof res.data === 'string' ? res.data : '';
    if (Logger.isLevelEnabled('verbose')) {
      this.logger.verbose(`${method} ${path} → ${res.status} (${Date.now() - started} ms)`);
    }
    return new BlueButtonResponse(res.status, headers, text, receivedAt, method, path, scrubber);
  }

  private toError(error: unknown, method: string, path: string, maxBytes: number): Error {
    const axiosError = error as AxiosError;
    if (axiosError?.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(axiosError.message)) {
      this.logger.warn(`${method} ${path} answered more than ${maxBytes} bytes; not read further`);
      return new ResponseTooLargeError(method, path, maxBytes);
    }
    const reason = axiosError?.code ?? (error instanceof Error ? error.message : 'unknown error');
    if (reason === 'ECONNABORTED' || reason === 'ETIMEDOUT') {
      return new BlueButtonTimeoutError(method, path, this.config.timeoutMs);
    }
    this.logger.warn(`${method} ${path} failed: ${reason}`);
    // Deliberately no `cause`: the axios error holds the request config with the credentials.
    return new BlueButtonNetworkError(method, path, reason);
  }
}

/** `application/x-www-form-urlencoded` form of one value (space as `+`). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
