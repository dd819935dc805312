import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthorizationToken,
  BlueButtonModule,
  BlueButtonNetworkError,
  FhirHttpError,
  FhirService,
  type BlueButtonModuleOptions,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { bootBlueButton, login, startEmulator } from '../support/bluebutton.js';

/** A module pointed at any origin (a plain node server, a closed port). */
async function bootAt(
  baseUrl: string,
  overrides: BlueButtonModuleOptions = {},
): Promise<{ moduleRef: TestingModule; fhir: FhirService }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl,
        clientId: 'c'.repeat(40),
        clientSecret: 's'.repeat(40),
        callbackUrl: 'http://127.0.0.1:3999/bluebutton/callback',
        retrySettings: { total: 2, backoffFactor: 0.02 },
        timeoutMs: 5000,
        ...overrides,
      }),
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, fhir: moduleRef.get(FhirService) };
}

/** A valid token for a server that does not check it (no refresh will be attempted). */
const someToken = () =>
  AuthorizationToken.fromTokenResponse({
    access_token: 'A'.repeat(30),
    refresh_token: 'R'.repeat(30),
    expires_in: 3600,
    scope: 'patient/Coverage.rs',
    patient: '-19990000000001',
  });

const listen = (server: Server, port = 0) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
const close = (server: Server) => new Promise(resolve => server.close(resolve));

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
}

describe('unsubscribing', () => {
  it('aborts the request already sent: the server sees the connection close before it answers', async () => {
    let held: ServerResponse | undefined;
    let arrived!: () => void;
    const arrival = new Promise<void>(r => (arrived = r));
    let closedAfterUnsubscribeMs: number | undefined;
    let unsubscribedAt = 0;
    let closed!: () => void;
    const closing = new Promise<void>(r => (closed = r));
    const server = createServer((_req, res) => {
      held = res;
      // The answer would come after 2 s (a slow Blue Button); the client leaves long before.
      const answer = setTimeout(() => res.end('{}'), 2000);
      res.on('close', () => {
        clearTimeout(answer);
        if (!res.writableFinished) closedAfterUnsubscribeMs = Date.now() - unsubscribedAt;
        closed();
      });
      arrived();
    });
    const port = await listen(server);
    const { moduleRef, fhir } = await bootAt(`http://127.0.0.1:${port}`);
    try {
      const sub = fhir.getCoverageData(someToken()).subscribe({ error: () => undefined });
      await arrival;
      await new Promise(r => setTimeout(r, 100));
      unsubscribedAt = Date.now();
      sub.unsubscribe();
      await closing;
      expect(held).toBeDefined();
      // Closed by the client, unanswered, well before the 2 s answer.
      expect(closedAfterUnsubscribeMs).toBeLessThan(300);
    } finally {
      server.closeAllConnections();
      await close(server);
      await moduleRef.close();
    }
  });
});

