import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { basic, call, getWith, postForm } from './helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const SCOPE = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs profile';
const EOB = '/v3/fhir/ExplanationOfBenefit';
const OO = (status: number, diagnostics: string) => [
  status,
  {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics }],
  },
];

/** Every EOB of a v3 search, following `next` links. */
async function allV3(emu: BlueButtonEmulator, first: string, token: string) {
  const pages: any[] = [];
  let url: string | undefined = first;
  while (url) {
    const r = await getWith(emu, url, token);
    expect(r.status).toBe(200);
    pages.push(r.json());
    url = r.json().link.find((l: any) => l.relation === 'next')?.url;
  }
  return { pages, eobs: pages.flatMap(p => (p.entry ?? []).map((e: any) => e.resource)) };
}

/** Log in and consent on the HTML pages; `samhsa` ticks the checkbox. */
async function consentOnPages(emu: BlueButtonEmulator, user: string, samhsa: boolean) {
  const q = new URLSearchParams({
    client_id: emu.client.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 's'.repeat(24),
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    scope: SCOPE,
  });
  const start = await call(`${emu.baseUrl}/v3/o/authorize/?${q}`);
  const login = await postForm(`${emu.baseUrl}/mymedicare/login`, {
    next: new URL(start.headers.get('location')!, emu.baseUrl).searchParams.get('next')!,
    username: user,
    password: emu.beneficiary(user)!.password,
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const again = await call(`${emu.baseUrl}${login.headers.get('location')}`, {
    headers: { cookie },
  });
  const pageUrl = `${emu.baseUrl}${again.headers.get('location')}`;
  const page = await call(pageUrl, { headers: { cookie } });
  const form: Record<string, string> = {};
  for (const m of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  }
  const body = new URLSearchParams({ ...form, allow: 'Share' });
  if (samhsa) body.append('share_samhsa_data', 'True');
  const decided = await call(pageUrl.replace(/\?.*$/, ''), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  const code = new URL(decided.headers.get('location')!).searchParams.get('code')!;
  const t = await postForm(`${emu.baseUrl}/v3/o/token/`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    client_id: emu.client.clientId,
    client_secret: emu.client.clientSecret,
  });
  return { page: page.text, token: t.json() };
}

describe('emulator: v3 parity with BB2’s routes', () => {
  let emu: BlueButtonEmulator;
  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ v3Enabled: true, redirectUris: [REDIRECT] });
  });
  afterAll(() => emu.close());

  describe('AuditEvent (CMS Aligned Networks)', () => {
    it('403 with DRF’s detail without patient/AuditEvent.rs (BB2’s own refusal, not an OperationOutcome)', async () => {
      const t = await emu.getToken({ version: 'v3', scope: SCOPE });
      const r = await getWith(emu, '/v3/fhir/AuditEvent', t.access_token);
      expect([r.status, r.json()]).toEqual([
        403,
        { detail: 'You do not have permission to perform this action.' },
      ]);
      // An authorize asking for the scope is BB2's "Invalid scopes." (only the CAN flow grants it).
      const q = new URLSearchParams({
        client_id: emu.client.clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        state: 'x'.repeat(20),
        code_challenge: 'c'.repeat(43),
        code_challenge_method: 'S256',
        scope: 'patient/AuditEvent.rs',
      });
      expect((await call(`${emu.baseUrl}/v3/o/authorize/?${q}`)).status).toBe(400);
    });

    it('200 with a searchset of the beneficiary’s patient matches, and each by id', async () => {
      emu.clock.set(Date.parse('2026-07-24T18:37:49.771Z'));
      const t = emu.issueToken({
        version: 'v3',
        scope: 'patient/AuditEvent.rs',
        user: 'BBUser00001',
      });
      const r = await getWith(emu, '/v3/fhir/AuditEvent', t.access_token);
      expect(r.status).toBe(200);
      const b = r.json();
      expect([b.resourceType, b.type, b.total, b.link.map((l: any) => l.relation)]).toEqual([
        'Bundle',
        'searchset',
        b.entry.length,
        ['self'],
      ]);
      expect(new URL(b.link[0].url).searchParams.get('entity')).toBe(t.patient);
      const latest = b.entry.at(-1).resource;
      // `<v3 patient id>-<yyyyMMddHHmmss><9-digit fraction>`, stamped by the emulator clock.
      expect(latest.id).toMatch(new RegExp(`^${t.patient}-202607241837\\d{5}\\d{6}$`));
      expect(latest.recorded).toMatch(/^2026-07-24T18:37:\d\d\.\d{3}\+00:00$/);
      expect([latest.agent[0].name, latest.entity[0].what.reference]).toEqual([
        'Emulator Test App',
        `Patient/${t.patient}`,
      ]);
      const one = await getWith(emu, `/v3/fhir/AuditEvent/${latest.id}`, t.access_token);
      expect([one.status, one.json().id]).toEqual([200, latest.id]);
      const missing = await getWith(emu, `/v3/fhir/AuditEvent/${t.patient}-1`, t.access_token);
      expect([missing.status, missing.json()]).toEqual(
        OO(404, `Resource AuditEvent/${t.patient}-1 is not known`),
      );
      emu.clock.reset();
    });

    it('is v3 only: /v2/fhir/AuditEvent is Django’s HTML 404', async () => {
      const t = await emu.getToken();
      const r = await getWith(emu, '/v2/fhir/AuditEvent', t.access_token);
      expect([r.status, r.headers.get('content-type')]).toEqual([404, 'text/html; charset=utf-8']);
    });
  });

  describe('errors: BFD’s OperationOutcome passes through on v3; BB2’s own refusals stay DRF bodies', () => {
    let token: string;
    beforeAll(async () => {
      token = (await emu.getToken({ version: 'v3', scope: SCOPE })).access_token;
    });

    it.each([
      [`${EOB}/carrier--123`, OO(400, 'ID is not a valid number')],
      ['/v3/fhir/Patient/-120930918340ajhf-----', OO(400, 'ID is not a valid number')],
      [
        '/v3/fhir/Coverage/part-b__--123456789',
        OO(400, "Invalid Coverage ID format. Expected pattern like 'part-c-12345-H1234-001'."),
      ],
      [`${EOB}/-1`, OO(404, 'Resource ExplanationOfBenefit/-1 is not known')],
      [`${EOB}?_lastUpdated=gtnope`, OO(400, 'Invalid date/time format: "nope"')],
      [
        `${EOB}?_lastUpdated=gt2024-01-01&_lastUpdated=ge2024-02-01`,
        OO(
          400,
          'HAPI-1923: Can not have multiple date range parameters for the same param that specify a lower bound',
        ),
      ],
      [
        `${EOB}?_source=XYZ`,
        OO(400, 'Unknown source. Supported sources are: [DDPS, NCH, MCS, VMS, FISS, CWF]'),
      ],
      [
        `${EOB}?_tag=SharedSystem`,
        OO(400, 'Searching by tag requires a token (system|code) to be specified.'),
      ],
      [
        `${EOB}?_security:not=R`,
        OO(
          400,
          "Invalid security code: Use '42CFRPart2' or 'http://terminology.hl7.org/CodeSystem/v3-ActCode|42CFRPart2'.",
        ),
      ],
      [`${EOB}?_count=51`, [400, { detail: 'value must be at most 50' }]],
      [
        `${EOB}?_lastUpdated=2024-01-01`,
        [400, { detail: 'the _lastUpdated operator is not valid' }],
      ],
    ])('%s', async (path, expected) => {
      const r = await getWith(emu, path, token);
      expect([r.status, r.json()]).toEqual(expected);
      expect(r.headers.get('content-type')).toBe('application/fhir+json');
    });

    it('403 names the call when the app itself lacks the scope (AppScopePermission)', async () => {
      const app = emu.registerClient({
        clientId: 'S'.repeat(40),
        clientSecret: 'scoped-secret',
        redirectUris: [REDIRECT],
        name: 'Narrow App',
        v3EarlyAdopter: true,
      });
      const t = await emu.getToken({ clientId: app.clientId, version: 'v3', scope: SCOPE });
      emu.updateClient(app.clientId, { allowedScopes: ['patient/Patient.rs', 'profile'] });
      const r = await getWith(emu, '/v3/fhir/Coverage', t.access_token);
      expect([r.status, r.json().detail]).toEqual([
        403,
        'This application, Narrow App, does not have access to make search calls for Coverage resources. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the support team for the application you are trying to access.',
      ]);
    });

    it('401 and 403 are DRF details on v3 too', async () => {
      const r = await getWith(emu, EOB, 'not-a-token');
      expect([r.status, r.json()]).toEqual([
        401,
        { detail: 'Authentication credentials were not provided.' },
      ]);
    });
  });

  describe('SAMHSA (42 CFR Part 2) consent', () => {
    it('the v3 page has the unchecked checkbox behind a hidden "False"; declining hides the labelled claims', async () => {
      // BBUser00005 has two claims labelled 42CFRPart2 (every BBUserNNNN5 does).
      const declined = await consentOnPages(emu, 'BBUser00005', false);
      expect(declined.page).toContain(
        '<input type="hidden" name="share_samhsa_data" value="False">',
      );
      expect(declined.page).toMatch(/name="share_samhsa_data" value="True">/);
      expect(declined.page).not.toMatch(/name="share_samhsa_data" value="True" checked/);
      const hidden = await allV3(emu, `${EOB}?_count=50`, declined.token.access_token);
      // A new consent deletes the pair's earlier tokens (2e2d4da22).
      const shared = await consentOnPages(emu, 'BBUser00005', true);
      expect((await getWith(emu, EOB, declined.token.access_token)).status).toBe(401);
      const all = await allV3(emu, `${EOB}?_count=50`, shared.token.access_token);
      const labelled = all.eobs.filter((e: any) => e.meta.security?.[0]?.code === '42CFRPart2');
      expect(labelled).toHaveLength(2);
      expect(hidden.eobs).toHaveLength(all.eobs.length - 2);
      expect(new URL(hidden.pages[0].link.at(-1).url).searchParams.get('_security:not')).toBe(
        '42CFRPart2',
      );
      // The same as the shared token asking _security:not itself.
      const asked = await allV3(
        emu,
        `${EOB}?_count=50&_security:not=42CFRPart2`,
        shared.token.access_token,
      );
      expect(asked.eobs.map((e: any) => e.id)).toEqual(hidden.eobs.map((e: any) => e.id));
    });

    it('blocks v1/v2 EOB calls for a token that declined (V2ExplanationOfBenefitPermission)', async () => {
      const t = await emu.getToken({
        user: 'BBUser00005',
        version: 'v3',
        scope: SCOPE,
        shareSamhsa: false,
      });
      for (const path of ['/v2/fhir/ExplanationOfBenefit', '/v1/fhir/ExplanationOfBenefit']) {
        const r = await getWith(emu, path, t.access_token);
        expect([r.status, r.json()]).toEqual([
          403,
          { detail: 'You do not have permission to perform this action.' },
        ]);
      }
      expect((await getWith(emu, '/v2/fhir/Patient', t.access_token)).status).toBe(200);
      // A refresh carries the choice over.
      const r = await postForm(
        `${emu.baseUrl}/v3/o/token/`,
        { grant_type: 'refresh_token', refresh_token: t.refresh_token },
        basic(emu.client.clientId, emu.client.clientSecret),
      );
      const again = await getWith(emu, '/v2/fhir/ExplanationOfBenefit', r.json().access_token);
      expect(again.status).toBe(403);
    });
  });
});
