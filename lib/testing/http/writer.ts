import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { pyFloat } from './json.js';
import { header, type EmuRequest } from './request.js';
import type { EmuResponse } from './response.js';

/** Headers BB2's nginx/Django stack adds to every answer. */
const SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
};

/**
 * Writes a route's answer the way BB2's middleware stack finishes it: security headers, the DRF
 * throttle headers (`None` outside throttled views), CORS for cross-origin callers, and Django's
 * `GZipMiddleware` (bodies of 200 bytes or more, when the client accepts gzip).
 */
export function writeResponse(
  res: ServerResponse,
  req: EmuRequest,
  r: EmuResponse,
  gzip: boolean,
): void {
  const headers: OutgoingHttpHeaders = { ...SECURITY_HEADERS, ...r.headers };
  if (r.rateLimit) {
    headers['x-ratelimit-limit'] = String(r.rateLimit.limit);
    headers['x-ratelimit-remaining'] = String(r.rateLimit.remaining);
    headers['x-ratelimit-reset'] = pyFloat(r.rateLimit.reset);
  } else {
    headers['x-ratelimit-limit'] = 'None';
    headers['x-ratelimit-remaining'] = 'None';
    headers['x-ratelimit-reset'] = 'None';
  }
  if (header(req, 'origin') !== undefined) headers['access-control-allow-origin'] = '*';
  let body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
  if (gzip && body.length >= 200 && !headers['content-encoding']) {
    headers.vary = headers.vary ? `${String(headers.vary)}, Accept-Encoding` : 'Accept-Encoding';
    if (/\bgzip\b/i.test(header(req, 'accept-encoding') ?? '')) {
      body = gzipSync(body, { level: zlibConstants.Z_BEST_SPEED });
      headers['content-encoding'] = 'gzip';
    }
  }
  headers['content-length'] = String(body.length);
  res.writeHead(r.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
