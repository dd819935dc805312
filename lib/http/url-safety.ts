import type { BlueButtonConfig } from '../config/bluebutton-config.js';
import type { BlueButtonVersion } from '../config/bluebutton-options.interface.js';
import { ApiVersionMismatchError } from '../errors/api-version.error.js';
import { UnsafeUrlError } from '../errors/bluebutton.errors.js';
import { safePath } from '../common/redact.js';

/**
 * Resolves a path (`fhir/Coverage/part-a--1`), a host-absolute path (`/v2/fhir/…`) or an absolute
 * URL (a Bundle's `next` link) against the configured Blue Button, and refuses — before anything is
 * sent — any URL whose origin (scheme, host and port, compared on parsed URLs) differs from the
 * configured one or whose path is not under `/v{N}/`, N being the version of the token the URL is
 * for (`version`, default: the configured one). The official SDKs test a string prefix, so
 * `https://api.bluebutton.cms.gov.evil.example/…` would receive the bearer token. A URL of another
 * API version (`/v2/…` for a v3 token) fails with `ApiVersionMismatchError`: tokens do not carry
 * over between versions.
 */
export function resolveApiUrl(
  input: string,
  config: Pick<BlueButtonConfig, 'baseUrl' | 'version'>,
  version: BlueButtonVersion = config.version,
): URL {
  return new ApiUrls(config).resolve(input, version);
}

const CACHE_MAX = 16;

/** `resolveApiUrl` for one configuration, parsing its base and API URLs once per API version. */
export class ApiUrls {
  /** Parsed base and API URLs by origin and version: one origin and at most three versions. */
  private readonly cache = new Map<string, { base: URL; api: URL }>();

  /** Resolves against `config`'s origin (read at each call) and, by default, its version. */
  constructor(private readonly config: Pick<BlueButtonConfig, 'baseUrl' | 'version'>) {}

  /** See {@link resolveApiUrl}. */
  resolve(input: string, version: BlueButtonVersion = this.config.version): URL {
    return checkedUrl(input, this.bases(this.config.baseUrl, version), version);
  }

  private bases(baseUrl: string, version: BlueButtonVersion): { base: URL; api: URL } {
    const key = `${version} ${baseUrl}`;
    let hit = this.cache.get(key);
    if (!hit) {
      const base = new URL(`${baseUrl}/`);
      hit = { base, api: new URL(`v${version}/`, base) };
      // A test may point one config at many origins: keep the cache small, not growing.
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }
}

/** `input` resolved against `base`/`api`, or the typed error saying why it may not be sent. */
function checkedUrl(
  input: string,
  { base, api }: { base: URL; api: URL },
  version: BlueButtonVersion,
): URL {
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
    const other = /^v([123])\//.exec(url.pathname.slice(base.pathname.length))?.[1];
    if (url.pathname.startsWith(base.pathname) && other) {
      throw new ApiVersionMismatchError(
        version,
        Number(other) as BlueButtonVersion,
        `The URL ${shown()}`,
      );
    }
    throw new UnsafeUrlError(
      shown(),
      `its path is not under ${api.pathname} (API version ${version})`,
    );
  }
  return url;
}
