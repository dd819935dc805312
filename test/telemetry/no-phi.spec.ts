import { trace } from '@opentelemetry/api';
import type { Bundle, Patient } from 'fhir/r4.js';
import { PUBLIC_FORM_FIELDS } from '../../lib/http/bluebutton-http.service.js';
import { safePath } from '../../lib/common/redact.js';
import type { AuthorizationToken } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  bootBlueButton,
  consent,
  expiredCopy,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';
import { InMemoryOtel } from '../support/otel.js';

/**
 * Runs the main flows — login and code exchange, Patient, Coverage, EOB with pagination, reads by
 * id, profile, refresh (50 concurrent callers among them), revoke, v3 with the insurance card, and
 * every kind of failure — under in-memory exporters, then checks every span name, attribute, event,
 * link and metric data point against every secret and id the run used: the client secret, codes,
 * states, PKCE verifiers, access and refresh tokens, Basic credentials, patient and resource ids,
 * identifiers, names, birth dates and query values. An allow-list of attribute keys and the exact
 * shape of every template and URL back the search up.
 */
let otel: InMemoryOtel;
let emu: BlueButtonEmulator;
const used = new Set<string>();
const failures: unknown[] = [];

beforeAll(async () => {
  otel = InMemoryOtel.register();
  emu = await startEmulator({
    v3Enabled: true,
    beneficiaries: [{ username: 'BBUser20000', eobCount: 60 }],
  });
});
afterAll(async () => {
  await emu?.close();
  await otel?.shutdown();
});

const attempt = (work: Promise<unknown>) => work.catch(e => void failures.push(e));

/** Records the ids and PHI of every resource of an answer. */
function recordResources(data: unknown): void {
  const resources =
    (data as Bundle).resourceType === 'Bundle'
      ? ((data as Bundle).entry ?? []).map(e => e.resource)
      : [data];
  for (const r of resources as (Patient & { id?: string })[]) {
    if (!r) continue;
    if (r.id) used.add(r.id);
    for (const i of r.identifier ?? []) if (i.value) used.add(i.value);
    for (const n of r.name ?? []) [n.family, ...(n.given ?? [])].forEach(v => v && used.add(v));
    if (r.birthDate) used.add(r.birthDate);
  }
}

/** Records the ids and PHI of an answer, and passes it on. */
async function keep<T>(call: Promise<{ data: T; token: AuthorizationToken }>) {
  const res = await call;
  recordResources(res.data);
  return res;
}

