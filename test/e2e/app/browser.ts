import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { consent, type ConsentOptions } from '../../support/bluebutton.js';

/** A supertest cookie jar: one browser. */
export type Agent = ReturnType<typeof request.agent>;

/** Options of {@link loginThroughRoutes}. */
export interface RouteLoginOptions extends ConsentOptions {
  returnTo?: string;
  /** Where the app serves the login route. Default `/bluebutton/login`. */
  loginPath?: string;
}

/**
 * Logs in through the app's login route with a fresh cookie jar, over real HTTP: login → Blue
 * Button's consent (answered by the emulator) → callback. Returns the jar and the callback answer.
 */
export async function loginThroughRoutes(app: INestApplication, options: RouteLoginOptions = {}) {
  const agent = request.agent(app.getHttpServer() as Server);
  const query = options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : '';
  const start = await agent.get(`${options.loginPath ?? '/bluebutton/login'}${query}`).expect(302);
  const callback = await consent(start.headers.location, options);
  const done = await agent.get(`${callback.pathname}${callback.search}`);
  return { agent, start, done };
}

/** Every Set-Cookie of a response. */
export const setCookies = (res: request.Response): string[] =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []);

/** `name=value` of every Set-Cookie, joined for a `Cookie` request header ('' when none). */
export const cookiesOf = (res: request.Response): string =>
  setCookies(res)
    .map(c => c.split(';')[0])
    .join('; ');

/** The Set-Cookie of the session cookie (`bluebutton_session` unless named otherwise). */
export const sessionSetCookie = (res: request.Response, name = 'bluebutton_session') =>
  setCookies(res).find(c => c.startsWith(`${name}=`));

/** The session cookie as the package writes it. */
export const SESSION_COOKIE =
  /^bluebutton_session=[\w%.-]+; Path=\/; Max-Age=[1-9]\d*; HttpOnly(; Secure)?; SameSite=Lax$/;

/**
 * The login flow with the cookies of the login answer carried to the callback by hand (so that even
 * `Secure` ones travel over the test's plain http), and `headers` sent on both hops.
 */
export async function loginByHand(
  app: INestApplication,
  options: ConsentOptions & { headers?: Record<string, string> } = {},
): Promise<request.Response> {
  const server = app.getHttpServer() as Server;
  const headers = options.headers ?? {};
  const start = await request(server).get('/bluebutton/login').set(headers).expect(302);
  const callback = await consent(start.headers.location, options);
  const carried = cookiesOf(start);
  const done = request(server).get(`${callback.pathname}${callback.search}`).set(headers);
  return carried ? done.set('Cookie', carried) : done;
}
