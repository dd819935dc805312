import { safePath } from '../common/redact.js';

/** The attributes of an HTTP attempt known before it is sent (span and duration histogram alike). */
export interface HttpAttributes {
  'http.request.method': string;
  'server.address': string;
  'server.port': number;
  'url.scheme': string;
  'url.template': string;
  [key: string]: string | number;
}

/** Method, host, port, scheme and the route template (`safePath`: no id, no query). */
export function httpAttributes(method: string, url: URL): HttpAttributes {
  const scheme = url.protocol.slice(0, -1);
  return {
    'http.request.method': method,
    'server.address': url.hostname,
    'server.port': Number(url.port) || (scheme === 'https' ? 443 : 80),
    'url.scheme': scheme,
    'url.template': safePath(url),
  };
}

/** A query key that is a plain parameter name (`_count`, `service-date`, `_security:not`). */
const PLAIN_KEY = /^[A-Za-z_][\w:.-]{0,63}$/;

/**
 * `url.full` as the HTTP conventions allow it when parts are sensitive: origin, route template,
 * and the query's keys with every value replaced by `REDACTED` (the conventions' own placeholder),
 * since a value can be a patient id, a date of service or a paging cursor.
 */
export function redactedUrl(url: URL, template: string): string {
  const keys = [...url.searchParams.keys()].map(k => (PLAIN_KEY.test(k) ? k : 'REDACTED'));
  const query = keys.map(k => `${k}=REDACTED`).join('&');
  return `${url.origin}${template}${query ? `?${query}` : ''}`;
}
