import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The session cookie value `<sessionId>.<expiresAtMs>.<signature>`, where the signature is
 * HMAC-SHA256 over the first two parts. Tampering with the id or the expiry breaks the signature;
 * the expiry is enforced even if a store keeps the session longer.
 */
export function signSession(sessionId: string, expiresAt: number, secret: string): string {
  const payload = `${sessionId}.${expiresAt}`;
  return `${payload}.${hmac(payload, secret)}`;
}

/** The session id of a valid, unexpired cookie value; undefined for anything else. */
export function verifySession(
  value: string | undefined,
  secret: string,
  now: number,
): string | undefined {
  if (!value) return undefined;
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  const [sessionId, expiry, signature] = parts;
  const expected = Buffer.from(hmac(`${sessionId}.${expiry}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (!/^\d+$/.test(expiry) || Number(expiry) <= now) return undefined;
  return /^[A-Za-z0-9_-]{16,}$/.test(sessionId) ? sessionId : undefined;
}

/** The value of cookie `name` in a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A `Set-Cookie` value, attribute for attribute what the HTTP adapters' `setCookie()` writes for
 * the same options: Path, Max-Age (0 deletes it), HttpOnly, Secure on https, SameSite=Lax.
 */
export function serializeCookie(
  name: string,
  value: string,
  options: { maxAgeMs: number; secure: boolean; path?: string },
): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeMs / 1000))}`,
    'HttpOnly',
  ];
  if (options.secure) parts.push('Secure');
  parts.push('SameSite=Lax');
  return parts.join('; ');
}

function hmac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
