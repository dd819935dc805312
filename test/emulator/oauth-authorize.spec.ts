import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { call, pkce, postForm, type Reply } from './helpers.js';

const REDIRECT = 'http://localhost:3000/callback';

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (m[1] !== 'share_demographic_scopes')
      out[m[1] as string] = (m[2] as string).replace(/&amp;/g, '&');
  }
  return out;
}

describe('emulator: authorize', () => {
  let emu: BlueButtonEmulator;
  const inactive = {
    clientId: 'I'.repeat(40),
    clientSecret: 'inactive-secret',
    redirectUris: [REDIRECT],
    name: 'Sleepy App',
    active: false,
  };

  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({ redirectUris: [REDIRECT] });
    emu.registerClient(inactive);
  });
  afterAll(() => emu.close());

  function query(overrides: Record<string, string | undefined> = {}): URLSearchParams {
    const { challenge, state } = pkce();
    const base: Record<string, string | undefined> = {
      client_id: emu.client.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(base)) if (v !== undefined) q.set(k, v);
    return q;
  }
  const authorize = (q: URLSearchParams, version = 'v2') =>
    call(`${emu.baseUrl}/${version}/o/authorize/?${q}`);

  async function login(q: URLSearchParams, user = 'BBUser00000', password = 'PW00000!') {
    const first = await authorize(q);
    const loginUrl = `${emu.baseUrl}${first.headers.get('location')}`;
    const page = await call(loginUrl);
    expect(page.text).toMatch(/<input type="password"[^>]*name="password"/);
    const next = /name="next" value="([^"]*)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
    const posted = await postForm(`${emu.baseUrl}/mymedicare/login`, {
      username: user,
      password,
      next: next ?? '',
    });
    return posted;
  }

  it('redirects the slash-less authorize URL with a 301 that keeps the query', async () => {
    const q = query();
    const r = await call(`${emu.baseUrl}/v2/o/authorize?${q}`);
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe(`/v2/o/authorize/?${q}`);
  });

  it('answers unknown paths with the HTML 404 page', async () => {
    const r = await call(`${emu.baseUrl}/v2/nothing/here`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.text).toContain('Not Found');
  });

  it('rejects a POST without state with the 401 JSON of the decorator', async () => {
    const r = await postForm(`${emu.baseUrl}/v2/o/authorize/`, { client_id: emu.client.clientId });
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"status_code": 401, "message": "State required in POST body."}');
  });

  it.each([
    ['no client_id', { client_id: undefined }, 401, 'App id failed'],
    ['an unknown client_id', { client_id: 'x'.repeat(40) }, 400, 'Application does not exist'],
    [
      'an inactive app',
      { client_id: 'I'.repeat(40) },
      403,
      'This application, Sleepy App, is temporarily inactive.',
    ],
  ])('renders the HTML app error for %s', async (_name, overrides, status, text) => {
    const r = await authorize(query(overrides));
    expect([r.status, r.headers.get('content-type')]).toEqual([status, 'text/html; charset=utf-8']);
    expect(r.text).toContain(text);
  });

  it('rejects AuditEvent scopes before the PKCE checks', async () => {
    const r = await authorize(query({ scope: 'patient/AuditEvent.rs', code_challenge: undefined }));
    expect([r.status, r.text]).toEqual([400, '{"status_code": 400, "message": "Invalid scopes."}']);
  });

  it('refuses client_secret in the query with a text 400', async () => {
    const r = await authorize(query({ client_secret: 'oops', state: 'short' }));
    expect([r.status, r.text]).toEqual([400, 'Illegal query parameter [client_secret] detected']);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('checks the method before the state length, and the state length before missing params', async () => {
    const plain = await authorize(query({ code_challenge_method: 'plain', state: 'short' }));
    expect([plain.status, plain.text]).toEqual([
      400,
      '{"status_code": 400, "error": "invalid_request", "error_description": "code_challenge_method must be S256"}',
    ]);
    const short = await authorize(query({ state: '123456789012345', code_challenge: undefined }));
    expect([short.status, short.text]).toEqual([
      400,
      '{"status_code": 400, "message": "State parameter should have a minimum of 16 characters"}',
    ]);
  });

  it('lists every missing PKCE/state parameter in BB2 order', async () => {
    const r = await authorize(
      query({ code_challenge: undefined, code_challenge_method: undefined, state: undefined }),
    );
    expect(r.text).toBe(
      '{"status_code": 400, "message": "Missing Required Parameter(s): code_challenge, code_challenge_method, state"}',
    );
  });

  it('sends an anonymous POST to the login with its form merged into next', async () => {
    const q = query();
    const r = await postForm(`${emu.baseUrl}/v2/o/authorize/`, Object.fromEntries(q));
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(
      `/mymedicare/login?next=${encodeURIComponent(`/v2/o/authorize/?${q}`)}`,
    );
  });

  it('sends an anonymous browser to the Medicare login with the authorize URL as next', async () => {
    const q = query();
    const r = await authorize(q);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(
      `/mymedicare/login?next=${encodeURIComponent(`/v2/o/authorize/?${q}`)}`,
    );
  });

  async function consent(
    q: URLSearchParams,
  ): Promise<{ cookie: string; page: Reply; action: string }> {
    const posted = await login(q);
    expect(posted.status).toBe(302);
    const cookie = (posted.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const again = await call(`${emu.baseUrl}${posted.headers.get('location')}`, {
      headers: { cookie },
    });
    expect(again.status).toBe(302);
    const approval = again.headers.get('location') as string;
    expect(approval).toMatch(/^\/v2\/o\/authorize\/[0-9a-f-]{36}\/\?/);
    const page = await call(`${emu.baseUrl}${approval}`, { headers: { cookie } });
    return { cookie, page, action: approval.split('?')[0] as string };
  }

  describe('HTML login and consent pages', () => {
    it('re-shows the login page on a wrong password', async () => {
      const r = await login(query(), 'BBUser00000', 'PW00001!');
      expect(r.status).toBe(200);
      expect(r.text).toContain('incorrect');
    });

    it('Connect (checkbox left checked) redirects with a code that buys a working token', async () => {
      const { verifier, challenge } = pkce();
      const q = query({ code_challenge: challenge });
      const { cookie, page, action } = await consent(q);
      expect(page.text).toContain('name="allow" value="Connect"');
      expect(page.text).toMatch(/<button type="submit" id="deny">Cancel<\/button>/);
      expect(page.text).toMatch(/name="share_demographic_scopes" value="True" checked/);
      const body = new URLSearchParams(hiddenFields(page.text));
      body.append('share_demographic_scopes', 'False');
      body.append('share_demographic_scopes', 'True');
      body.append('allow', 'Connect');
      const r = await call(`${emu.baseUrl}${action}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      expect(r.status).toBe(302);
      const loc = new URL(r.headers.get('location') as string);
      expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
      expect(loc.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{30}$/);
      expect(loc.searchParams.get('state')).toBe(q.get('state'));

      const token = await postForm(`${emu.baseUrl}/v2/o/token/`, {
        grant_type: 'authorization_code',
        code: loc.searchParams.get('code') as string,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: emu.client.clientId,
        client_secret: emu.client.clientSecret,
      });
      expect(token.status).toBe(200);
      const { access_token, scope } = token.json();
      expect(scope).toContain('patient/Patient.rs');
      const patient = await call(`${emu.baseUrl}/v2/fhir/Patient`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(patient.json().entry[0].resource.id).toBe('-19990000000001');
    });

    it('Cancel (no allow field) redirects with error=access_denied and no description', async () => {
      const q = query();
      const { cookie, page, action } = await consent(q);
      const body = new URLSearchParams(hiddenFields(page.text));
      body.append('share_demographic_scopes', 'False');
      const r = await call(`${emu.baseUrl}${action}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      expect(r.headers.get('location')).toBe(
        `${REDIRECT}?error=access_denied&state=${encodeURIComponent(q.get('state') as string)}`,
      );
    });

    it('answers 404 JSON for a non-UUID approval URL', async () => {
      const r = await call(`${emu.baseUrl}/v2/o/authorize/not-a-uuid/`);
      expect([r.status, r.text]).toEqual([404, '{"status_code": 404, "message": "Not found."}']);
    });
  });

  describe('non-interactive consent (emulator_* parameters)', () => {
    it('still runs every validation first', async () => {
      const r = await authorize(query({ emulator_user: 'BBUser00000', state: 'too-short' }));
      expect(r.status).toBe(400);
    });

    it('allow → 302 with a 30-character code; deny → access_denied', async () => {
      const allow = await authorize(
        query({ emulator_user: 'BBUser00000', emulator_decision: 'allow' }),
      );
      expect(new URL(allow.headers.get('location') as string).searchParams.get('code')).toMatch(
        /^[A-Za-z0-9]{30}$/,
      );
      const q = query({ emulator_user: 'BBUser00000', emulator_decision: 'deny' });
      const deny = await authorize(q);
      expect(deny.headers.get('location')).toBe(
        `${REDIRECT}?error=access_denied&state=${encodeURIComponent(q.get('state') as string)}`,
      );
    });

    it('without demographics, an app that asked only for Patient/profile gets access_denied', async () => {
      const r = await authorize(
        query({
          emulator_user: 'BBUser00000',
          emulator_share_demographics: 'false',
          scope: 'patient/Patient.rs profile',
        }),
      );
      expect(new URL(r.headers.get('location') as string).searchParams.get('error')).toBe(
        'access_denied',
      );
    });

    it('shows the bene-404 page with a link to redirect_uri?error=not_found for a missing beneficiary', async () => {
      emu.addBeneficiary({ username: 'BBUser00042', notFound: true });
      const r = await authorize(query({ emulator_user: 'BBUser00042' }));
      expect(r.status).toBe(404);
      expect(r.text).toContain(`href="${REDIRECT}?error=not_found"`);
    });

    it('renders the DOT error page (no redirect) for a redirect_uri that is not registered', async () => {
      const r = await authorize(
        query({ emulator_user: 'BBUser00000', redirect_uri: 'https://evil.example/cb' }),
      );
      expect(r.status).toBe(400);
      expect(r.headers.get('location')).toBeNull();
      expect(r.text).toContain('Mismatching redirect URI.');
    });

    it('redirects unknown scopes with error=invalid_scope and bad response types with unsupported_response_type', async () => {
      const scope = await authorize(
        query({ emulator_user: 'BBUser00000', scope: 'patient/Foo.rs' }),
      );
      expect(new URL(scope.headers.get('location') as string).searchParams.get('error')).toBe(
        'invalid_scope',
      );
      const rt = await authorize(query({ emulator_user: 'BBUser00000', response_type: 'token' }));
      expect(new URL(rt.headers.get('location') as string).searchParams.get('error')).toBe(
        'unsupported_response_type',
      );
    });
  });
});
