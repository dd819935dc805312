import type { BlueButtonConfig } from '../config/bluebutton-config.js';
import { UnsafeUrlError } from '../errors/bluebutton.errors.js';
import { safePath } from './redact.js';

/**
 * Resolves a path (`fhir/Coverage/part-a--1`), a host-absolute path (`/v2/fhir/…`) or an absolute
 * URL (a Bundle's `next` link) against the configured Blue Button, and refuses — before anything is
 * sent — any URL whose origin (scheme, host and port, compared on parsed URLs) differs from the
 * configured one or whose path is not under `/v{N}/`. The official SDKs test a string prefix, so
 * `https://api.bluebutton.cms.gov.evil.example/…` would receive the bearer token.
 */
export function resolveApiUrl(
  input: string,
  config: Pick<BlueButtonConfig, 'baseUrl' | 'version'>,
): URL {
  const { base, api } = bases(config);
  let url: URL;
  try {
    url = new URL(
      input,
      /^[a-z][a-z\d+.-]*:|^\/\//i.test(input) || input.startsWith('/') ? base : api,
    );
  } catch {
    throw new UnsafeUrlError('(unparseable URL)', 'it is not a valid URL');
  }
  // Only for the error messages: built when one is thrown, not on every request.
  const shown = () => `${url.origin}${safePath(url)}`;
  if (url.origin !== base.origin) {
    throw new UnsafeUrlError(
      shown(),
      `its origin is not the configured Blue Button origin ${base.origin}`,
    );
  }
  if (url.username || url.password) throw new UnsafeUrlError(shown(), 'it carries credentials');
  if (!url.pathname.startsWith(api.pathname)) {
    throw new UnsafeUrlError(
      shown(),
      `its path is not under ${api.pathname} (API version ${config.version})`,
    );
  }
  return url;
}

/** The parsed base and API URLs of the last configuration seen (an app has one, parsed once). */
let cached: { baseUrl: string; version: number; base: URL; api: URL } | undefined;

function bases(config: Pick<BlueButtonConfig, 'baseUrl' | 'version'>): { base: URL; api: URL } {
  if (cached?.baseUrl !== config.baseUrl || cached.version !== config.version) {
    const base = new URL(`${config.baseUrl}/`);
    cached = {
      baseUrl: config.baseUrl,
      version: config.version,
      base,
      api: new URL(`v${config.version}/`, base),
    };
  }
  return cached;
}
