import type { Server } from 'node:http';
import { inspect } from 'node:util';
import { Test } from '@nestjs/testing';
import {
  BlueButtonModule,
  FhirHttpError,
  OAuthError,
  UnexpectedResponseError,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import { firstValueFrom } from 'rxjs';
import request from 'supertest';
import { Scrubber } from '../../lib/http/scrubber.js';
import {
  HostileServer,
  json,
  text,
  type Answer,
  type SeenRequest,
} from '../support/hostile-server.js';
import { SecretLedger } from '../support/secret-ledger.js';
import { bootAgainst, failure, recordWireSecrets, type HostileApp } from './harness.js';

/**
 * Family 6: upstreams that echo the request back — an `error_description` quoting the form, a
 * proxy's debug page quoting the headers — must not put what the request sent (client secret,
 * code, PKCE verifier, access and refresh tokens, the Basic credentials) into any error or log
 * line, in whole or in part, raw or encoded. The ledger greps every rendering of every error and
 * every log line (verbose included) at the end.
 */

const TOKEN = '/v2/o/token/';
const EOB = '/v2/fhir/ExplanationOfBenefit';
const ledger = new SecretLedger();
let server: HostileServer;
let app: HostileApp;
/** A second app whose client secret has characters that echoes encode differently. */
let odd: HostileApp;
let token: AuthorizationToken;

beforeAll(async () => {
  server = await HostileServer.start();
  app = await bootAgainst(server, ledger);
  const oddSecret = ledger.add(`${ledger.secret('odd')}/+"&<>' é`);
  odd = await bootAgainst(server, ledger, { clientSecret: oddSecret });
});
afterEach(() => recordWireSecrets(server, ledger));
beforeEach(() => {
  server.reset();
  token = ledger.token();
});
afterAll(async () => {
  await app?.close();
  await odd?.close();
  await server?.close();
  ledger.expectClean('echoed secrets');
});

/** Everything a request carried, as an echoing upstream would quote it. */
const quoteRequest = (req: SeenRequest) =>
  `request body: ${req.body}; authorization: ${req.headers.authorization ?? ''}; ` +
  `decoded: ${decodeURIComponent(req.body.replace(/\+/g, ' '))}`;

/** An OAuth error whose description echoes the request. */
const oauthEcho =
  (status: number, error = 'invalid_request'): Answer =>
  (req, res) =>
    json(status, { error, error_description: quoteRequest(req) })(req, res, 0);

/** Exchanges a fresh code with `target`; the code and verifier are recorded. */
function exchange(target: HostileApp) {
  const authData = target.auth.generateAuthData();
  ledger.add(authData.codeVerifier);
  return firstValueFrom(
    target.auth.getAuthorizationToken(authData, ledger.secret('code'), authData.state),
  );
}

describe('the token endpoint echoes the request', () => {
  it.each([
    ['a plain client secret', () => app],
    ['a client secret with /+"&<> and spaces', () => odd],
  ])('code exchange, %s → OAuthError after 1 POST, description scrubbed', async (_, target) => {
    server.route(TOKEN, oauthEcho(400));
    const error = ledger.error(await failure(() => exchange(target())));
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).errorDescription).toMatch(/client_secret=\[redacted\]/);
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });

  it('refresh → OAuthError after 1 POST, refresh token and Basic credentials scrubbed', async () => {
    server.route(TOKEN, oauthEcho(400));
    const error = ledger.error(
      await failure(() => firstValueFrom(app.auth.refreshAuthToken(token))),
    );
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).errorDescription).toMatch(/authorization: Basic \[redacted\]/);
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });

  it('revocation → OAuthError after 1 POST, token scrubbed', async () => {
    server.route('/v2/o/revoke/', oauthEcho(400));
    const error = ledger.error(await failure(() => firstValueFrom(app.auth.revoke(token))));
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).errorDescription).toMatch(/token=\[redacted\]/);
    expect(server.requestsTo('/v2/o/revoke/')).toHaveLength(1);
  });

  it('a secret cut by the 300-character bound of error_description leaks no part of it', async () => {
    server.route(TOKEN, (req, res) => {
      const secret = /client_secret=([^&]*)/.exec(req.body)![1]!;
      // 300 characters are kept: the cut falls 39 characters into the secret.
      const description = `${'x'.repeat(260)}${decodeURIComponent(secret)}`;
      json(401, { error: 'invalid_client', error_description: description })(req, res, 0);
    });
    const error = ledger.error(await failure(() => exchange(app)));
    expect(error).toBeInstanceOf(OAuthError);
    const random = app.clientSecret.slice('client-secret-'.length);
    const rendered = [String(error), inspect(error), JSON.stringify(error)].join('\n');
    for (let i = 0; i + 8 <= random.length; i++)
      expect(rendered).not.toContain(random.slice(i, i + 8));
  });
});