describe('a refused connection (ECONNREFUSED)', () => {
  it('is retried: the server started after the first refusal gets the one request that follows', async () => {
    const port = await freePort();
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end('{"resourceType":"Bundle","type":"searchset","total":0}');
    });
    const { moduleRef, fhir } = await bootAt(`http://127.0.0.1:${port}`);
    const axios = moduleRef.get(HttpService, { strict: false }).axiosRef;
    const request = axios.request.bind(axios);
    const attempts: string[] = [];
    vi.spyOn(axios, 'request').mockImplementation(async config => {
      try {
        const res = await request(config);
        attempts.push(String(res.status));
        return res;
      } catch (error) {
        attempts.push((error as { code?: string }).code ?? 'error');
        // Bring the server up before the retry is scheduled, so the test does not race it.
        if (attempts.length === 1) await listen(server, port);
        throw error;
      }
    });
    const token = someToken();
    try {
      const res = await firstValueFrom(fhir.getCoverageData(token));
      expect(res.status).toBe(200);
      expect(attempts).toEqual(['ECONNREFUSED', '200']);
      expect(hits).toEqual([`GET /v2/fhir/Coverage/ Bearer ${token.accessToken}`]);
    } finally {
      await moduleRef.close();
      if (server.listening) await close(server);
    }
  });

  it('makes retrySettings.total + 1 attempts, then fails with BlueButtonNetworkError', async () => {
    const port = await freePort();
    const { moduleRef, fhir } = await bootAt(`http://127.0.0.1:${port}`, {
      retrySettings: { total: 2, backoffFactor: 0.01 },
    });
    const axios = moduleRef.get(HttpService, { strict: false }).axiosRef;
    const spy = vi.spyOn(axios, 'request');
    try {
      const error = await firstValueFrom(fhir.getCoverageData(someToken())).catch(e => e);
      expect(error).toBeInstanceOf(BlueButtonNetworkError);
      expect([error.reason, spy.mock.calls.length]).toEqual(['ECONNREFUSED', 3]);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('with the emulator', () => {
  let emu: BlueButtonEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ v3Enabled: true });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.faults.clear();
    emu.clearRequests();
  });

  it('getInsuranceCardData fetches the CARIN card on v3', async () => {
    const v3 = await bootBlueButton(emu, {
      version: 3,
      scopes: ['patient/Patient.r', 'patient/Coverage.s'],
    });
    try {
      const token = await login(v3.auth);
      emu.clearRequests();
      const res = await firstValueFrom(v3.fhir.getInsuranceCardData(token));
      expect(emu.requests.map(r => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
        `GET /v3/fhir/Patient/$generate-insurance-card Bearer ${token.accessToken}`,
      ]);
      expect([res.status, res.data.resourceType, res.data.type, res.data.entry?.length]).toEqual([
        200,
        'Bundle',
        'collection',
        4,
      ]);
    } finally {
      await v3.close();
    }
  });

  it('FhirHttpError keeps a short excerpt of a non-JSON error page, without the bearer token', async () => {
    const bb = await bootBlueButton(emu);
    try {
      const token = await login(bb.auth);
      // A proxy's error page that echoes the request, token included, then goes on and on.
      const page =
        '<html><head><title>400 Bad Request</title><style>body{color:red}</style></head><body>' +
        `<h1>Bad Request</h1><p>Rejected header Authorization: Bearer ${token.accessToken}</p>` +
        `<pre>${'x'.repeat(5000)}</pre></body></html>`;
      emu.faults.enqueue('/v2/fhir/Coverage', { status: 400, body: page });
      const error = await firstValueFrom(bb.fhir.getCoverageData(token)).catch(e => e);
      expect(error).toBeInstanceOf(FhirHttpError);
      expect(typeof error.body).toBe('string');
      expect(error.body.length).toBeLessThanOrEqual(201);
      expect(error.body).toMatch(
        /^400 Bad Request Bad Request Rejected header Authorization: Bearer \[redacted\] x/,
      );
      expect(JSON.stringify([error.body, error.message, String(error)])).not.toContain(
        token.accessToken,
      );
    } finally {
      await bb.close();
    }
  });

  it('FhirHttpError keeps a JSON error body parsed, with an echoed bearer token redacted', async () => {
    const bb = await bootBlueButton(emu);
    try {
      const token = await login(bb.auth);
      const echo = {
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'security', diagnostics: `Bearer ${token.accessToken}` },
        ],
      };
      emu.faults.enqueue('/v2/fhir/Coverage', { status: 400, body: echo });
      const error = await firstValueFrom(bb.fhir.getCoverageData(token)).catch(e => e);
      expect(error.body).toEqual({
        ...echo,
        issue: [{ ...echo.issue[0], diagnostics: 'Bearer [redacted]' }],
      });
      expect(JSON.stringify([error.body, error.message])).not.toContain(token.accessToken);
    } finally {
      await bb.close();
    }
  });
});
