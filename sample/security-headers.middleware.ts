import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';

/**
 * Headers for pages that show someone's medical claims: a strict Content-Security-Policy (no
 * scripts at all, styles only from `/sample.css`), no caching of the pages, no referrer, no framing.
 */
@Injectable()
export class SecurityHeadersMiddleware implements NestMiddleware {
  /** Sets the headers, then passes the request on. */
  use(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  }
}
