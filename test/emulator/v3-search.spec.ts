import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { basic, getWith, postForm } from './helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const SCOPE = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs profile';
const EOB = '/v3/fhir/ExplanationOfBenefit';
const SYSTEM_TYPE = 'https://bluebutton.cms.gov/fhir/CodeSystem/System-Type';
const FINAL_ACTION = 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action';

/** Every EOB id of a v3 search (following `next`), and the pages. */
async function walk(emu: BlueButtonEmulator, first: string, token: string) {
  const pages: any[] = [];
  let url: string | undefined = first;
  while (url) {
    const r = await getWith(emu, url, token);
    expect([url, r.status]).toEqual([url, 200]);
    pages.push(r.json());
    url = r.json().link.find((l: any) => l.relation === 'next')?.url;
  }
  const eobs = pages.flatMap(p => (p.entry ?? []).map((e: any) => e.resource));
  return { pages, eobs, ids: eobs.map((e: any) => e.id as string) };
}

describe('emulator: v3 EOB search (BB2’s v3 parameters on BFD v3)', () => {
  let emu: BlueButtonEmulator;
  let token: string;
  const partD = {
    clientId: 'P'.repeat(40),
    clientSecret: 'part-d-secret',
    redirectUris: [REDIRECT],
    name: 'Drug App',
    v3EarlyAdopter: true,
    partDEobOnly: true,
  };
  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({
      v3Enabled: true,
      redirectUris: [REDIRECT],
      // 30 FFS claims, 6 Part D events, 2 shared-system claims (BBUserNNNN3), 2 labelled SAMHSA.
      beneficiaries: [
        {
          username: 'BBUser00013',
          claimCounts: { carrier: 20, outpatient: 10, pde: 6 },
          samhsaClaims: 2,
        },
      ],
    });
    emu.registerClient(partD);
    token = (await emu.getToken({ user: 'BBUser00013', version: 'v3', scope: SCOPE })).access_token;
  });
  afterAll(() => emu.close());

  it('BB2 adds _source=NCH,DDPS: shared-system (partially adjudicated) claims stay out by default', async () => {
    const def = await walk(emu, `${EOB}?_count=50`, token);
    expect(def.eobs).toHaveLength(36);
    const self = new URL(def.pages[0].link.at(-1).url);
    expect([
      self.pathname,
      self.searchParams.get('_source'),
      self.searchParams.get('patient'),
    ]).toEqual([
      '/v3/fhir/ExplanationOfBenefit/',
      'NCH,DDPS',
      emu.beneficiary('BBUser00013')!.v3PatientId,
    ]);
    expect(new Set(def.eobs.map((e: any) => e.meta.source))).toEqual(new Set(['NCH', 'DDPS']));
    // Asking by tag (any _tag or _source in the query) disables BB2's default.
    const shared = await walk(
      emu,
      `${EOB}?_tag=${encodeURIComponent(`${SYSTEM_TYPE}|SharedSystem`)}`,
      token,
    );
    expect(
      shared.eobs.map((e: any) => [e.meta.source, e.meta.tag.map((t: any) => t.code)]).sort(),
    ).toEqual([
      ['FISS', ['SharedSystem', 'NotFinalAction']],
      ['MCS', ['SharedSystem', 'NotFinalAction']],
    ]);
    const notFinal = await walk(
      emu,
      `${EOB}?_tag=${encodeURIComponent(`${FINAL_ACTION}|NotFinalAction`)}`,
      token,
    );
    expect(notFinal.ids.sort()).toEqual(shared.ids.sort());
    const everything = await walk(emu, `${EOB}?_count=50&_source=NCH,DDPS,FISS,MCS`, token);
    expect(everything.eobs).toHaveLength(38);
    const drugs = await walk(emu, `${EOB}?_source=ddps`, token);
    expect(drugs.eobs.map((e: any) => e.meta.source)).toEqual(Array(6).fill('DDPS'));
    // Repeated _source is an AND of ORs.
    const none = await walk(emu, `${EOB}?_source=NCH&_source=DDPS`, token);
    expect(none.pages[0].entry).toBeUndefined();
  });

  it('pages with _offset: next/previous links, self last, total only on the last page (its entries)', async () => {
    const first = (await getWith(emu, `${EOB}?_count=10`, token)).json();
    expect(first.link.map((l: any) => l.relation)).toEqual(['next', 'self']);
    expect(first.total).toBeUndefined();
    expect(new URL(first.link[0].url).searchParams.get('_offset')).toBe('10');
    const walked = await walk(emu, `${EOB}?_count=10`, token);
    expect(walked.pages.map(p => p.entry.length)).toEqual([10, 10, 10, 6]);
    expect(walked.pages.at(-1).total).toBe(6);
    expect(walked.pages.at(-1).link.map((l: any) => l.relation)).toEqual(['previous', 'self']);
    expect(new Set(walked.ids).size).toBe(36);
    // BFD v3's order: ascending numeric claim id.
    expect(walked.ids.map(Number)).toEqual(walked.ids.map(Number).sort((a, b) => a - b));
    // _offset wins over startIndex; past the end is an empty page, not an error.
    const offset = (await getWith(emu, `${EOB}?_count=5&startIndex=30&_offset=5`, token)).json();
    expect(offset.entry.map((e: any) => e.resource.id)).toEqual(walked.ids.slice(5, 10));
    const past = await getWith(emu, `${EOB}?_offset=999`, token);
    expect([past.status, past.json().entry, past.json().total]).toEqual([
      200,
      undefined,
      undefined,
    ]);
  });

  it('Prefer: handling=strict is an exact header match; parse_qs drops blank values', async () => {
    const strict = { prefer: 'handling=strict' };
    const cases: Array<[string, Record<string, string>, number]> = [
      [`${EOB}?foo=1&count=5&_format=json`, strict, 400],
      [`${EOB}?foo=&count=5`, strict, 200],
      [`${EOB}?foo=1`, { prefer: 'handling=strict, return=minimal' }, 200],
      [`${EOB}?_offset=1&_tag=${encodeURIComponent(`${FINAL_ACTION}|FinalAction`)}`, strict, 200],
      [`/v3/fhir/Patient/${emu.beneficiary('BBUser00013')!.v3PatientId}?foo=1`, strict, 400],
    ];
    for (const [path, headers, status] of cases) {
      const r = await getWith(emu, path, token, headers);
      expect([path, r.status]).toEqual([path, status]);
    }
    const refused = await getWith(emu, `${EOB}?foo=1&bar=2`, token, strict);
    expect(refused.text).toBe(`{"error":"Invalid parameters: ['foo', 'bar']"}`);
  });

  it('a Part-D-only app: _source=DDPS forced, other reads 404, v1/v2 EOB calls 403', async () => {
    const t = await emu.getToken({
      user: 'BBUser00013',
      clientId: partD.clientId,
      version: 'v3',
      scope: SCOPE,
    });
    const drugs = await walk(emu, `${EOB}?_source=NCH`, t.access_token);
    expect(drugs.eobs.map((e: any) => e.meta.source)).toEqual(Array(6).fill('DDPS'));
    const nch = (await walk(emu, `${EOB}?_source=NCH`, token)).ids[0];
    expect((await getWith(emu, `${EOB}/${nch}`, t.access_token)).json()).toEqual({
      detail: 'Not found.',
    });
    expect((await getWith(emu, `${EOB}/${drugs.ids[0]}`, t.access_token)).status).toBe(200);
    expect((await getWith(emu, '/v2/fhir/ExplanationOfBenefit', t.access_token)).status).toBe(403);
  });

  it('a new authorization deletes the pair’s earlier tokens (every version); other apps keep theirs', async () => {
    const other = await emu.getToken({
      user: 'BBUser00013',
      clientId: partD.clientId,
      version: 'v3',
      scope: SCOPE,
    });
    const old = await emu.getToken({ user: 'BBUser00013', version: 'v3', scope: SCOPE });
    await emu.getToken({ user: 'BBUser00013', version: 'v3', scope: SCOPE });
    expect((await getWith(emu, EOB, old.access_token)).status).toBe(401);
    const reuse = await postForm(
      `${emu.baseUrl}/v3/o/token/`,
      { grant_type: 'refresh_token', refresh_token: old.refresh_token },
      basic(emu.client.clientId, emu.client.clientSecret),
    );
    // Deleted, not revoked: BB2's v3 gate no longer finds the refresh token.
    expect([reuse.status, reuse.json()]).toEqual([
      403,
      { status_code: 403, message: 'Request denied' },
    ]);
    expect((await getWith(emu, EOB, other.access_token)).status).toBe(200);
  });

  describe('the v3 token body (BB2 1becbc56b, removed again in 4a442e8d1)', () => {
    it('accepts unknown fields by default, as BB2 does today', async () => {
      const a = await emu.authorize({ version: 'v3', scope: SCOPE });
      const r = await postForm(`${emu.baseUrl}/v3/o/token/`, {
        grant_type: 'authorization_code',
        code: a.code,
        redirect_uri: a.redirectUri,
        code_verifier: a.codeVerifier,
        code_challenge: a.codeChallenge,
        client_id: emu.client.clientId,
        client_secret: emu.client.clientSecret,
      });
      expect(r.status).toBe(200);
    });

    it('rejects them with strictV3TokenBody (v3 only)', async () => {
      const strict = await BlueButtonEmulator.start({ v3Enabled: true, strictV3TokenBody: true });
      try {
        for (const version of ['v2', 'v3'] as const) {
          const a = await strict.authorize({ version, scope: SCOPE });
          const r = await postForm(`${strict.baseUrl}/${version}/o/token/`, {
            grant_type: 'authorization_code',
            code: a.code,
            redirect_uri: a.redirectUri,
            code_verifier: a.codeVerifier,
            code_challenge: a.codeChallenge,
            client_id: strict.client.clientId,
            client_secret: strict.client.clientSecret,
          });
          expect([version, r.status, r.text]).toEqual(
            version === 'v2'
              ? [version, 200, r.text]
              : [
                  version,
                  400,
                  `{"status_code": 400, "error": "invalid_request", "error_description": "Invalid parameters in request: {'code_challenge'}"}`,
                ],
          );
        }
      } finally {
        await strict.close();
      }
    });
  });
});
