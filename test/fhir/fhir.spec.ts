import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthorizationToken,
  ApiVersionMismatchError,
  BlueButtonNetworkError,
  BlueButtonTimeoutError,
  FhirHttpError,
  UnexpectedResponseError,
  UnsafeUrlError,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let token: AuthorizationToken;

beforeAll(async () => {
  emu = await startEmulator();
  bb = await bootBlueButton(emu, { retrySettings: { total: 3, backoffFactor: 0.1 } });
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(async () => {
  emu.faults.clear();
  token = await login(bb.auth);
  emu.clearRequests();
});

const gets = (path: string) => emu.requestsTo(path, 'GET');
const tokenPosts = () => emu.requestsTo(/^\/v2\/o\/token\/?$/, 'POST');
const gaps = (path: string) =>
  gets(path)
    .map((r, i, all) => (i ? r.receivedAt - all[i - 1].receivedAt : 0))
    .slice(1);

describe('data calls', () => {
  it('return the data, status and token in force, with the bearer token and SDK headers on the GET', async () => {
    const res = await firstValueFrom(
      bb.fhir.getExplanationOfBenefitData(token, { type: ['carrier', 'outpatient'], _count: 5 }),
    );
    expect([
      res.status,
      res.token,
      res.data.resourceType,
      res.data.total,
      res.data.entry?.length,
    ]).toEqual([200, token, 'Bundle', 52, 5]);
    const [get] = gets('/v2/fhir/ExplanationOfBenefit');
    expect(get.url).toBe('/v2/fhir/ExplanationOfBenefit/?type=carrier%2Coutpatient&_count=5');
    expect(get.headers.authorization).toBe(`Bearer ${token.accessToken}`);
    expect([get.headers['x-bluebutton-sdk'], get.headers.accept]).toEqual([
      'nestjs',
      'application/fhir+json',
    ]);
  });

  it('cover Patient, Coverage, profile, reads by id and custom paths', async () => {
    const patient = await firstValueFrom(bb.fhir.getPatientData(token));
    const coverage = await firstValueFrom(bb.fhir.getCoverageData(token));
    const profile = await firstValueFrom(bb.fhir.getProfileData(token));
    const read = await firstValueFrom(bb.fhir.readPatient(token.patient!, token));
    const partA = await firstValueFrom(bb.fhir.readCoverage(`part-a-${token.patient}`, token));
    const eob = await firstValueFrom(
      bb.fhir.readExplanationOfBenefit('carrier--10344810963', token),
    );
    const custom = await firstValueFrom(
      bb.fhir.getCustomData<{ total: number }>('fhir/Coverage/', token, { _count: 1 }),
    );
    expect([
      patient.data.entry?.[0].resource?.id,
      coverage.data.total,
      profile.data.patient,
      read.data.id,
      partA.data.id,
      eob.data.id,
      custom.data.total,
    ]).toEqual([
      token.patient,
      4,
      token.patient,
      token.patient,
      `part-a-${token.patient}`,
      'carrier--10344810963',
      4,
    ]);
  });

  it('serialize repeated search parameters as Blue Button expects', async () => {
    await firstValueFrom(
      bb.fhir.getExplanationOfBenefitData(token, {
        'service-date': ['ge2020-01-01', 'lt2021-01-01'],
        _lastUpdated: 'gt2019-01-01',
      }),
    );
    expect(gets('/v2/fhir/ExplanationOfBenefit')[0].url).toBe(
      '/v2/fhir/ExplanationOfBenefit/?service-date=ge2020-01-01&service-date=lt2021-01-01&_lastUpdated=gt2019-01-01',
    );
  });

  it('refuse the insurance card with a v2 token with a clear error, sending nothing', async () => {
    const error = await firstValueFrom(bb.fhir.getInsuranceCardData(token)).catch(e => e);
    expect(error).toBeInstanceOf(ApiVersionMismatchError);
    expect(error.message).toMatch(
      /^getInsuranceCardData belongs to Blue Button API v3, but this token was issued under API v2/,
    );
    expect(emu.requests).toHaveLength(0);
  });

  it('throw FhirHttpError with the parsed body on a non-2xx answer', async () => {
    const error = await firstValueFrom(bb.fhir.readPatient('-1', token)).catch(e => e);
    expect(error).toBeInstanceOf(FhirHttpError);
    expect([error.status, error.body, error.path]).toEqual([
      404,
      { detail: 'Not found.' },
      '/v2/fhir/Patient/{id}',
    ]);
  });

  it.each([
    [
      'an HTML page',
      {
        status: 200,
        body: '<html><body>Maintenance</body></html>',
        headers: { 'content-type': 'text/html' },
      },
      /expected JSON but got text\/html/,
    ],
    [
      'truncated JSON',
      {
        status: 200,
        body: '{"resourceType":"Bundle","entry":[',
        headers: { 'content-type': 'application/fhir+json' },
      },
      /truncated or malformed/,
    ],
  ])('turn a 200 with %s into UnexpectedResponseError', async (_, fault, message) => {
    emu.faults.enqueue('/v2/fhir/Coverage', fault);
    const error = await firstValueFrom(bb.fhir.getCoverageData(token)).catch(e => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toMatch(message);
  });
});

describe('retry', () => {
  it('retries 3 times at backoffFactor * 2^(i-1) s, then throws the last status', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', [
      { status: 503 },
      { status: 500 },
      { status: 504 },
      { status: 502 },
    ]);
    const error = await firstValueFrom(bb.fhir.getCoverageData(token)).catch(e => e);
    expect(error).toMatchObject({ name: 'FhirHttpError', status: 502 });
    const measured = gaps('/v2/fhir/Coverage');
    // backoffFactor 0.1: 50, 100 and 200 ms. The upper slack absorbs a loaded machine (timers fire
    // late, never early) and still catches an exponent off by one (100, 200, 400 ms).
    expect(measured).toHaveLength(3);
    [50, 100, 200].forEach((expected, i) => {
      expect(measured[i]).toBeGreaterThanOrEqual(expected - 5);
      expect(measured[i]).toBeLessThan(expected + 150);
    });
  });

  it('honours Retry-After (seconds) over the backoff, and succeeds', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', { status: 503, retryAfter: 1 });
    const res = await firstValueFrom(bb.fhir.getCoverageData(token));
    expect(res.status).toBe(200);
    expect(gaps('/v2/fhir/Coverage')[0]).toBeGreaterThanOrEqual(995);
  });

  it('honours Retry-After as an HTTP date', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', {
      status: 503,
      retryAfter: new Date(Date.now() + 1500).toUTCString(),
    });
    await firstValueFrom(bb.fhir.getCoverageData(token));
    expect(gaps('/v2/fhir/Coverage')[0]).toBeGreaterThanOrEqual(450); // the date has one-second resolution
  });

  it.each([404, 400, 403, 429])('does not retry a %i (not in statusForcelist)', async status => {
    emu.faults.enqueue('/v2/fhir/Coverage', [{ status }, { status }]);
    await expect(firstValueFrom(bb.fhir.getCoverageData(token))).rejects.toMatchObject({ status });
    expect(gets('/v2/fhir/Coverage')).toHaveLength(1);
  });

  it('retries a dropped connection and succeeds', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', [{ drop: true }, { drop: true }]);
    const res = await firstValueFrom(bb.fhir.getCoverageData(token));
    expect([res.status, gets('/v2/fhir/Coverage').length]).toEqual([200, 3]);
  });

  it('makes exactly one attempt with total: 0', async () => {
    const once = await bootBlueButton(emu, { retrySettings: { total: 0 } });
    try {
      emu.faults.enqueue('/v2/fhir/Coverage', { drop: true });
      await expect(firstValueFrom(once.fhir.getCoverageData(token))).rejects.toBeInstanceOf(
        BlueButtonNetworkError,
      );
      expect(gets('/v2/fhir/Coverage')).toHaveLength(1);
    } finally {
      await once.close();
    }
  });

  it('times out each attempt after timeoutMs with BlueButtonTimeoutError', async () => {
    const quick = await bootBlueButton(emu, {
      timeoutMs: 100,
      retrySettings: { total: 1, backoffFactor: 0.01 },
    });
    try {
      emu.faults.enqueue('/v2/fhir/Coverage', [{ latencyMs: 400 }, { latencyMs: 400 }]);
      const started = Date.now();
      const error = await firstValueFrom(quick.fhir.getCoverageData(token)).catch(e => e);
      expect(error).toBeInstanceOf(BlueButtonTimeoutError);
      // Two attempts cut at 100 ms each: well under the 800 ms the two slow answers would take.
      expect(Date.now() - started).toBeLessThan(600);
      expect(gets('/v2/fhir/Coverage')).toHaveLength(2);
    } finally {
      await quick.close();
    }
  });
});

