import { gzipSync } from 'node:zlib';
import {
  ResponseTooLargeError,
  TokenRefreshError,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import { firstValueFrom } from 'rxjs';
import { flood, gzipBomb, HostileServer, type Answer } from '../support/hostile-server.js';
import { SecretLedger } from '../support/secret-ledger.js';
import {
  bootAgainst,
  failure,
  recordWireSecrets,
  TEST_MAX_BYTES,
  type HostileApp,
} from './harness.js';

/**
 * Family 1: every request's answer is bounded by maxResponseBytes, counted after decompression and
 * enforced while the body streams, with a typed error and no retry. (What this costs in memory is
 * measured in a child process by memory.spec.ts.)
 */

const MiB = 1024 * 1024;
const EOB = '/v2/fhir/ExplanationOfBenefit';
const TOKEN = '/v2/o/token/';
const ledger = new SecretLedger();
let server: HostileServer;
let app: HostileApp;
let token: AuthorizationToken;

beforeAll(async () => {
  server = await HostileServer.start();
  app = await bootAgainst(server, ledger);
});
afterEach(() => recordWireSecrets(server, ledger));
beforeEach(() => {
  server.reset();
  token = ledger.token();
});
afterAll(async () => {
  await app?.close();
  await server?.close();
  ledger.expectClean('response size');
});

/** Expects the server to have seen the client hang up long before the answer's end. */
async function expectCutShort(atMost: number): Promise<void> {
  await vi.waitFor(() => expect(server.answers.at(-1)?.cutShort).toBe(true));
  expect(server.answers.at(-1)!.bytesWritten).toBeLessThan(atMost);
}

describe.each([
  ['a 64 MiB body announced by Content-Length', flood(64 * MiB, { contentLength: true }), 64 * MiB],
  ['an endless chunked body', flood(Infinity), 512 * MiB],
  // 8 MB of gzip: the client's and the kernel's buffers take a few MB before it hangs up.
  ['a gzip bomb of 8 MB inflating to 8 GiB', gzipBomb(8192 * MiB), 32 * MiB],
] as [string, Answer, number][])('a FHIR search answered with %s', (_, answer, size) => {
  it('fails with ResponseTooLargeError after exactly 1 request (no retry), having read little of it', async () => {
    server.route(EOB, answer);
    const error = ledger.error(
      await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token))),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({
      code: 'BB_RESPONSE_TOO_LARGE',
      method: 'GET',
      path: '/v2/fhir/ExplanationOfBenefit/',
      limitBytes: TEST_MAX_BYTES,
    });
    expect(server.requestsTo(EOB)).toHaveLength(1);
    await expectCutShort(size / 4); // a quarter of the flood, a whole gzip bomb
  });
});

it('counts the limit on the decompressed body: 200 KB of gzip inflating to 2 MiB is refused', async () => {
  const inflated = `{"resourceType":"Bundle","type":"searchset","entry":[${' '.repeat(2 * MiB)}]}`;
  const gz = gzipSync(inflated);
  expect(gz.length).toBeLessThan(TEST_MAX_BYTES / 4);
  server.route(EOB, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    res.end(gz);
  });
  const error = ledger.error(
    await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token))),
  );
  expect(error).toBeInstanceOf(ResponseTooLargeError);
  expect(server.requestsTo(EOB)).toHaveLength(1);
});

it('accepts a gzip answer whose decompressed size is within the limit', async () => {
  const bundle = { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [] as unknown[] };
  bundle.entry.push({
    resource: { resourceType: 'ExplanationOfBenefit', id: 'x'.repeat(900_000) },
  });
  server.route(EOB, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    res.end(gzipSync(JSON.stringify(bundle)));
  });
  const { data } = await firstValueFrom(app.fhir.getExplanationOfBenefitData(token));
  expect(data.entry?.[0]?.resource?.id).toHaveLength(900_000);
  expect(server.requestsTo(EOB)).toHaveLength(1);
});

describe('OAuth endpoints (bounded at min(maxResponseBytes, 1 MiB))', () => {
  it('a code exchange answered with 8 MiB → ResponseTooLargeError after 1 POST', async () => {
    server.route(TOKEN, flood(8 * MiB, { contentLength: true }));
    const authData = app.auth.generateAuthData();
    ledger.add(authData.codeVerifier);
    const code = ledger.secret('code');
    const error = ledger.error(
      await failure(() =>
        firstValueFrom(app.auth.getAuthorizationToken(authData, code, authData.state)),
      ),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
    await expectCutShort(8 * MiB);
  });

  it('a refresh answered endlessly → TokenRefreshError naming the limit after 1 POST, token kept', async () => {
    server.route(TOKEN, flood(Infinity));
    const error = ledger.error(
      await failure(() => firstValueFrom(app.auth.refreshAuthToken(token))),
    );
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect((error as Error).message).toMatch(/larger than 1048576 bytes \(maxResponseBytes\)/);
    expect(server.requestsTo(TOKEN)).toHaveLength(1);
  });

  it('a revocation answered with a gzip bomb → ResponseTooLargeError after 1 POST', async () => {
    server.route('/v2/o/revoke/', gzipBomb(1024 * MiB));
    const error = ledger.error(await failure(() => firstValueFrom(app.auth.revoke(token))));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(server.requestsTo('/v2/o/revoke/')).toHaveLength(1);
  });
});
