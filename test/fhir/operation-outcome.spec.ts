import { inspect } from 'node:util';
import { AuthorizationToken, FhirHttpError } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom, type Observable } from 'rxjs';
import { bootBlueButton, startEmulator, type BlueButtonHarness } from '../support/bluebutton.js';

const SCOPES = 'patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;
let v2: AuthorizationToken;
let v3: AuthorizationToken;

beforeAll(async () => {
  emu = await startEmulator({ v3Enabled: true });
  bb = await bootBlueButton(emu);
  const issue = (version: 'v2' | 'v3', user: string) =>
    AuthorizationToken.fromTokenResponse(
      emu.issueToken({ user, version, scope: SCOPES }),
      Date.now(),
      undefined,
      version === 'v3' ? 3 : 2,
    );
  v2 = issue('v2', 'BBUser00000');
  v3 = issue('v3', 'BBUser00001');
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  emu.clearRequests();
});

const failure = (call: Observable<unknown>): Promise<FhirHttpError> =>
  firstValueFrom(call).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(FhirHttpError);
      return e as FhirHttpError;
    },
  );

describe('FhirHttpError.issues', () => {
  it('holds the issues of a v3 OperationOutcome relayed from the FHIR backend (400)', async () => {
    const error = await failure(bb.fhir.getExplanationOfBenefitData(v3, { _source: 'BOGUS' }));
    expect([error.status, error.issues]).toEqual([
      400,
      [
        {
          severity: 'error',
          code: 'processing',
          diagnostics: 'Unknown source. Supported sources are: [DDPS, NCH, MCS, VMS, FISS, CWF]',
        },
      ],
    ]);
    expect(error.message).toMatch(/HTTP 400 .*: Unknown source\. Supported sources/);
  });

  it('holds the not-found issue of a v3 read (404)', async () => {
    const error = await failure(bb.fhir.readExplanationOfBenefit('1', v3));
    expect([error.status, error.issues.map(i => i.diagnostics)]).toEqual([
      404,
      ['Resource ExplanationOfBenefit/1 is not known'],
    ]);
  });

  it('is empty for BB2\'s own refusals, which stay {"detail": …} on v3 too', async () => {
    const error = await failure(bb.fhir.getAuditEventData(v3));
    expect([error.status, error.body, error.issues]).toEqual([
      403,
      { detail: 'You do not have permission to perform this action.' },
      [],
    ]);
  });

  it('parses an OperationOutcome on v2 as well, where one appears', async () => {
    emu.faults.enqueue('/v2/fhir/Coverage', {
      status: 422,
      body: {
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'warning', code: 'informational', diagnostics: 'first' },
          { severity: 'error', code: 'invalid' },
        ],
      },
    });
    const error = await failure(bb.fhir.getCoverageData(v2));
    expect(error.issues).toEqual([
      { severity: 'warning', code: 'informational', diagnostics: 'first' },
      { severity: 'error', code: 'invalid' },
    ]);
  });

  it('never holds an echoed bearer token: the HTTP layer scrubs the body it is parsed from', async () => {
    emu.faults.enqueue('/v3/fhir/Coverage', {
      status: 400,
      body: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'security',
            diagnostics: `Rejected Authorization: Bearer ${v3.accessToken} (${encodeURIComponent(v3.accessToken)})`,
          },
        ],
      },
    });
    const error = await failure(bb.fhir.getCoverageData(v3));
    expect(error.issues[0]!.diagnostics).toBe(
      'Rejected Authorization: Bearer [redacted] ([redacted])',
    );
    for (const text of [JSON.stringify(error), inspect(error), error.message])
      expect(text).not.toContain(v3.accessToken);
  });

  it('is bounded: at most 20 issues, 1000 characters of diagnostics, no control characters', async () => {
    const issue = {
      severity: 's'.repeat(500),
      diagnostics: `line one\nline two\u2028${'x'.repeat(5000)}`,
      code: 7,
    };
    emu.faults.enqueue('/v3/fhir/Coverage', {
      status: 400,
      body: { resourceType: 'OperationOutcome', issue: Array.from({ length: 200 }, () => issue) },
    });
    const error = await failure(bb.fhir.getCoverageData(v3));
    expect(error.issues).toHaveLength(20);
    const [first] = error.issues;
    expect([first!.severity.length, first!.code, first!.diagnostics!.length]).toEqual([
      64,
      'unknown',
      1000,
    ]);
    expect(first!.diagnostics).toMatch(/^line one line two x+…$/);
    expect(Object.isFrozen(error.issues)).toBe(true);
  });
});
