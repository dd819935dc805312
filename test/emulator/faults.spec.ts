import { request as httpRequest } from 'node:http';
import { BlueButtonEmulator, type TokenResponse } from 'nestjs-bluebutton/testing';
import { call, getWith } from './helpers.js';

/** A raw GET that reports how the connection ended. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status?: number; error?: string }> {
  return new Promise(resolve => {
    const req = httpRequest(url, { headers, agent: false });
    req.on('response', res => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

describe('emulator: fault injection, latency and the request record', () => {
  let emu: BlueButtonEmulator;
  let t: TokenResponse;

  beforeAll(async () => {
    emu = await BlueButtonEmulator.start();
    t = await emu.getToken();
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.faults.clear();
    emu.clearRequests();
  });

  it('consumes a queued status sequence one request at a time, with Retry-After', async () => {
    emu.faults.enqueue({ path: '/v2/fhir/Patient', method: 'GET' }, [
      { status: 503 },
      { status: 503, retryAfter: 1 },
      { status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' },
    ]);
    const a = await getWith(emu, '/v2/fhir/Patient', t.access_token);
    expect([a.status, a.text, a.headers.get('retry-after')]).toEqual([
      503,
      '{"detail":"Service temporarily unavailable, try again later."}',
      null,
    ]);
    const b = await getWith(emu, '/v2/fhir/Patient', t.access_token);
    expect([b.status, b.headers.get('retry-after')]).toEqual([503, '1']);
    const c = await getWith(emu, '/v2/fhir/Patient', t.access_token);
    expect([c.status, c.headers.get('retry-after')]).toEqual([
      429,
      'Wed, 21 Oct 2026 07:28:00 GMT',
    ]);
    const d = await getWith(emu, '/v2/fhir/Patient', t.access_token);
    expect(d.status).toBe(200);
    expect(emu.faults.pending).toBe(0);
    expect(emu.requestsTo('/v2/fhir/Patient', 'GET')).toHaveLength(4);
  });

  it('uses BB2’s bodies for 500 and 502, and custom bodies and headers when given', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', [
      { status: 500 },
      { status: 502 },
      { status: 504 },
      { status: 418, body: { oops: true }, headers: { 'X-Test': 'yes' } },
    ]);
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      const r = await getWith(emu, '/v2/fhir/Coverage', t.access_token);
      bodies.push([r.status, r.text.slice(0, 70), r.headers.get('x-test')]);
    }
    expect(bodies).toEqual([
      [500, '{"error":"Server Error (500)"}', null],
      [502, '{"detail":"A failure occurred contacting the upstream server"}', null],
      [504, expect.stringContaining('504 Gateway Time-out'), null],
      [418, '{"oops":true}', 'yes'],
    ]);
  });

  it('matches by method and by RegExp on path + query', async () => {
    emu.faults.enqueue(
      { path: /ExplanationOfBenefit\?.*startIndex=10/, method: 'GET' },
      { status: 502 },
    );
    emu.faults.enqueue({ path: '/v2/o/token', method: 'GET' }, { status: 500 });
    expect((await getWith(emu, '/v2/fhir/ExplanationOfBenefit', t.access_token)).status).toBe(200);
    expect(
      (await getWith(emu, '/v2/fhir/ExplanationOfBenefit?startIndex=10', t.access_token)).status,
    ).toBe(502);
    const post = await call(`${emu.baseUrl}/v2/o/token/`, { method: 'POST' });
    expect(post.status).toBe(401);
    expect(emu.faults.pending).toBe(1);
  });

  // Wall-clock upper bounds fail on a loaded machine: each request's record says what delay the
  // emulator added, and only lower bounds are checked against the clock.
  it('delays one response with a latency fault, and every response with setLatency', async () => {
    emu.faults.enqueue('/v2/fhir/Patient', { latencyMs: 60 });
    const start = performance.now();
    expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(55);
    await getWith(emu, '/v2/fhir/Patient', t.access_token);

    emu.faults.setLatency({ path: '/v2/connect/userinfo' }, 40);
    for (let i = 0; i < 2; i++) await getWith(emu, '/v2/connect/userinfo', t.access_token);
    emu.faults.setLatency({ path: '/v2/connect/userinfo' }, null);
    await getWith(emu, '/v2/connect/userinfo', t.access_token);
    expect(emu.requests.map(r => [r.path, r.latencyMs])).toEqual([
      ['/v2/fhir/Patient', 60],
      ['/v2/fhir/Patient', 0],
      ['/v2/connect/userinfo', 40],
      ['/v2/connect/userinfo', 40],
      ['/v2/connect/userinfo', 0],
    ]);
    expect(emu.requests.every(r => r.servedMs! >= 0)).toBe(true);
  });

  it('adds latencyMs to every FHIR and userinfo response but not to OAuth', async () => {
    const slow = await BlueButtonEmulator.start({ latencyMs: 40 });
    try {
      const tok = await slow.getToken();
      const start = performance.now();
      const r = await getWith(slow, '/v2/fhir/Coverage', tok.access_token);
      expect(r.status).toBe(200);
      expect(performance.now() - start).toBeGreaterThanOrEqual(35);
      await getWith(slow, '/v2/connect/userinfo', tok.access_token);
      const delays = slow.requests.map(x => `${x.method} ${x.path} ${x.latencyMs}`);
      expect(delays.filter(d => !d.endsWith(' 0'))).toEqual([
        'GET /v2/fhir/Coverage 40',
        'GET /v2/connect/userinfo 40',
      ]);
      expect(delays).toContain('POST /v2/o/token/ 0');
    } finally {
      await slow.close();
    }
  });

  it('adds latencyPerEntryMs for each entry of a Bundle answer', async () => {
    const slow = await BlueButtonEmulator.start({ latencyMs: 5, latencyPerEntryMs: 2 });
    try {
      const tok = await slow.getToken();
      slow.clearRequests();
      const start = performance.now();
      await getWith(slow, '/v2/fhir/ExplanationOfBenefit/?_count=10', tok.access_token);
      expect(performance.now() - start).toBeGreaterThanOrEqual(20);
      await getWith(slow, '/v2/fhir/ExplanationOfBenefit/?_count=3', tok.access_token);
      await getWith(slow, '/v2/fhir/ExplanationOfBenefit/?startIndex=999', tok.access_token);
      await getWith(slow, '/v2/fhir/Coverage/', tok.access_token);
      await getWith(slow, '/v2/fhir/Patient/-19990000000001', tok.access_token);
      // 10, 3, 0 (a 400) and 4 entries; a read is not a Bundle.
      expect(slow.requests.map(r => r.latencyMs)).toEqual([25, 11, 5, 13, 5]);
    } finally {
      await slow.close();
    }
  });

  it('leaves CORS preflights alone unless a fault names OPTIONS', async () => {
    emu.faults.enqueue('/v2/fhir/Patient', { status: 503 });
    const pre = await call(`${emu.baseUrl}/v2/fhir/Patient`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.status).toBe(200);
    expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(503);
  });

  it('drops the connection without a response', async () => {
    emu.faults.enqueue('/v2/fhir/ExplanationOfBenefit', { drop: true });
    const r = await rawGet(`${emu.baseUrl}/v2/fhir/ExplanationOfBenefit`, {
      authorization: `Bearer ${t.access_token}`,
    });
    expect(r.status).toBeUndefined();
    expect(['ECONNRESET', 'socket hang up']).toContain(r.error);
    const again = await rawGet(`${emu.baseUrl}/v2/fhir/ExplanationOfBenefit`, {
      authorization: `Bearer ${t.access_token}`,
    });
    expect(again.status).toBe(200);
  });

  it('records method, path, query, lower-cased headers, form and arrival time', async () => {
    const before = Date.now();
    await getWith(emu, '/v2/fhir/ExplanationOfBenefit?_count=5&type=carrier', t.access_token, {
      'X-BLUEBUTTON-SDK': 'node',
      'X-BLUEBUTTON-SDK-VERSION': '1.2.3',
      'DATA-END-USER': 'user-1',
    });
    await call(`${emu.baseUrl}/v2/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=abc',
    });
    const [fhir, tokenCall] = emu.requests;
    expect(fhir).toMatchObject({
      method: 'GET',
      path: '/v2/fhir/ExplanationOfBenefit',
      url: '/v2/fhir/ExplanationOfBenefit?_count=5&type=carrier',
    });
    expect(fhir?.query.get('_count')).toBe('5');
    expect(fhir?.headers['x-bluebutton-sdk']).toBe('node');
    expect(fhir?.headers['x-bluebutton-sdk-version']).toBe('1.2.3');
    expect(fhir?.headers['data-end-user']).toBe('user-1');
    expect(fhir?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(tokenCall?.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'abc' });
    expect(emu.requestsTo(/token/, 'POST')).toHaveLength(1);
    emu.clearRequests();
    expect(emu.requests).toEqual([]);
  });

  describe('HTTP control endpoints (for tests in another process)', () => {
    it('GET /__emulator/requests lists requests (filtered) without recording itself', async () => {
      await getWith(emu, '/v2/fhir/Patient?_count=1', t.access_token, {
        'X-BLUEBUTTON-APP': 'demo',
      });
      await getWith(emu, '/v2/fhir/metadata');
      const r = await call(`${emu.baseUrl}/__emulator/requests?path=/v2/fhir/Patient&method=GET`);
      const list = r.json();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ path: '/v2/fhir/Patient', query: { _count: ['1'] } });
      expect(list[0].headers['x-bluebutton-app']).toBe('demo');
      expect(emu.requests).toHaveLength(2);
      expect((await call(`${emu.baseUrl}/__emulator/requests`, { method: 'DELETE' })).status).toBe(
        204,
      );
      expect(emu.requests).toHaveLength(0);
    });

    it('POST /__emulator/faults queues faults and POST /__emulator/clock moves time', async () => {
      const q = await call(`${emu.baseUrl}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          path: '/v2/fhir/Patient',
          method: 'GET',
          faults: [{ status: 502 }],
        }),
      });
      expect(q.status).toBe(204);
      expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(502);

      const fresh = await emu.getToken({ user: 'BBUser00003' });
      const clock = await call(`${emu.baseUrl}/__emulator/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advanceMs: 3_600_000 }),
      });
      expect(clock.status).toBe(200);
      try {
        expect((await getWith(emu, '/v2/fhir/Patient', fresh.access_token)).status).toBe(401);
      } finally {
        emu.clock.reset();
      }
    });
  });
});
