import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PENDING_AUTHORIZATION_TTL_MS } from '../../common/bluebutton.constants.js';
import { BlueButtonConfig } from '../../config/bluebutton-config.js';
import {
  cookieAttributes,
  headerOf,
  httpAdapterOf,
  isSecureRequest,
  type BlueButtonHttpRequest,
} from '../request/http-request.js';
import { readCookie } from './session-cookie.js';

/** Logins one browser may have in progress at once (tabs); older ones are forgotten. */
export const MAX_PENDING_LOGINS = 5;
/** One binding: an unpadded base64url HMAC-SHA256. */
const BINDING = /^[A-Za-z0-9_-]{43}$/;

/**
 * Ties a login to the browser that starts it (RFC 6749 §10.12). Without it, anyone could send a
 * victim a callback URL from a login of their own and connect the victim's session to the
 * attacker's Medicare account.
 *
 * One httpOnly cookie, `<session cookie name>_login`, holds the bindings of the browser's last
 * {@link MAX_PENDING_LOGINS} logins: an HMAC of each state, keyed with a key derived from
 * `session.secret` (or, without one, the client secret), so a cookie planted from a sibling
 * subdomain cannot be computed from a state the attacker knows. One cookie with a bounded value,
 * so abandoned logins cannot grow the `Cookie` header past what servers accept. Its Path is `/`:
 * the login route must read it to add a binding, wherever the app serves login and callback. That
 * also lets it keep a `__Host-` prefix (Path=/, no Domain), which no sibling subdomain can set.
 */
@Injectable()
export class LoginBinding {
  private readonly key: Buffer;
  private readonly cookieName: string;

  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    // A key of its own: a binding can never be mistaken for a session signature, or vice versa.
    this.key = createHmac('sha256', config.session.secret ?? config.clientSecret)
      .update('nestjs-bluebutton login binding')
      .digest();
    this.cookieName = `${config.session.cookieName}_login`;
  }

  /** Adds the login of `state` to this browser's bindings (set on `res`, the adapter's response). */
  bind(req: BlueButtonHttpRequest, res: unknown, state: string): void {
    const binding = this.mac(state);
    const kept = this.read(req).filter(b => b !== binding);
    this.write(req, res, [...kept, binding].slice(-MAX_PENDING_LOGINS));
  }

  /** True when this browser started the login of `state`; its binding is then spent. */
  check(req: BlueButtonHttpRequest, res: unknown, state: string | undefined): boolean {
    if (!state) return false;
    const expected = Buffer.from(this.mac(state));
    const bindings = this.read(req);
    const index = bindings.findIndex(b => timingSafeEqual(Buffer.from(b), expected));
    if (index < 0) return false;
    this.write(
      req,
      res,
      bindings.filter((_, i) => i !== index),
    );
    return true;
  }

  private mac(state: string): string {
    return createHmac('sha256', this.key).update(state).digest('base64url');
  }

  private read(req: BlueButtonHttpRequest): string[] {
    const value = readCookie(headerOf(req, 'cookie'), this.cookieName) ?? '';
    return value
      .split('.')
      .filter(b => BINDING.test(b))
      .slice(-MAX_PENDING_LOGINS);
  }

  private write(req: BlueButtonHttpRequest, res: unknown, bindings: string[]): void {
    const adapter = httpAdapterOf(this.adapterHost);
    const secure = isSecureRequest(req, this.config.callbackUrl);
    if (!bindings.length) {
      adapter.clearCookie(res, this.cookieName, cookieAttributes(0, secure));
      return;
    }
    const attributes = cookieAttributes(PENDING_AUTHORIZATION_TTL_MS, secure);
    adapter.setCookie(res, this.cookieName, bindings.join('.'), attributes);
  }
}