describe('FHIR answers echo the bearer token', () => {
  it('a 403 JSON detail quoting the Authorization header → FhirHttpError after 1 request, body scrubbed', async () => {
    server.route(EOB, (req, res) =>
      json(403, { detail: `token ${req.headers.authorization} lacks a scope` })(req, res, 0),
    );
    const error = ledger.error(
      await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token))),
    );
    expect(error).toBeInstanceOf(FhirHttpError);
    expect((error as FhirHttpError).body).toEqual({
      detail: 'token Bearer [redacted] lacks a scope',
    });
    expect(server.requestsTo(EOB)).toHaveLength(1);
  });

  it('a 502 HTML debug page quoting headers, percent-encoded too → FhirHttpError after 3 attempts', async () => {
    server.route(EOB, (req, res) => {
      const auth = req.headers.authorization ?? '';
      const page = `<html><body><pre>Authorization: ${auth}\nencoded: ${encodeURIComponent(auth)}</pre></body></html>`;
      text(502, page)(req, res, 0);
    });
    const error = ledger.error(
      await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token))),
    );
    expect(error).toBeInstanceOf(FhirHttpError);
    expect(server.requestsTo(EOB)).toHaveLength(3);
  });

  it('a 200 OperationOutcome whose diagnostics quote the token → UnexpectedResponseError after 1 request', async () => {
    server.route(EOB, (req, res) =>
      json(200, {
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'security', diagnostics: `bad ${req.headers.authorization}` },
        ],
      })(req, res, 0),
    );
    const error = ledger.error(
      await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token))),
    );
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).problem).toBe(
      'expected a Bundle but got an OperationOutcome: bad Bearer [redacted]',
    );
    expect(server.requestsTo(EOB)).toHaveLength(1);
  });

  it('a 200 HTML page quoting the token → UnexpectedResponseError after 1 request', async () => {
    server.route(EOB, (req, res) => text(200, `<p>${req.headers.authorization}</p>`)(req, res, 0));
    const error = ledger.error(
      await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token))),
    );
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(server.requestsTo(EOB)).toHaveLength(1);
  });
});

it('the built-in callback route: an echoing token endpoint puts nothing into the WARN line or the redirect (1 POST)', async () => {
  server.route(TOKEN, oauthEcho(401, 'invalid_client'));
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl: server.baseUrl,
        clientId: 'hostile-suite-client',
        clientSecret: app.clientSecret,
        callbackUrl: 'http://127.0.0.1:3999/bluebutton/callback',
        routes: true,
      }),
    ],
  })
    .setLogger(ledger.logger)
    .compile();
  const nest = moduleRef.createNestApplication({ logger: ledger.logger });
  await nest.init();
  try {
    const http = nest.getHttpServer() as Server;
    const login = await request(http).get('/bluebutton/login').expect(302);
    const state = new URL(login.headers.location as string).searchParams.get('state')!;
    const cookies = ([] as string[])
      .concat(login.headers['set-cookie'] ?? [])
      .map(c => c.split(';')[0])
      .join('; ');
    const code = ledger.secret('callback-code');
    const callback = await request(http)
      .get(`/bluebutton/callback?code=${code}&state=${state}`)
      .set('Cookie', cookies)
      .expect(302);
    ledger.text(callback.headers.location as string, JSON.stringify(callback.headers));
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
    expect(server.requestsTo(TOKEN)[0]!.body).toContain(`code=${code}`);
  } finally {
    await nest.close();
  }
});

describe('the scrubber itself (the one mechanism under every request)', () => {
  it("scrubs an error's message, fields, stack and cause chain, in place", () => {
    const secret = ledger.secret('scrubber');
    const cause = Object.assign(new Error(`inner ${secret}`), { detail: { nested: [secret] } });
    const error = Object.assign(new Error(`outer ${encodeURIComponent(secret)}`, { cause }), {
      body: { echo: `x ${JSON.stringify(secret)}` },
    });
    new Scrubber([secret]).error(error);
    ledger.error(error);
    expect(error.message).toBe('outer [redacted]');
    expect(error.stack).toMatch(/^Error: outer \[redacted\]/);
    expect(cause.message).toBe('inner [redacted]');
    expect(cause.detail).toEqual({ nested: ['[redacted]'] });
  });
});
