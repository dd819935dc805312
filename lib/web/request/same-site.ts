import { headerOf, type BlueButtonHttpRequest } from './http-request.js';

/**
 * The normalised `/path?query#hash` of `value` when it stays on this site; undefined for
 * `//evil.example`, `/\\evil`, `https://…`, control characters and the like. Normalised (percent-encoded)
 * so that whatever is accepted can always be sent back in a `Location` header.
 */
export function sameSitePath(value: unknown): string | undefined {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    value.length > 2048
  )
    return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  try {
    const url = new URL(value, 'http://app.invalid');
    const path = url.pathname + url.search + url.hash;
    // `/.//evil.example` normalises to `//evil.example`, which a browser reads as another host.
    return url.origin === 'http://app.invalid' && !path.startsWith('//') ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A request a browser says came from another site. Fetch Metadata decides when present; otherwise a
 * foreign `Origin` (compared with the app's public origin from `callbackUrl`, `Host` and
 * `X-Forwarded-Host`). `Origin: null` (sent under `Referrer-Policy: no-referrer`) proves nothing
 * either way and is let through: the session cookie is SameSite=Lax, so it does not ride on a
 * cross-site POST anyway.
 */
export function isCrossSite(req: BlueButtonHttpRequest, publicOrigin: string): boolean {
  const header = (name: string) => headerOf(req, name)?.split(/[;,]/)[0]?.trim();
  const fetchSite = header('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite === 'cross-site';
  const origin = header('origin');
  if (origin === undefined || origin === 'null') return false;
  try {
    const url = new URL(origin);
    if (url.origin === publicOrigin) return false;
    return url.host !== header('host') && url.host !== header('x-forwarded-host');
  } catch {
    return true;
  }
}
