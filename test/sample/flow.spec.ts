import type { INestApplication } from '@nestjs/common';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { expectedClaim, rawFhir, usd } from './expected.js';
import {
  byId,
  chartMonths,
  connect,
  createSampleApp,
  sessionCookie,
  startSampleEmulator,
  tableRows,
  text,
  type Agent,
} from './harness.js';

let emu: BlueButtonEmulator;
let app: INestApplication;
let agent: Agent;
let raw: Awaited<ReturnType<typeof rawFhir>>;

beforeAll(async () => {
  emu = await startSampleEmulator();
  app = await createSampleApp(emu);
  raw = await rawFhir(emu);
  const connected = await connect(app);
  agent = connected.agent;
  // The callback lands on the claims page with a fresh signed session cookie.
  expect(connected.done.status).toBe(302);
  expect(connected.done.headers.location).toBe('/claims');
  expect(sessionCookie(connected.done.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);
});
afterAll(async () => {
  await app.close();
  await emu.close();
});

describe('the sample after "Connect with Medicare" as BBUser00000', () => {
  it('lists all 52 claims, newest first, each with its date, type, provider and amount paid', async () => {
    emu.clearRequests();
    const res = await agent
      .get('/claims')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const rows = tableRows(res.text, 'claims');
    expect(raw.eobs).toHaveLength(52);
    expect(rows).toHaveLength(52);

    const expected = raw.eobs.map(expectedClaim);
    const expectedById = new Map(expected.map(e => [e.id, e]));
    expect(new Set(rows.map(r => r.data['data-claim-id']))).toEqual(new Set(expectedById.keys()));
    for (const row of rows) {
      const e = expectedById.get(row.data['data-claim-id'])!;
      expect(row.data).toMatchObject({
        'data-date': e.date,
        'data-type': e.type,
        'data-paid-cents': String(e.paidCents),
      });
      const [, type, provider, , paid] = row.cells;
      expect(type).toBe(
        e.type === 'carrier' ? 'Doctor or supplier (Part B)' : 'Hospital outpatient',
      );
      expect(provider).toBe(e.provider);
      expect(paid).toBe(usd(e.paidCents));
    }
    // Newest first.
    const dates = rows.map(r => r.data['data-date']);
    expect(dates).toEqual(dates.toSorted().toReversed());
    expect(rows.filter(r => r.data['data-type'] === 'carrier')).toHaveLength(14);
    expect(rows.filter(r => r.data['data-type'] === 'outpatient')).toHaveLength(38);

    // Every page of the search was read: the first at Blue Button's default size (10), the other
    // 42 claims in one page of up to 50 (getPages' default pageSize).
    expect(text(byId(res.text, 'pages-note'))).toContain('Read from 2 pages');
    expect(emu.requestsTo('/v2/fhir/ExplanationOfBenefit', 'GET')).toHaveLength(2);
  });

  it('charts the amount paid per month, and the month totals add up to the claims', async () => {
    const res = await agent.get('/claims').expect(200);
    const months = chartMonths(res.text);
    const expected = raw.eobs.map(expectedClaim);

    const perMonth = new Map<string, { count: number; paidCents: number }>();
    for (const e of expected) {
      const m = perMonth.get(e.date.slice(0, 7)) ?? { count: 0, paidCents: 0 };
      m.count += 1;
      m.paidCents += e.paidCents;
      perMonth.set(e.date.slice(0, 7), m);
    }
    // One bar per month from the first claim's month to the last one's (Jan 1999 – Oct 2001),
    // empty months included.
    const first = [...perMonth.keys()].sort()[0];
    const last = [...perMonth.keys()].sort().at(-1)!;
    expect([first, last]).toEqual(['1999-01', '2001-10']);
    const range: string[] = [];
    for (
      let d = new Date(`${first}-01T00:00:00Z`);
      d.toISOString().slice(0, 7) <= last;
      d.setUTCMonth(d.getUTCMonth() + 1)
    )
      range.push(d.toISOString().slice(0, 7));
    expect(range).toHaveLength(34);
    expect(months.map(m => m.month)).toEqual(range);
    for (const m of months) {
      expect({ month: m.month, count: m.count, paidCents: m.paidCents }).toEqual({
        month: m.month,
        ...(perMonth.get(m.month) ?? { count: 0, paidCents: 0 }),
      });
    }
    const total = expected.reduce((s, e) => s + e.paidCents, 0);
    expect(months.reduce((s, m) => s + m.paidCents, 0)).toBe(total);
    expect(months.reduce((s, m) => s + m.count, 0)).toBe(52);
    expect(res.text).toContain(`data-total-cents="${total}"`);
    expect(text(byId(res.text, 'claim-total'))).toBe(usd(total));
    expect(text(byId(res.text, 'claim-count'))).toBe('52');
    // The tallest bar is the month with the most paid, drawn to the chart's scale.
    const bars = [...res.text.matchAll(/<rect\b[^>]*class="bar"[^>]*height="([\d.]+)"/g)].map(m =>
      Number(m[1]),
    );
    expect(bars).toHaveLength(34);
    const maxMonth = months.reduce((a, b) => (b.paidCents > a.paidCents ? b : a));
    expect(Math.max(...bars)).toBe(bars[months.indexOf(maxMonth)]);
    expect(bars.filter((h, i) => months[i].paidCents === 0).every(h => h === 0)).toBe(true);
  });

  it('shows the coverage, one row per Coverage resource', async () => {
    const res = await agent.get('/coverage').expect(200);
    const rows = tableRows(res.text, 'coverage');
    expect(rows.map(r => r.data['data-coverage-id']).sort()).toEqual(
      raw.coverage.map((c: { id: string }) => c.id).sort(),
    );
    const plans = rows.map(r => r.cells[0]);
    expect(plans).toEqual([...plans].sort());
    expect(plans).toEqual(expect.arrayContaining(['Part A', 'Part B']));
    for (const row of rows) {
      const c = raw.coverage.find((x: { id: string }) => x.id === row.data['data-coverage-id']);
      expect(row.cells[1]).toBe(c.status.charAt(0).toUpperCase() + c.status.slice(1));
      expect(row.cells[4]).toBe(c.payor[0].identifier.value);
    }
  });

  it('shows the Patient: name, birth date, and the Medicare number masked', async () => {
    const res = await agent.get('/patient').expect(200);
    const p = raw.patient;
    expect(text(byId(res.text, 'patient-name'))).toBe(
      [...p.name[0].given, p.name[0].family].join(' '),
    );
    expect(text(byId(res.text, 'patient-birth-date'))).toBe(
      new Date(`${p.birthDate}T00:00:00Z`).toLocaleDateString('en-US', {
        dateStyle: 'medium',
        timeZone: 'UTC',
      }),
    );
    const mbi = p.identifier.find(
      (i: { system: string }) => i.system === 'http://hl7.org/fhir/sid/us-mbi',
    ).value;
    expect(res.text).not.toContain(mbi);
    expect(text(byId(res.text, 'patient'))).toContain(
      `${'•'.repeat(mbi.length - 4)}${mbi.slice(-4)}`,
    );
  });

  it('shows the profile from userinfo', async () => {
    const res = await agent.get('/profile').expect(200);
    expect(text(byId(res.text, 'profile-name'))).toBe(raw.profile.name);
    expect(text(byId(res.text, 'profile-email'))).toBe(raw.profile.email);
    expect(text(byId(res.text, 'profile'))).toContain(raw.profile.patient);
  });

  it('shows the connection on the overview: patient id, expiry, every data type shared, no token', async () => {
    const res = await agent.get('/').expect(200);
    expect(text(byId(res.text, 'patient-id'))).toBe(emu.patientIdFor('BBUser00000'));
    const expiry = new Date(/id="token-expiry" datetime="([^"]+)"/.exec(res.text)![1]);
    expect(expiry.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(expiry.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(text(byId(res.text, 'scopes'))).not.toContain('not shared');
    expect(res.text).not.toContain('demographics-withheld');
    // Neither token is ever put on a page.
    const tokens = emu.requestsTo('/v2/fhir/').map(r => r.headers.authorization.slice(7));
    expect(tokens.length).toBeGreaterThan(0);
    for (const page of ['/', '/claims', '/coverage', '/patient', '/profile']) {
      const html = (await agent.get(page)).text;
      for (const t of tokens) expect(html).not.toContain(t);
    }
  });
});