async function v2Flows(bb: BlueButtonHarness): Promise<void> {
  // Login through the store-backed flow: the state, code and verifier cross the wire.
  const { url } = await firstValueFrom(bb.auth.startAuthorization());
  const callback = await consent(url, { user: 'BBUser20000' });
  callback.searchParams.forEach(v => used.add(v));
  const { token } = await firstValueFrom(
    bb.auth.completeAuthorization(Object.fromEntries(callback.searchParams)),
  );
  used.add(token.patient!);
  await keep(firstValueFrom(bb.fhir.getPatientData(token)));
  const coverage = await keep(firstValueFrom(bb.fhir.getCoverageData(token)));
  const eobs = await keep(
    firstValueFrom(
      bb.fhir.getExplanationOfBenefitData(token, {
        'service-date': ['gt2000-01-01'],
        _lastUpdated: ['gt2001-02-03T04:05:06Z'],
      }),
    ),
  );
  const pages = await lastValueFrom(bb.fhir.pages(eobs.data, token).pipe(toArray()));
  pages.forEach(p => recordResources(p.data));
  await lastValueFrom(bb.fhir.resources(eobs.data, token).pipe(toArray()));
  const eobId = eobs.data.entry![0].resource!.id!;
  await keep(firstValueFrom(bb.fhir.readExplanationOfBenefit(eobId, token)));
  await keep(firstValueFrom(bb.fhir.readCoverage(coverage.data.entry![0].resource!.id!, token)));
  await keep(firstValueFrom(bb.fhir.readPatient(token.patient!, token)));
  await firstValueFrom(bb.fhir.getProfileData(token));
  const next = eobs.data.link!.find(l => l.relation === 'next')!.url;
  await keep(firstValueFrom(bb.fhir.getCustomData<Bundle>(next, token)));

  // 50 app requests on one expired token share one refresh.
  const tracer = trace.getTracer('test-app');
  const expired = expiredCopy(token);
  const refreshed = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      tracer.startActiveSpan(`app request ${i}`, span =>
        firstValueFrom(bb.fhir.getCoverageData(expired)).finally(() => span.end()),
      ),
    ),
  );
  const fresh = refreshed[0].token;

  // Failures: retried 503s and a dropped connection, a 401 answered by a refresh, a 404 by id, a
  // replayed code, a bad code, a transient refresh failure, a refresh after revocation.
  emu.faults.enqueue('/v2/fhir/Coverage', [{ status: 503 }, { drop: true }, { status: 502 }]);
  await firstValueFrom(bb.fhir.getCoverageData(fresh));
  emu.faults.enqueue('/v2/fhir/Patient', {
    status: 401,
    body: { detail: 'Authentication credentials were not provided.' },
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });
  const afterReplay = (await firstValueFrom(bb.fhir.getPatientData(fresh))).token;
  await attempt(
    firstValueFrom(bb.fhir.readExplanationOfBenefit('carrier--10000000009999', afterReplay)),
  );
  await attempt(
    firstValueFrom(bb.auth.completeAuthorization(Object.fromEntries(callback.searchParams))),
  );
  const authData = bb.auth.generateAuthData();
  [authData.state, authData.codeVerifier].forEach(v => used.add(v));
  await attempt(
    firstValueFrom(bb.auth.getAuthorizationToken(authData, 'not-a-real-code-4711', authData.state)),
  );
  emu.faults.enqueue('/v2/o/token', { status: 503 });
  await attempt(firstValueFrom(bb.auth.refreshAuthToken(afterReplay)));
  const other = await login(bb.auth);
  await firstValueFrom(bb.auth.revoke(other, { tokenOnly: true }));
  await firstValueFrom(bb.auth.revoke(afterReplay));
  await attempt(firstValueFrom(bb.auth.refreshAuthToken(afterReplay)));
  await attempt(firstValueFrom(bb.fhir.getPatientData(afterReplay)));
}

async function v3Flows(): Promise<void> {
  const v3 = await bootBlueButton(emu, {
    version: 3,
    scopes: ['patient/Patient.rs', 'patient/Coverage.rs', 'patient/ExplanationOfBenefit.rs'],
  });
  try {
    const token = await login(v3.auth);
    used.add(token.patient!);
    recordResources((await firstValueFrom(v3.fhir.getInsuranceCardData(token))).data);
    const eobs = await firstValueFrom(v3.fhir.getExplanationOfBenefitData(token));
    recordResources(eobs.data);
    const id = eobs.data.entry![0].resource!.id!;
    recordResources((await firstValueFrom(v3.fhir.readExplanationOfBenefit(id, token))).data);
  } finally {
    await v3.close();
  }
}

/** A module whose attempts time out (the emulator holds the answer past `timeoutMs`). */
async function timeoutFlow(): Promise<void> {
  const bb = await bootBlueButton(emu, {
    timeoutMs: 150,
    retrySettings: { total: 1, backoffFactor: 0.01, statusForcelist: [503] },
  });
  try {
    const token = await login(bb.auth);
    emu.faults.enqueue('/v2/fhir/Coverage', [{ latencyMs: 400 }, { latencyMs: 400 }]);
    await attempt(firstValueFrom(bb.fhir.getCoverageData(token)));
  } finally {
    await bb.close();
  }
}

/** Every secret that crossed the wire, as the emulator recorded it, and every id in a path or query. */
function wireSecrets(): void {
  used.add(emu.client.clientSecret);
  used.add(emu.client.clientId);
  for (const r of emu.requests) {
    for (const [field, value] of Object.entries(r.form ?? {}))
      if (!PUBLIC_FORM_FIELDS.has(field) || field === 'client_id') used.add(value);
    const auth = r.headers.authorization;
    if (auth) used.add(auth.replace(/^(Bearer|Basic) /, ''));
    r.query.forEach(v => used.add(v));
    const template = safePath(r.path).split('/');
    r.path.split('/').forEach((segment, i) => template[i] !== segment && used.add(segment));
  }
}

