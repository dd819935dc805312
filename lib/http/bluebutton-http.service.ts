import { HttpService } from '@nestjs/axios';
import { Injectable, Logger } from '@nestjs/common';
import type { AxiosError, AxiosResponse, RawAxiosRequestConfig } from 'axios';
import { Observable } from 'rxjs';
import { LOG_CONTEXT, SDK_HEADERS } from '../bluebutton.constants.js';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import { BlueButtonNetworkError, BlueButtonTimeoutError } from '../errors/bluebutton.errors.js';
import { safePath } from './redact.js';

/** One request to Blue Button. Headers are built fresh from these fields for every request. */
export interface BlueButtonRequest {
  method: 'GET' | 'POST';
  /** Absolute URL, query included. */
  url: string;
  /** Form fields, sent urlencoded. */
  form?: Record<string, string>;
  /** Access token for `Authorization: Bearer`. */
  bearer?: string;
  /** Authenticate as the client with HTTP Basic. */
  basicAuth?: boolean;
  /** `Accept` header. */
  accept?: string;
}

/** Blue Button's answer, whatever its status. */
export interface BlueButtonResponse {
  status: number;
  /** Response headers, lowercased. */
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: unknown;
  /** The raw body text. */
  text: string;
  /** True when the body claimed to be JSON (or looked like it) but did not parse. */
  malformedJson: boolean;
  /** When the response arrived (ms since epoch). */
  receivedAt: number;
  /** Method and redacted path, for messages. */
  method: string;
  path: string;
}

/**
 * The only place that talks to the network. It uses the module's own axios instance, sends the SDK
 * identification headers on every call, applies the per-attempt timeout, and turns every failure
 * into a typed error without the axios request config (which would carry the client secret).
 */
@Injectable()
export class BlueButtonHttp {
  private readonly logger = new Logger(LOG_CONTEXT);

  /** Created by Nest with the module's HttpService and configuration. */
  constructor(
    private readonly http: HttpService,
    private readonly config: BlueButtonConfig,
  ) {}

  /** Sends one request (cold: each subscription is one attempt; unsubscribing aborts it). */
  send(request: BlueButtonRequest): Observable<BlueButtonResponse> {
    return new Observable<BlueButtonResponse>(subscriber => {
      const path = safePath(request.url);
      const headers: Record<string, string> = {
        ...SDK_HEADERS,
        Accept: request.accept ?? 'application/json',
      };
      if (request.bearer) headers.Authorization = `Bearer ${request.bearer}`;
      if (request.basicAuth) {
        // RFC 6749 §2.3.1: each part form-urlencoded before Base64, as Blue Button (DOT) decodes them.
        const pair = `${formEncode(this.config.clientId)}:${formEncode(this.config.clientSecret)}`;
        headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      }
      let data: string | undefined;
      if (request.form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        data = new URLSearchParams(request.form).toString();
      }
      // One AbortController and one timer per attempt, straight on the module's axios instance:
      // HttpService.request() would add a CancelToken that it cancels after every completed
      // request (building a stack-captured CanceledError each time), and rxjs `timeout` a
      // scheduler action, for the same two jobs.
      const abort = new AbortController();
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        abort.abort();
        this.logger.warn(`${request.method} ${path} timed out after ${this.config.timeoutMs} ms`);
        subscriber.error(new BlueButtonTimeoutError(request.method, path, this.config.timeoutMs));
      }, this.config.timeoutMs);
      const started = Date.now();
      const config: RawAxiosRequestConfig = {
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
        signal: abort.signal,
      };
      this.http.axiosRef.request<string>(config).then(
        res => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          let response: BlueButtonResponse;
          try {
            response = this.toResponse(res, request.method, path, started);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          subscriber.error(this.toError(error, request.method, path));
        },
      );
      return () => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          abort.abort();
        }
      };
    });
  }

  private toResponse(
    res: AxiosResponse<string>,
    method: string,
    path: string,
    started: number,
  ): BlueButtonResponse {
    const receivedAt = Date.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) {
      if (v != null) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    const text = typeof res.data === 'string' ? res.data : '';
    const type = headers['content-type'] ?? '';
    let body: unknown;
    let malformedJson = false;
    const trimmed = text.trimStart();
    if (/json/i.test(type) || trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        body = trimmed ? JSON.parse(text) : undefined;
      } catch {
        malformedJson = true;
      }
    }
    if (Logger.isLevelEnabled('verbose')) {
      this.logger.verbose(`${method} ${path} → ${res.status} (${receivedAt - started} ms)`);
    }
    return { status: res.status, headers, body, text, malformedJson, receivedAt, method, path };
  }

  private toError(error: unknown, method: string, path: string): Error {
    const axiosError = error as AxiosError;
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