describe('token refresh', () => {
  it('refreshes an expired token once, then makes the call with the new token', async () => {
    const res = await firstValueFrom(bb.fhir.getCoverageData(expiredCopy(token)));
    expect(emu.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'POST /v2/o/token/',
      'GET /v2/fhir/Coverage/',
    ]);
    expect(gets('/v2/fhir/Coverage')[0].headers.authorization).toBe(
      `Bearer ${res.token.accessToken}`,
    );
    expect(res.token.accessToken).not.toBe(token.accessToken);
  });

  it('on a 401 invalid_token mid-session refreshes once and replays once', async () => {
    emu.advanceTime(3601_000); // the server now considers the access token expired; the client does not
    try {
      const res = await firstValueFrom(bb.fhir.getCoverageData(token));
      expect(emu.requests.map(r => `${r.method} ${r.path}`)).toEqual([
        'GET /v2/fhir/Coverage/',
        'POST /v2/o/token/',
        'GET /v2/fhir/Coverage/',
      ]);
      expect(res.token.accessToken).not.toBe(token.accessToken);
    } finally {
      emu.clock.reset();
    }
  });

  it('does not loop when the replay is refused too', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', [
      { status: 401, headers: { 'www-authenticate': 'Bearer realm="api",error="invalid_token"' } },
      { status: 401, headers: { 'www-authenticate': 'Bearer realm="api",error="invalid_token"' } },
    ]);
    await expect(firstValueFrom(bb.fhir.getCoverageData(token))).rejects.toMatchObject({
      status: 401,
    });
    expect([gets('/v2/fhir/Coverage').length, tokenPosts().length]).toEqual([2, 1]);
  });

  it('sends exactly 1 refresh POST for 20 concurrent calls on one expired token', async () => {
    const expired = expiredCopy(token);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => firstValueFrom(bb.fhir.getCoverageData(expired))),
    );
    expect(tokenPosts()).toHaveLength(1);
    expect(new Set(results.map(r => r.token.accessToken)).size).toBe(1);
    expect(new Set(gets('/v2/fhir/Coverage').map(r => r.headers.authorization))).toEqual(
      new Set([`Bearer ${results[0].token.accessToken}`]),
    );
  });

  it('leaves the token alone when tokenRefreshOnExpire is off', async () => {
    const manual = await bootBlueButton(emu, { tokenRefreshOnExpire: false });
    try {
      await firstValueFrom(manual.fhir.getCoverageData(expiredCopy(token, 10)));
      expect(tokenPosts()).toHaveLength(0);
    } finally {
      await manual.close();
    }
  });
});

