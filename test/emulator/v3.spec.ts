import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { basic, call, getWith, pkce, postForm } from './helpers.js';

const REDIRECT = 'http://localhost:3000/callback';
const SCOPE = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs profile';

describe('emulator: API v3', () => {
  it('answers 404 on every /v3 route while v3 is off (the default)', async () => {
    const emu = await BlueButtonEmulator.start();
    try {
      for (const p of [
        '/v3/o/authorize/',
        '/v3/o/token/',
        '/v3/fhir/metadata',
        '/v3/fhir/Patient',
      ]) {
        const r = await call(`${emu.baseUrl}${p}`);
        expect([p, r.status, r.headers.get('content-type')]).toEqual([
          p,
          404,
          'text/html; charset=utf-8',
        ]);
      }
    } finally {
      await emu.close();
    }
  });

  describe('with v3Enabled', () => {
    let emu: BlueButtonEmulator;
    const late = {
      clientId: 'L'.repeat(40),
      clientSecret: 'late-secret',
      redirectUris: [REDIRECT],
      name: 'Late App',
    };
    beforeAll(async () => {
      emu = await BlueButtonEmulator.start({ v3Enabled: true, redirectUris: [REDIRECT] });
      emu.registerClient(late);
    });
    afterAll(() => emu.close());

    const authorizeQuery = (clientId: string, extra: Record<string, string> = {}) => {
      const { challenge, state } = pkce();
      return new URLSearchParams({
        client_id: clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...extra,
      });
    };

    it('requires scope on authorize', async () => {
      const r = await call(`${emu.baseUrl}/v3/o/authorize/?${authorizeQuery(emu.client.clientId)}`);
      expect([r.status, r.text]).toEqual([
        400,
        '{"status_code": 400, "message": "Missing Required Parameter(s): scope"}',
      ]);
    });

    it('refuses apps outside v3_early_adopter on authorize', async () => {
      const r = await call(
        `${emu.baseUrl}/v3/o/authorize/?${authorizeQuery(late.clientId, { scope: SCOPE })}`,
      );
      expect([r.status, r.text]).toEqual([
        403,
        '{"status_code": 403, "message": "Unable to verify permission"}',
      ]);
    });

    it('issues tokens with the v3 patient id and serves v3 ids', async () => {
      const t = await emu.getToken({ version: 'v3', scope: SCOPE });
      const info = emu.beneficiary('BBUser00000')!;
      expect(t.patient).toBe(info.v3PatientId);
      expect(t.patient).not.toBe(info.patientId);
      const p = (await getWith(emu, `/v3/fhir/Patient/${t.patient}`, t.access_token)).json();
      expect(p.id).toBe(t.patient);
      const b = (await getWith(emu, '/v3/fhir/ExplanationOfBenefit', t.access_token)).json();
      expect(b.entry[0].resource.id).toMatch(/^-\d+$/);
      expect(b.entry[0].resource.patient.reference).toBe(`Patient/${t.patient}`);
      expect(new URL(b.link[0].url).searchParams.get('_source')).toBe('NCH,DDPS');
      const read = await getWith(
        emu,
        `/v3/fhir/ExplanationOfBenefit/${b.entry[0].resource.id}`,
        t.access_token,
      );
      expect(read.json().id).toBe(b.entry[0].resource.id);
      const cov = (await getWith(emu, '/v3/fhir/Coverage', t.access_token)).json();
      expect(cov.entry[0].resource.id).toBe(`part-a-${t.patient}`);
    });

    it('adds _security:not=42CFRPart2 to EOB links when SAMHSA data was not shared', async () => {
      const t = await emu.getToken({ version: 'v3', scope: SCOPE, shareSamhsa: false });
      const b = (await getWith(emu, '/v3/fhir/ExplanationOfBenefit', t.access_token)).json();
      expect(new URL(b.link[0].url).searchParams.get('_security:not')).toBe('42CFRPart2');
    });

    it('serves $generate-insurance-card with Patient read + Coverage search, 403 otherwise', async () => {
      const ok = await emu.getToken({
        version: 'v3',
        scope: 'patient/Patient.r patient/Coverage.s',
      });
      const card = (
        await getWith(emu, '/v3/fhir/Patient/$generate-insurance-card', ok.access_token)
      ).json();
      expect([card.resourceType, card.type]).toEqual(['Bundle', 'collection']);
      // BB2's V3DigitalInsuranceCardExample: Patient, the CMS Organization, then Parts A and B.
      expect(card.entry.map((e: any) => e.resource.resourceType)).toEqual([
        'Patient',
        'Organization',
        'Coverage',
        'Coverage',
      ]);
      expect(card.entry.map((e: any) => e.resource.class?.[0].value)).toEqual([
        undefined,
        undefined,
        'Part A',
        'Part B',
      ]);
      const noCoverage = await emu.getToken({ version: 'v3', scope: 'patient/Patient.rs' });
      const r = await getWith(
        emu,
        '/v3/fhir/Patient/$generate-insurance-card',
        noCoverage.access_token,
      );
      expect(r.status).toBe(403);
    });

    it('rejects unknown parameters under Prefer: handling=strict, and passes errors as OperationOutcome', async () => {
      const t = await emu.getToken({ version: 'v3', scope: SCOPE });
      const strict = await getWith(emu, '/v3/fhir/ExplanationOfBenefit?hello=1', t.access_token, {
        prefer: 'handling=strict',
      });
      // A DRF ValidationError, rendered by DRF's (compact) JSON renderer.
      expect([strict.status, strict.text]).toEqual([
        400,
        `{"error":"Invalid parameters: ['hello']"}`,
      ]);
      const lenient = await getWith(emu, '/v3/fhir/ExplanationOfBenefit?hello=1', t.access_token);
      expect(lenient.status).toBe(200);
      // BFD v3 pages past the end without an error; an unknown _source is its 400.
      const oo = await getWith(emu, '/v3/fhir/ExplanationOfBenefit?_source=XYZ', t.access_token);
      expect(oo.status).toBe(400);
      expect(oo.json()).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error' }],
      });
    });

    it('answers 403 with the v3 detail on FHIR and "Request denied" on refresh once the app leaves the flag', async () => {
      const app = emu.registerClient({
        ...late,
        clientId: 'M'.repeat(40),
        v3EarlyAdopter: true,
        name: 'Flaky App',
      });
      const t = await emu.getToken({ clientId: app.clientId, version: 'v3', scope: SCOPE });
      emu.updateClient(app.clientId, { v3EarlyAdopter: false });
      const r = await getWith(emu, '/v3/fhir/Patient', t.access_token);
      expect(r.status).toBe(403);
      expect(r.json().detail).toBe(
        'This application, Flaky App, does not yet have access to v3 endpoints. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the support team for the application you are trying to access.',
      );
      const refresh = await postForm(
        `${emu.baseUrl}/v3/o/token/`,
        { grant_type: 'refresh_token', refresh_token: t.refresh_token },
        basic(app.clientId, app.clientSecret),
      );
      expect([refresh.status, refresh.text]).toEqual([
        403,
        '{"status_code": 403, "message": "Request denied"}',
      ]);
    });

    it('publishes the v3 discovery documents', async () => {
      const oidc = (await call(`${emu.baseUrl}/.well-known/openid-configuration-v3`)).json();
      expect(oidc.token_endpoint).toBe(`${emu.baseUrl}/v3/o/token`);
      const smart = (await call(`${emu.baseUrl}/v3/fhir/.well-known/smart-configuration`)).json();
      expect(smart.grant_types_supported).toEqual(['authorization_code', 'client_credentials']);
      expect(smart.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    });
  });
});
