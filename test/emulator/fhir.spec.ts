import { request as httpRequest } from 'node:http';
import { BlueButtonEmulator, type TokenResponse } from 'nestjs-bluebutton/testing';
import { allPages, basic, call, getWith, postForm } from './helpers.js';

const EOB = '/v2/fhir/ExplanationOfBenefit';

describe('emulator: FHIR endpoints', () => {
  let emu: BlueButtonEmulator;
  let t: TokenResponse;

  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ gzip: true });
  });
  // A new consent deletes the pair's older tokens (as on BB2), so every test starts fresh.
  beforeEach(async () => {
    t = await emu.getToken();
  });

  const totalOf = async (qs: string): Promise<number> =>
    (await getWith(emu, `${EOB}?${qs}`, t.access_token)).json().total;

  const rawGet = (encoding?: string) =>
    new Promise<{ headers: Record<string, unknown> }>((resolve, reject) => {
      const req = httpRequest(`${emu.baseUrl}/v2/fhir/Patient`, {
        headers: {
          authorization: `Bearer ${t.access_token}`,
          ...(encoding ? { 'accept-encoding': encoding } : {}),
        },
      });
      req.on('response', res => {
        res.resume();
        res.on('end', () => resolve({ headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  afterAll(() => emu.close());

  describe('full flow over HTTP', () => {
    it('serves Patient, Coverage, every EOB page, userinfo, then refresh and revoke', async () => {
      const flow = await emu.getToken({ user: 'BBUser00000' });
      const patient = await getWith(emu, '/v2/fhir/Patient', flow.access_token);
      expect(patient.json().entry[0].resource.id).toBe(flow.patient);
      const read = await getWith(emu, `/v2/fhir/Patient/${flow.patient}`, flow.access_token);
      expect(read.json().resourceType).toBe('Patient');

      const coverage = await getWith(emu, '/v2/fhir/Coverage', flow.access_token);
      const ids = coverage.json().entry.map((e: any) => e.resource.id);
      expect(ids).toEqual(['a', 'b', 'c', 'd'].map(p => `part-${p}--19990000000001`));
      for (const id of ids) {
        expect((await getWith(emu, `/v2/fhir/Coverage/${id}`, flow.access_token)).json().id).toBe(
          id,
        );
      }

      const pages = await allPages(emu, `${emu.baseUrl}${EOB}`, flow.access_token);
      expect(pages.map(p => p.entry.length)).toEqual([10, 10, 10, 10, 10, 2]);
      const eobs = pages.flatMap(p => p.entry.map((e: any) => e.resource));
      expect(new Set(eobs.map(e => e.id)).size).toBe(52);
      const claimIds = eobs.map(e => e.id.replace(/^[a-z]+-/, ''));
      expect(claimIds).toEqual([...claimIds].sort());
      const one = await getWith(emu, `${EOB}/${eobs[7].id}`, flow.access_token);
      expect(one.json()).toEqual(eobs[7]);

      const me = await getWith(emu, '/v2/connect/userinfo', flow.access_token);
      expect(Object.keys(me.json())).toEqual([
        'sub',
        'name',
        'given_name',
        'family_name',
        'email',
        'iat',
        'patient',
      ]);
      expect(me.json().iat).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const r = await postForm(
        `${emu.baseUrl}/v2/o/token/`,
        { grant_type: 'refresh_token', refresh_token: flow.refresh_token },
        basic(emu.client.clientId, emu.client.clientSecret),
      );
      const refreshed = r.json();
      expect((await getWith(emu, EOB, refreshed.access_token)).json().total).toBe(52);
      await postForm(
        `${emu.baseUrl}/v2/o/revoke/`,
        { token: refreshed.access_token },
        basic(emu.client.clientId, emu.client.clientSecret),
      );
      expect((await getWith(emu, EOB, refreshed.access_token)).status).toBe(401);
    });
  });

  describe('paging (BFD OffsetLinkBuilder)', () => {
    it('builds first/next/previous/last/self in order, absolute on our base, with every effective param', async () => {
      const r = await getWith(
        emu,
        `${EOB}/?startIndex=20&count=10&type=carrier,outpatient&unknown=1&_format=xml`,
        t.access_token,
      );
      const b = r.json();
      const base = `${emu.baseUrl}${EOB}`;
      const p = (s: number) =>
        `${base}?_format=application%2Ffhir%2Bjson&type=carrier%2Coutpatient&startIndex=${s}&_count=10&patient=-19990000000001`;
      expect(b.link).toEqual([
        { relation: 'first', url: p(0) },
        { relation: 'next', url: p(30) },
        { relation: 'previous', url: p(10) },
        { relation: 'last', url: p(50) },
        {
          relation: 'self',
          url: `${base}/?_count=10&_format=application%2Ffhir%2Bjson&patient=-19990000000001&startIndex=20&type=carrier%2Coutpatient`,
        },
      ]);
      expect([b.resourceType, b.type, b.total, b.entry.length]).toEqual([
        'Bundle',
        'searchset',
        52,
        10,
      ]);
      expect(b.entry[0]).not.toHaveProperty('fullUrl');
    });

    it('answers an empty search with total 0, no entry key, and first/last/self links', async () => {
      const b = (await getWith(emu, `${EOB}?type=pde`, t.access_token)).json();
      expect(b.total).toBe(0);
      expect(b).not.toHaveProperty('entry');
      expect(b.link.map((l: any) => l.relation)).toEqual(['first', 'last', 'self']);
    });

    it('relays BFD’s startIndex error as an upstream 400', async () => {
      const r = await getWith(emu, `${EOB}?startIndex=52`, t.access_token);
      expect([r.status, r.text]).toEqual([
        400,
        '{"detail":"An error occurred contacting the upstream server:Value for startIndex (52) must be less than than result size (52)"}',
      ]);
      const zero = await getWith(emu, `${EOB}?_count=0`, t.access_token);
      expect(zero.json().detail).toBe(
        "An error occurred contacting the upstream server:Invalid pageSize '0'",
      );
    });

    it('links on the host the client used', async () => {
      const port = new URL(emu.baseUrl).port;
      const b = (
        await getWith(emu, `http://localhost:${port}/v2/fhir/Coverage`, t.access_token)
      ).json();
      expect(b.link[0].url).toBe(
        `http://localhost:${port}/v2/fhir/Coverage?_format=application%2Ffhir%2Bjson&startIndex=0&_count=10&beneficiary=Patient%2F-19990000000001`,
      );
    });
  });

  describe('search parameters', () => {
    it.each([
      ['_count=51', 'value must be at most 50'],
      ['_count=-1', 'value must be at least 0'],
      ['_count=abc', 'expected int'],
      ['startIndex=x', 'expected int'],
      ['_lastUpdated=2020-01-01', 'the _lastUpdated operator is not valid'],
      ['service-date=2020-01-01', 'the service-date operator is not valid'],
      ['type=foo', 'the type parameter value is not valid'],
    ])('%s → 400 %s', async (qs, detail) => {
      const r = await getWith(emu, `${EOB}?${qs}`, t.access_token);
      expect([r.status, r.text]).toEqual([400, JSON.stringify({ detail })]);
    });

    it('filters by type (list or eob-type system form), service-date and _lastUpdated', async () => {
      expect(await totalOf('type=carrier')).toBe(14);
      expect(await totalOf('type=OUTPATIENT')).toBe(38);
      expect(await totalOf('type=carrier,outpatient')).toBe(52);
      expect(
        await totalOf(
          `type=${encodeURIComponent('https://bluebutton.cms.gov/resources/codesystem/eob-type|carrier')}`,
        ),
      ).toBe(14);
      // The mirrored capture has 24 claims dated 2001.
      expect(await totalOf('service-date=ge2001-01-01&service-date=le2001-12-31')).toBe(24);
      expect(await totalOf('service-date=gt2001-12-31')).toBe(0);
      // Carrier claims were loaded at 21:51:19.387 (3), 21:51:33.688 (2) and 21:51:48.918 (9).
      expect(await totalOf('_lastUpdated=lt2021-06-07T21:51:30-04:00')).toBe(3);
      expect(await totalOf('_lastUpdated=ge2021-06-07T21:53:00-04:00&type=carrier')).toBe(0);
    });

    it('binds searches and reads to the token’s patient', async () => {
      const other = '-19990000000002';
      const cases: Array<[string, number]> = [
        [`/v2/fhir/Patient/${other}`, 404],
        [`/v2/fhir/Patient?_id=${other}`, 404],
        [`/v2/fhir/Coverage/part-a-${other}`, 404],
        [`/v2/fhir/Coverage?beneficiary=Patient/${other}`, 403],
        [`${EOB}?patient=${other}`, 403],
        [`${EOB}?patient=Patient/-19990000000001`, 403],
        [`${EOB}/carrier--1`, 404],
      ];
      for (const [path, status] of cases) {
        const r = await getWith(emu, path, t.access_token);
        expect([path, r.status, r.text]).toEqual([
          path,
          status,
          status === 404
            ? '{"detail":"Not found."}'
            : '{"detail":"You do not have permission to perform this action."}',
        ]);
      }
      expect((await getWith(emu, `${EOB}?patient=-19990000000001`, t.access_token)).status).toBe(
        200,
      );
      expect(
        (
          await getWith(
            emu,
            `/v2/fhir/Coverage?beneficiary=Patient/-19990000000001`,
            t.access_token,
          )
        ).status,
      ).toBe(200);
    });

    it('relays BFD’s 400 for an id BFD cannot parse', async () => {
      const r = await getWith(emu, '/v2/fhir/Coverage/part-d____--19990000000001', t.access_token);
      expect(r.json().detail).toBe(
        'An error occurred contacting the upstream server:Failed to call access method: java.lang.IllegalArgumentException: Unsupported ID pattern: part-d____--19990000000001',
      );
    });

    it('accepts optional trailing slashes on FHIR paths', async () => {
      for (const p of ['/v2/fhir/Patient/', `/v2/fhir/Patient/${t.patient}/`, `${EOB}/`]) {
        expect((await getWith(emu, p, t.access_token)).status).toBe(200);
      }
    });
  });

  describe('content negotiation and headers', () => {
    it('defaults to application/fhir+json, gives application/json when asked, 406 otherwise', async () => {
      const fhir = await getWith(emu, '/v2/fhir/Patient', t.access_token, { accept: '*/*' });
      expect(fhir.headers.get('content-type')).toBe('application/fhir+json');
      const json = await getWith(emu, '/v2/fhir/Patient', t.access_token, {
        accept: 'application/json',
      });
      expect(json.headers.get('content-type')).toBe('application/json');
      const xml = await getWith(emu, '/v2/fhir/Patient', t.access_token, {
        accept: 'application/xml',
      });
      expect([xml.status, xml.text]).toEqual([
        406,
        '{"detail":"Could not satisfy the request Accept header."}',
      ]);
    });

    it('serves compact JSON', async () => {
      const r = await getWith(emu, `/v2/fhir/Patient/${t.patient}`, t.access_token);
      expect(r.text.startsWith('{"resourceType":"Patient","id":"-19990000000001","meta":{')).toBe(
        true,
      );
    });

    it('gzips bodies of 200 bytes or more when asked, and says Vary: Accept-Encoding', async () => {
      const gz = await rawGet('gzip, deflate');
      expect([gz.headers['content-encoding'], gz.headers.vary]).toEqual([
        'gzip',
        'Accept-Encoding',
      ]);
      const plain = await rawGet();
      expect(plain.headers['content-encoding']).toBeUndefined();
    });

    it('sends numeric X-RateLimit-* on FHIR and the literal None elsewhere', async () => {
      const fhir = await getWith(emu, '/v2/fhir/Patient', t.access_token);
      expect(fhir.headers.get('x-ratelimit-limit')).toBe('100000');
      expect(Number(fhir.headers.get('x-ratelimit-remaining'))).toBeLessThan(100000);
      expect(fhir.headers.get('x-ratelimit-reset')).toMatch(/^\d+\.\d+$/);
      const meta = await call(`${emu.baseUrl}/v2/fhir/metadata`);
      expect(meta.headers.get('x-ratelimit-limit')).toBe('None');
    });

    it('answers HEAD like GET without a body', async () => {
      const r = await call(`${emu.baseUrl}/v2/fhir/Patient`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${t.access_token}`, 'accept-encoding': 'identity' },
      });
      expect(r.status).toBe(200);
      expect(Number(r.headers.get('content-length'))).toBeGreaterThan(200);
      expect(r.text).toBe('');
    });
  });

  describe('errors', () => {
    it('refuses the access_token query parameter with 400', async () => {
      const r = await call(`${emu.baseUrl}/v2/fhir/Patient?access_token=${t.access_token}`);
      expect([r.status, r.text]).toEqual([
        400,
        '{"detail":"Using the access token in the query parameters is not supported. Use the Authorization header instead"}',
      ]);
    });

    it('answers 401 with the three WWW-Authenticate variants', async () => {
      const none = await getWith(emu, '/v2/fhir/Patient');
      expect([none.status, none.text, none.headers.get('www-authenticate')]).toEqual([
        401,
        '{"detail":"Authentication credentials were not provided."}',
        'Bearer realm="api"',
      ]);
      const bad = await getWith(emu, '/v2/fhir/Patient', 'nope');
      expect(bad.headers.get('www-authenticate')).toBe(
        'Bearer realm="api",error="invalid_token",error_description="The access token is invalid."',
      );
      const fresh = await emu.getToken();
      emu.advanceTime(3600_000);
      try {
        const expired = await getWith(emu, '/v2/fhir/Patient', fresh.access_token);
        expect([expired.status, expired.headers.get('www-authenticate')]).toEqual([
          401,
          'Bearer realm="api",error="invalid_token",error_description="The access token has expired."',
        ]);
      } finally {
        emu.clock.reset();
      }
    });

    it('answers 401 "User access has timed out" once the grant expired, for FHIR and userinfo', async () => {
      const own = await BlueButtonEmulator.start();
      try {
        const tok = await own.getToken();
        expect(own.expireGrant(tok.patient)).toBe(1);
        for (const p of ['/v2/fhir/ExplanationOfBenefit', '/v2/connect/userinfo']) {
          const r = await getWith(own, p, tok.access_token);
          expect([r.status, r.text]).toEqual([
            401,
            '{"detail":"User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data."}',
          ]);
        }
      } finally {
        await own.close();
      }
    });

    it('answers 401 with the inactive-app detail once the app is deactivated', async () => {
      const own = await BlueButtonEmulator.start();
      try {
        const tok = await own.getToken();
        own.updateClient(own.client.clientId, { active: false, name: 'Paused' });
        const r = await getWith(own, '/v2/fhir/Patient', tok.access_token);
        expect(r.status).toBe(401);
        expect(r.json().detail).toMatch(/^This application, Paused, is temporarily inactive\./);
      } finally {
        await own.close();
      }
    });

    it('answers 403 on Patient and userinfo when demographics were not shared', async () => {
      const tok = await emu.getToken({ shareDemographics: false });
      expect(tok.scope).not.toMatch(/Patient|profile/);
      for (const p of ['/v2/fhir/Patient', '/v2/connect/userinfo']) {
        const r = await getWith(emu, p, tok.access_token);
        expect([r.status, r.text]).toEqual([
          403,
          '{"detail":"You do not have permission to perform this action."}',
        ]);
      }
      expect((await getWith(emu, EOB, tok.access_token)).status).toBe(200);
    });

    it('answers 405 with Allow to a POST on a FHIR route', async () => {
      const r = await call(`${emu.baseUrl}/v2/fhir/Patient`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.access_token}` },
      });
      expect([r.status, r.text, r.headers.get('allow')]).toEqual([
        405,
        '{"detail":"Method \\"POST\\" not allowed."}',
        'GET, HEAD, OPTIONS',
      ]);
    });

    it('throttles per token with 429, Retry-After and DRF’s message', async () => {
      const own = await BlueButtonEmulator.start({ rateLimit: '2/min' });
      try {
        const tok = await own.getToken();
        await getWith(own, '/v2/fhir/Patient', tok.access_token);
        const second = await getWith(own, '/v2/fhir/Patient', tok.access_token);
        expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
        const third = await getWith(own, '/v2/fhir/Patient', tok.access_token);
        expect([third.status, third.text, third.headers.get('retry-after')]).toEqual([
          429,
          '{"detail":"Request was throttled. Expected available in 60 seconds."}',
          '60',
        ]);
        own.advanceTime(60_000);
        expect((await getWith(own, '/v2/fhir/Patient', tok.access_token)).status).toBe(200);
      } finally {
        await own.close();
      }
    });
  });

  describe('metadata, discovery and CORS', () => {
    it('serves metadata without auth, as application/json', async () => {
      const r = await call(`${emu.baseUrl}/v2/fhir/metadata`);
      expect([r.status, r.headers.get('content-type')]).toEqual([200, 'application/json']);
      const cs = r.json();
      expect(cs.rest[0].resource.map((x: any) => x.type)).toEqual([
        'Patient',
        'Coverage',
        'ExplanationOfBenefit',
      ]);
      expect(cs.rest[0].security.extension[0].extension.map((x: any) => x.url)).toEqual([
        'token',
        'authorize',
        'revoke',
      ]);
    });

    it('builds the OIDC and SMART documents from the emulator base URL', async () => {
      const oidc = (
        await call(`${emu.baseUrl}/v2/connect/.well-known/openid-configuration`)
      ).json();
      expect(oidc).toMatchObject({
        issuer: emu.baseUrl,
        authorization_endpoint: `${emu.baseUrl}/v2/o/authorize`,
        token_endpoint: `${emu.baseUrl}/v2/o/token`,
        revocation_endpoint: `${emu.baseUrl}/v2/o/revoke_token`,
        userinfo_endpoint: `${emu.baseUrl}/v2/connect/userinfo`,
        fhir_metadata_uri: `${emu.baseUrl}/v2/fhir/metadata`,
        grant_types_supported: ['refresh_token', 'authorization_code'],
      });
      const legacy = (await call(`${emu.baseUrl}/.well-known/openid-configuration-v2`)).json();
      expect(legacy).toEqual(oidc);
      const smart = (await call(`${emu.baseUrl}/v2/fhir/.well-known/smart-configuration`)).json();
      expect(smart.code_challenge_methods_supported).toEqual(['S256']);
      expect(smart.token_endpoint).toBe(`${emu.baseUrl}/v2/o/token`);
      expect((await call(`${emu.baseUrl}/.well-known/openid-configuration-v3`)).status).toBe(404);
    });

    it('answers preflights with django-cors-headers defaults and adds ACAO * with an Origin', async () => {
      const pre = await call(`${emu.baseUrl}/v2/fhir/Patient`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(pre.status).toBe(200);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      expect(pre.headers.get('access-control-allow-headers')).toBe(
        'accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with',
      );
      expect(pre.headers.get('access-control-allow-methods')).toBe(
        'DELETE, GET, OPTIONS, PATCH, POST, PUT',
      );
      expect(pre.headers.get('access-control-max-age')).toBe('86400');
      const get = await getWith(emu, '/v2/fhir/Patient', t.access_token, {
        origin: 'http://app.example',
      });
      expect(get.headers.get('access-control-allow-origin')).toBe('*');
      expect(get.headers.get('access-control-expose-headers')).toBeNull();
    });

    it('in strict CORS mode refuses preflights asking for X-BLUEBUTTON-* headers', async () => {
      const strict = await BlueButtonEmulator.start({ corsStrict: true });
      try {
        const r = await call(`${strict.baseUrl}/v2/fhir/Patient`, {
          method: 'OPTIONS',
          headers: {
            origin: 'http://app.example',
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization, x-bluebutton-sdk',
          },
        });
        expect(r.status).toBe(403);
      } finally {
        await strict.close();
      }
    });
  });
});
