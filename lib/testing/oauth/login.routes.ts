import { randomBytes } from 'node:crypto';
import type { EmulatorContext } from '../core/context.js';
import type { EmuRequest } from '../http/request.js';
import { htmlResponse, redirectResponse, type EmuResponse } from '../http/response.js';
import { beneNotFoundPage, loginPage } from '../core/pages.html.js';
import { withParams } from './authorize.decision.js';

/** Django's session cookie name, so browser tests see the usual cookie. */
export const SESSION_COOKIE = 'sessionid';

/** The user name of the session cookie's login, if any. */
export function loggedInUser(ctx: EmulatorContext, req: EmuRequest): string | undefined {
  const sid = req.cookies[SESSION_COOKIE];
  return sid ? ctx.sessions.get(sid) : undefined;
}

/** The redirect to the Medicare login, coming back to `next`. */
export function toLogin(next: string): EmuResponse {
  return redirectResponse(302, `/mymedicare/login?next=${encodeURIComponent(next)}`);
}

/** Only local paths may follow a login, so the page cannot be used as an open redirect. */
function safeNext(n: string | null | undefined): string {
  return n && n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

/** `GET|POST /mymedicare/login`: the stand-in for Medicare.gov login. */
export function handleLogin(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') {
    return htmlResponse(200, loginPage(safeNext(req.query.get('next'))));
  }
  const form = req.form ?? new URLSearchParams();
  const next = safeNext(form.get('next'));
  const username = form.get('username') ?? '';
  const bene = ctx.beneficiaries.get(username.trim());
  if (!bene || bene.password !== form.get('password')) {
    return htmlResponse(200, loginPage(next, 'The username or password you entered is incorrect.'));
  }
  if (bene.notFound) {
    let link = '/';
    try {
      const q = new URL(next, 'http://emulator.local').searchParams;
      const client = ctx.clients.get(q.get('client_id'));
      const redirect = q.get('redirect_uri') || client?.redirectUris[0];
      if (redirect) link = withParams(redirect, { error: 'not_found' });
    } catch {
      link = '/';
    }
    return htmlResponse(404, beneNotFoundPage(link));
  }
  const sid = randomBytes(16).toString('hex');
  ctx.sessions.set(sid, bene.username);
  return {
    status: 302,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      location: next,
      'set-cookie': `${SESSION_COOKIE}=${sid}; HttpOnly; Path=/; SameSite=Lax`,
    },
    body: '',
  };
}
