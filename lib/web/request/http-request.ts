import type { CookieSerializeOptions } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';

/**
 * The parts of a request the package reads. Express requests, Fastify requests and Node's
 * `IncomingMessage` (what middleware gets on Fastify) all have them.
 */
export interface BlueButtonHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Express: true over TLS, or behind a trusted proxy that says so. */
  secure?: boolean;
  /** Express and Fastify: `https` over TLS, or behind a trusted proxy that says so. */
  protocol?: string;
}

/** A request header as one string (a repeated header joined with `; `, as `Cookie` is). */
export function headerOf(req: BlueButtonHttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join('; ') : value;
}

/** Whether cookies set on this request's answer must be `Secure`. */
export function isSecureRequest(
  req: BlueButtonHttpRequest | undefined,
  callbackUrl: string,
): boolean {
  return req?.secure === true || req?.protocol === 'https' || callbackUrl.startsWith('https:');
}

/** The attributes of every cookie the package sets: Path=/, httpOnly and SameSite=Lax. */
export function cookieAttributes(maxAgeMs: number, secure: boolean): CookieSerializeOptions {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  return { path: '/', maxAge, httpOnly: true, secure, sameSite: 'lax' };
}

/**
 * The app's HTTP adapter (Express, Fastify…), through which every header and cookie is written so
 * that the same code answers on every platform.
 */
export function httpAdapterOf(host: HttpAdapterHost | undefined) {
  const adapter = host?.httpAdapter;
  if (!adapter) {
    throw new Error(
      'Blue Button sessions and routes need an HTTP application (NestFactory.create or createNestApplication), not a bare application context.',
    );
  }
  return adapter;
}
