import type { INestApplication } from '@nestjs/common';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import {
  attr,
  byId,
  connect,
  createSampleApp,
  startSampleEmulator,
  tableRows,
  text,
  unsafeMarkup,
  type Agent,
} from './harness.js';

let emu: BlueButtonEmulator;
let app: INestApplication;
let agent: Agent;

/** Markup planted in a beneficiary's Medicare record: it must come out as text. */
const EVIL_GIVEN = '<img src=x onerror=alert(1)>';
const EVIL_FAMILY = '"><script>alert("family")</script>';
const EVIL_EMAIL = "o'hara<b>@example.com";

beforeAll(async () => {
  emu = await startSampleEmulator({
    beneficiaries: [
      { username: 'BBUser00042', given: EVIL_GIVEN, family: EVIL_FAMILY, email: EVIL_EMAIL },
    ],
  });
  app = await createSampleApp(emu);
  agent = (await connect(app)).agent;
});
afterAll(async () => {
  await app.close();
  await emu.close();
});
beforeEach(() => emu.faults.clear());

describe('when Blue Button fails', () => {
  it('shows a readable 502 page after the retries, without internals', async () => {
    emu.faults.enqueue(
      { path: '/v2/fhir/Coverage', method: 'GET' },
      Array.from({ length: 4 }, () => ({ status: 500 })),
    );
    const res = await agent.get('/coverage');
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(text(byId(res.text, 'error'))).toContain('Blue Button answered HTTP 500.');
    expect(text(res.text)).toContain('Medicare data is unavailable');
    expect(res.text).not.toMatch(/FhirHttpError|at .*\.ts:\d+|Server Error \(500\)/);
    // Still connected: the navigation and Disconnect stay.
    expect(res.text).toContain('id="logout"');
    // Transient: the page works again once Blue Button does.
    await agent.get('/coverage').expect(200);
  });

  it('recovers by itself from one 503 (the retry)', async () => {
    emu.faults.enqueue({ path: '/v2/fhir/ExplanationOfBenefit', method: 'GET' }, { status: 503 });
    const res = await agent.get('/claims').expect(200);
    expect(tableRows(res.text, 'claims')).toHaveLength(52);
  });

  it('passes on 429 with its Retry-After', async () => {
    emu.faults.enqueue(
      { path: '/v2/fhir/Coverage', method: 'GET' },
      { status: 429, retryAfter: 7 },
    );
    const res = await agent.get('/coverage');
    expect([res.status, res.headers['retry-after']]).toEqual([429, '7']);
    expect(text(res.text)).toContain('Too many requests');
  });

  it('asks the visitor to connect again when Blue Button no longer accepts the token', async () => {
    const { agent: other } = await connect(app);
    emu.revokeGrant(emu.patientIdFor('BBUser00000')!);
    const res = await other.get('/coverage');
    expect(res.status).toBe(401);
    expect(text(res.text)).toContain('Please connect again');
    expect(attr(res.text, /<a\b[^>]*class="button"[^>]*>/, 'href')).toBe('/bluebutton/login');
    expect(res.text).not.toContain('id="logout"');
    // The first visitor (same beneficiary) connects again and is fine.
    agent = (await connect(app)).agent;
  });
});

describe('every page', () => {
  it('answers unknown paths with an HTML 404', async () => {
    const res = await request(app.getHttpServer()).get('/no/such/page').expect(404);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(text(res.text)).toContain('Page not found');
  });

  it.each(['/', '/claims', '/signed-out', '/no/such/page'])(
    '%s carries a script-free CSP, no-store and no-referrer',
    async path => {
      const res = await agent.get(path);
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(unsafeMarkup(res.text)).toBeUndefined();
    },
  );

  it('serves the stylesheet the pages link to', async () => {
    const res = await request(app.getHttpServer()).get('/sample.css').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/css/);
    expect(res.text).toContain('svg.chart .bar');
  });
});

describe('Medicare data with markup in it', () => {
  it('is escaped on the Patient and Profile pages', async () => {
    const { agent: evil } = await connect(app, { user: 'BBUser00042' });
    const patient = await evil.get('/patient').expect(200);
    const profile = await evil.get('/profile').expect(200);
    for (const page of [patient.text, profile.text]) {
      expect(page).not.toContain('<img src=x');
      expect(page).not.toContain('<script>alert');
      expect(page).not.toContain('<b>@');
      expect(unsafeMarkup(page)).toBeUndefined();
    }
    expect(patient.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text(byId(patient.text, 'patient-name'))).toContain(EVIL_GIVEN);
    expect(text(byId(patient.text, 'patient-name'))).toContain(EVIL_FAMILY);
    expect(text(byId(profile.text, 'profile-email'))).toBe(EVIL_EMAIL);
  });
});
