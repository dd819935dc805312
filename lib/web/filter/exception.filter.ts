import { Catch, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiVersionMismatchError } from '../../errors/api-version.error.js';
import {
  AuthorizationDeniedError,
  BlueButtonError,
  BlueButtonNetworkError,
  BlueButtonStoreError,
  BlueButtonTimeoutError,
  FhirHttpError,
  ReauthorizationRequiredError,
  StateMismatchError,
  TokenRefreshError,
} from '../../errors/bluebutton.errors.js';
import { findRequestContext } from '../sessions/request-context.js';

/** How `BlueButtonExceptionFilter` answers one error (override `answerFor` to change it). */
export interface BlueButtonErrorAnswer {
  /** HTTP status to send. */
  status: number;
  /** Public message, safe to show. */
  message: string;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Whether to include the login URL (the user must connect again). */
  login?: boolean;
}

/**
 * Opt-in filter mapping the package's errors to HTTP answers without leaking internals:
 * re-authorization → 401 with `loginUrl`, Blue Button 5xx → 502, timeouts → 504, and so on.
 * Register it as an `APP_FILTER`, with `@UseFilters(BlueButtonExceptionFilter)`, or with
 * `app.useGlobalFilters(new BlueButtonExceptionFilter(app.get(HttpAdapterHost)))`. It answers
 * through the app's HTTP adapter, so Express and Fastify give the same answer.
 */
@Catch(BlueButtonError)
export class BlueButtonExceptionFilter implements ExceptionFilter<BlueButtonError> {
  /**
   * Created by Nest, or by you with the app's `HttpAdapterHost`. Created without one, it answers
   * through the adapter the context middleware saw (on the routes it runs on).
   */
  constructor(@Optional() protected readonly adapterHost?: HttpAdapterHost) {}

  /** Writes the JSON answer for `error`. */
  catch(error: BlueButtonError, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const context = findRequestContext(http.getRequest());
    const adapter = this.adapterHost?.httpAdapter ?? context?.httpAdapter;
    if (!adapter) {
      throw new Error(
        'BlueButtonExceptionFilter has no HTTP adapter: register it as an APP_FILTER, or create it with new BlueButtonExceptionFilter(app.get(HttpAdapterHost)).',
      );
    }
    const answer = this.answerFor(error);
    const loginUrl = answer.login ? context?.loginUrl : undefined;
    const body = {
      statusCode: answer.status,
      error: error.code,
      message: answer.message,
      ...(loginUrl && { loginUrl }),
    };
    const res = http.getResponse<unknown>();
    for (const [k, v] of Object.entries(answer.headers ?? {})) adapter.setHeader(res, k, v);
    adapter.reply(res, body, answer.status);
  }

  /** The status and public message for an error; override to customise. */
  protected answerFor(error: BlueButtonError): BlueButtonErrorAnswer {
    if (error instanceof ReauthorizationRequiredError) {
      return {
        status: 401,
        message: 'Your Medicare connection has ended. Please connect again.',
        login: true,
      };
    }
    if (error instanceof AuthorizationDeniedError) return { status: 403, message: error.message };
    if (error instanceof ApiVersionMismatchError) {
      // The connection, not the request, is of the wrong version. The login route connects through
      // the configured version, which may not be the one needed: no login link here.
      return {
        status: 403,
        message: `This needs a Medicare connection made through Blue Button API v${error.requiredVersion}; this one uses API v${error.tokenVersion}.`,
      };
    }
    if (error instanceof StateMismatchError)
      return {
        status: 400,
        message: 'This login link is no longer valid. Please start again.',
        login: true,
      };
    if (error instanceof BlueButtonTimeoutError)
      return { status: 504, message: 'Blue Button did not answer in time.' };
    if (error instanceof TokenRefreshError || error instanceof BlueButtonStoreError) {
      return {
        status: 503,
        message: 'Medicare data is temporarily unavailable. Please try again.',
      };
    }
    if (error instanceof BlueButtonNetworkError)
      return { status: 502, message: 'Blue Button could not be reached.' };
    if (error instanceof FhirHttpError) {
      if (error.status === 401)
        return {
          status: 401,
          message: 'Your Medicare connection is not valid. Please connect again.',
          login: true,
        };
      if (error.status === 403)
        return { status: 403, message: 'The beneficiary did not grant access to this data.' };
      if (error.status === 404) return { status: 404, message: 'Not found.' };
      if (error.status === 429) {
        const seconds = Math.ceil((error.retryAfterMs ?? 1000) / 1000);
        return {
          status: 429,
          message: 'Too many requests to Blue Button.',
          headers: { 'Retry-After': String(seconds) },
        };
      }
      return { status: 502, message: `Blue Button answered HTTP ${error.status}.` };
    }
    return { status: 502, message: 'The Blue Button request failed.' };
  }
}
