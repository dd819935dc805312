import type { INestApplication } from '@nestjs/common';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import {
  attr,
  byId,
  connect,
  createSampleApp,
  SAMPLE_CALLBACK,
  startSampleEmulator,
  tableRows,
  text,
} from './harness.js';

let emu: BlueButtonEmulator;
let app: INestApplication;

beforeAll(async () => {
  emu = await startSampleEmulator({ v3Enabled: true });
  app = await createSampleApp(emu);
});
afterAll(async () => {
  await app.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

describe('the sample’s v3 walk-through', () => {
  it('offers a second button that starts a v3 authorization with the sample’s scopes', async () => {
    const agent = request.agent(app.getHttpServer());
    const home = await agent.get('/').expect(200);
    expect(attr(home.text, /<a\b[^>]*\bid="connect-v3"[^>]*>/, 'href')).toBe(
      '/bluebutton/login/v3',
    );
    const start = await agent.get('/bluebutton/login/v3').expect(302);
    const authorize = new URL(start.headers.location);
    expect([
      authorize.pathname,
      authorize.searchParams.get('scope'),
      authorize.searchParams.get('redirect_uri'),
    ]).toEqual([
      '/v3/o/authorize/',
      'openid profile patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs',
      SAMPLE_CALLBACK,
    ]);
  });

  it('a v3 visitor and a v2 visitor use the app at the same time, each on its own version', async () => {
    const [v3, v2] = await Promise.all([
      connect(app, { user: 'BBUser00002' }, 'connect-v3'),
      connect(app, { user: 'BBUser00000' }),
    ]);
    expect([v3.done.status, v3.done.headers.location]).toEqual([302, '/claims']);
    expect([v2.done.status, v2.done.headers.location]).toEqual([302, '/claims']);
    expect(emu.requestsTo('/v3/o/token/', 'POST')).toHaveLength(1);
    expect(emu.requestsTo('/v2/o/token/', 'POST')).toHaveLength(1);
    emu.clearRequests();

    const pages = ['/', '/claims', '/coverage', '/patient', '/profile', '/insurance-card'];
    const [v3Pages, v2Pages] = await Promise.all(
      [v3.agent, v2.agent].map(agent =>
        Promise.all(pages.map(path => agent.get(path).expect(200))),
      ),
    );
    const [v3Home, v3Claims, , , , v3Card] = v3Pages;
    const [v2Home, , , , , v2Card] = v2Pages;

    expect(text(byId(v3Home!.text, 'api-version'))).toBe('Blue Button API v3 (pilot)');
    expect(text(byId(v2Home!.text, 'api-version'))).toBe('Blue Button API v2');
    expect(text(v3Claims!.text)).toContain('API v3 (synthetic beneficiaries');
    expect(tableRows(v3Claims!.text, 'claims').length).toBeGreaterThan(10);

    // The card: lifted by toInsuranceCard, the Medicare number masked.
    expect(text(byId(v3Card!.text, 'card-member-id'))).toMatch(/^•{7}[0-9A-Z]{4}$/);
    expect(text(byId(v3Card!.text, 'card-payer'))).toBe(
      'Centers for Medicare and Medicaid Services',
    );
    expect(tableRows(v3Card!.text, 'card-parts').map(r => r.cells[0])).toEqual([
      'Part A',
      'Part B',
    ]);
    // The v2 visitor is offered a v3 connection instead; nothing was asked of Blue Button.
    expect(
      attr(v2Card!.text, /<section\b[^>]*\bid="card-needs-v3"[^>]*>/, 'data-api-version'),
    ).toBe('2');
    expect(attr(v2Card!.text, /<a\b[^>]*\bid="connect-v3"[^>]*>/, 'href')).toBe(
      '/bluebutton/login/v3?returnTo=%2Finsurance-card',
    );

    // On the wire: every v3 call under /v3/, every v2 call under /v2/, no card call for v2.
    const bearers = new Map<string, string[]>();
    for (const r of emu.requests) {
      const list = bearers.get(r.headers.authorization ?? '') ?? [];
      list.push(r.path);
      bearers.set(r.headers.authorization ?? '', list);
    }
    const versions = [...bearers.values()].map(paths => [
      ...new Set(paths.map(p => p.slice(0, 4))),
    ]);
    expect(versions.sort()).toEqual([['/v2/'], ['/v3/']]);
    expect(emu.requestsTo('/v3/fhir/Patient/$generate-insurance-card')).toHaveLength(1);
    expect(emu.requestsTo('/v2/fhir/Patient/$generate-insurance-card')).toHaveLength(0);
  });

  it('refreshes and disconnects a v3 connection at the v3 endpoints', async () => {
    const { agent } = await connect(app, { user: 'BBUser00004' }, 'connect-v3');
    emu.clearRequests();
    await agent.post('/token/refresh').expect(303);
    await agent.get('/coverage').expect(200);
    await agent.post('/bluebutton/logout').expect(302);
    expect(emu.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'POST /v3/o/token/',
      'GET /v3/fhir/Coverage/',
      'POST /v3/o/revoke/',
    ]);
  });
});