describe('URL safety', () => {
  // An emulator on a 4-digit port P and an "evil" server on P·10+1: `http://127.0.0.1:P1…` starts
  // with the configured `http://127.0.0.1:P`, so the official SDKs' string-prefix check would send
  // it the bearer token.
  let safeEmu: BlueButtonEmulator | undefined;
  let safe: BlueButtonHarness;
  let evil: Server;
  let evilHits: string[];
  let evilPort: number;
  let safeToken: AuthorizationToken;

  beforeAll(async () => {
    evilHits = [];
    evil = createServer((req, res) => {
      evilHits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('{}');
    });
    for (let attempt = 0; !safeEmu; attempt++) {
      const port = 2000 + Math.floor(Math.random() * 4500);
      try {
        await new Promise<void>((ok, fail) =>
          evil.once('error', fail).listen(port * 10 + 1, '127.0.0.1', () => ok()),
        );
      } catch (e) {
        if (attempt > 20) throw e;
        continue;
      }
      try {
        safeEmu = await startEmulator({ port });
      } catch (e) {
        await new Promise(r => evil.close(r));
        if (attempt > 20) throw e;
      }
    }
    evilPort = (evil.address() as AddressInfo).port;
    safe = await bootBlueButton(safeEmu);
    safeToken = await login(safe.auth);
  });
  afterAll(async () => {
    await safe.close();
    await safeEmu?.close();
    await new Promise(r => evil.close(r));
  });
  beforeEach(() => safeEmu!.clearRequests());

  it('is tested against URLs a string-prefix check would accept', () => {
    expect(`http://127.0.0.1:${evilPort}/v2/fhir/Patient/`.startsWith(safe.config.baseUrl)).toBe(
      true,
    );
  });

  it.each([
    ['a look-alike port (P → P1)', () => `http://127.0.0.1:${evilPort}/v2/fhir/Patient/`],
    [
      'a look-alike host (userinfo trick)',
      () => `http://127.0.0.1:${safeEmu!.port}@127.0.0.1:${evilPort}/v2/fhir/Patient/`,
    ],
    ['another scheme', () => `https://127.0.0.1:${safeEmu!.port}/v2/fhir/Patient/`],
    ['another version path', () => `${safeEmu!.baseUrl}/v1/fhir/Patient/`, ApiVersionMismatchError],
    ['a path escaping the version', () => `${safeEmu!.baseUrl}/v2/../admin/`],
    ['a relative path escaping the version', () => '../v3/fhir/Patient/', ApiVersionMismatchError],
  ])('refuses %s without sending anything', async (_, url, type: Function = UnsafeUrlError) => {
    const error = await firstValueFrom(safe.fhir.getCustomData(url(), safeToken)).catch(e => e);
    expect(error).toBeInstanceOf(type);
    expect(error.message).not.toContain(safeToken.accessToken);
    expect(evilHits).toEqual([]);
    expect(safeEmu!.requests).toHaveLength(0);
  });

  it('refuses a next link to another origin in the middle of pagination', async () => {
    const first = (await firstValueFrom(safe.fhir.getExplanationOfBenefitData(safeToken))).data;
    const next = `http://127.0.0.1:${evilPort}/v2/fhir/ExplanationOfBenefit?startIndex=10&_count=10`;
    const poisoned = { ...first, link: [{ relation: 'next', url: next }] };
    await expect(firstValueFrom(safe.fhir.getPages(poisoned, safeToken))).rejects.toBeInstanceOf(
      UnsafeUrlError,
    );
    expect(evilHits).toEqual([]);
    // The evil server is live, so "no hits" above means nothing was sent.
    await (await fetch(`http://127.0.0.1:${evilPort}/probe`)).text();
    expect(evilHits).toEqual(['GET /probe ']);
  });

  it('accepts the configured origin written differently, and refuses the classic look-alike host', async () => {
    const { resolveApiUrl } = await import('../../lib/http/url-safety.js');
    const config = { baseUrl: 'https://sandbox.bluebutton.cms.gov', version: 2 as const };
    expect(
      resolveApiUrl('HTTPS://SANDBOX.bluebutton.cms.gov:443/v2/fhir/Patient/', config).href,
    ).toBe('https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/');
    expect(() =>
      resolveApiUrl('https://sandbox.bluebutton.cms.gov.evil.example/v2/fhir/Patient/', config),
    ).toThrow(UnsafeUrlError);
  });
});
