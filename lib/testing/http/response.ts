import { pyJson } from './json.js';

/** A response built by a route, written by the server once common headers are applied. */
export interface EmuResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Set on throttled (FHIR/userinfo) views: numeric `X-RateLimit-*` values instead of `None`. */
  rateLimit?: { limit: number; remaining: number; reset: number };
  /** Extra artificial delay before writing (latency options). */
  delayMs?: number;
  /** Entries of a Bundle answer, for the per-entry latency model (`latencyPerEntryMs`). */
  entries?: number;
}

/** Content types the server sends (no charset on JSON, as Django and DRF do). */
export const HTML = 'text/html; charset=utf-8';
export const JSON_TYPE = 'application/json';
export const FHIR_JSON = 'application/fhir+json';

/** A Django `JsonResponse` / oauthlib body (Python spacing). */
export function pyJsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmuResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: pyJson(body) };
}

/** A Django REST framework body (compact JSON) with the negotiated content type. */
export function drfResponse(
  status: number,
  body: unknown,
  contentType: string = JSON_TYPE,
  headers: Record<string, string> = {},
): EmuResponse {
  return {
    status,
    headers: { 'content-type': contentType, ...headers },
    body: JSON.stringify(body),
  };
}

/** An HTML (or plain Django `HttpResponse`) body. */
export function htmlResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): EmuResponse {
  return { status, headers: { 'content-type': HTML, ...headers }, body };
}

/** A redirect with a `Location` and no body. */
export function redirectResponse(status: 301 | 302, location: string): EmuResponse {
  return { status, headers: { 'content-type': HTML, location }, body: '' };
}

/** An empty body (Django `HttpResponse()` keeps its text/html content type). */
export function emptyResponse(status: number, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'content-type': HTML, ...headers }, body: '' };
}