const ALLOWED_KEYS = new Set([
  'http.request.method',
  'server.address',
  'server.port',
  'url.scheme',
  'url.template',
  'url.full',
  'http.response.status_code',
  'http.request.resend_count',
  'error.type',
  'bluebutton.token.refresh.outcome',
  'bluebutton.token.refresh.joined',
  'bluebutton.pass',
  'bluebutton.pass.pages',
  'bluebutton.pass.resources',
]);
/** A route template: the API version, words, operations and `{id}`; never a digit elsewhere. */
const TEMPLATE = /^(?:\/(?:v\d|[A-Za-z_.$-]+|\{id\}))*\/?$/;

it('puts no secret, id or query value in any span name, attribute, event, link or metric', async () => {
  const bb = await bootBlueButton(emu);
  try {
    await v2Flows(bb);
  } finally {
    await bb.close();
  }
  await v3Flows();
  await timeoutFlow();
  wireSecrets();

  const ours = otel.spans().filter(s => s.instrumentationScope.name === 'nestjs-bluebutton');
  const measurements = (await otel.measurements()).filter(m => m.name !== 'app request');
  const texts: string[] = [];
  const origin = new URL(emu.baseUrl).origin;
  for (const span of ours) {
    texts.push(span.name, JSON.stringify(span.attributes), span.status.message ?? '');
    for (const e of span.events) texts.push(e.name, JSON.stringify(e.attributes ?? {}));
    for (const l of span.links) texts.push(JSON.stringify(l.attributes ?? {}));
    expect(span.events).toEqual([]);
    for (const key of Object.keys(span.attributes)) expect(ALLOWED_KEYS).toContain(key);
    const template = span.attributes['url.template'];
    if (template === undefined) {
      expect(span.name).toMatch(/^bluebutton\.(token\.refresh|pagination)$/);
      continue;
    }
    expect(template).toMatch(TEMPLATE);
    expect(span.name).toBe(`${span.attributes['http.request.method']} ${template}`);
    expect(span.attributes['url.full']).toMatch(
      new RegExp(
        `^${origin}${escape(String(template))}(\\?[\\w:.-]+=REDACTED(&[\\w:.-]+=REDACTED)*)?$`,
      ),
    );
  }
  for (const m of measurements) {
    texts.push(m.name, JSON.stringify(m.attributes));
    for (const key of Object.keys(m.attributes)) expect(ALLOWED_KEYS).toContain(key);
  }

  // The flows did run, failures included.
  const names = new Set(ours.map(s => s.name));
  for (const name of [
    'POST /v2/o/token/',
    'POST /v2/o/revoke/',
    'POST /v2/o/revoke_token/',
    'GET /v2/fhir/ExplanationOfBenefit/{id}',
    'GET /v2/connect/userinfo',
    'GET /v3/fhir/Patient/$generate-insurance-card',
    'GET /v3/fhir/ExplanationOfBenefit/{id}',
    'bluebutton.pagination',
    'bluebutton.token.refresh',
  ])
    expect(names).toContain(name);
  const errorTypes = new Set(ours.map(s => s.attributes['error.type']));
  for (const type of ['401', '404', '503', '502', 'ECONNRESET', 'timeout', '400'])
    expect(errorTypes).toContain(type);
  expect(failures).toHaveLength(7);

  // Values this short (`_count=10`, a page's startIndex) are also plain counts: left out.
  const secrets = [...used].filter(v => v.length >= 5);
  const found = secrets.filter(s =>
    [s, encodeURIComponent(s)].some(form => texts.some(t => t.includes(form))),
  );
  console.info(
    `[otel no-PHI] ${secrets.length} distinct secrets and ids checked in ${ours.length} spans and ${measurements.length} data points; found ${found.length}`,
  );
  expect(secrets.length).toBeGreaterThan(150);
  expect(found).toEqual([]);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
