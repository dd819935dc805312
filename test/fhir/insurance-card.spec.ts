import { AuthorizationToken, toInsuranceCard, type InsuranceCardBundle } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import {
  bootBlueButton,
  login,
  startEmulator,
  type BlueButtonHarness,
} from '../support/bluebutton.js';

const C4DIC = 'http://hl7.org/fhir/us/insurance-card/StructureDefinition/';
const MBI = 'http://hl7.org/fhir/sid/us-mbi';

let emu: BlueButtonEmulator;
let bb: BlueButtonHarness;

beforeAll(async () => {
  emu = await startEmulator({ v3Enabled: true });
  bb = await bootBlueButton(emu, {
    scopes: ['openid', 'patient/Patient.rs', 'patient/Coverage.rs'],
  });
});
afterAll(async () => {
  await bb.close();
  await emu.close();
});
beforeEach(() => emu.clearRequests());

describe('getInsuranceCardData (v3)', () => {
  it('returns the C4DIC Bundle, and toInsuranceCard lifts its fields', async () => {
    const token = await login(bb.auth, { user: 'BBUser00002' }, { version: 3 });
    emu.clearRequests();
    const { data, status } = await firstValueFrom(bb.fhir.getInsuranceCardData(token));
    expect(emu.requests.map(r => `${r.method} ${r.url}`)).toEqual([
      'GET /v3/fhir/Patient/$generate-insurance-card',
    ]);
    expect([status, data.type]).toEqual([200, 'collection']);
    expect(data.entry?.map(e => e.resource?.meta?.profile?.[0])).toEqual([
      `${C4DIC}C4DIC-Patient`,
      `${C4DIC}C4DIC-Organization`,
      `${C4DIC}C4DIC-Coverage`,
      `${C4DIC}C4DIC-Coverage`,
    ]);

    // The same beneficiary, as the v3 Patient search shows them.
    const patient = (await firstValueFrom(bb.fhir.getPatientData(token))).data.entry![0]!.resource!;
    const card = toInsuranceCard(data);
    expect(card).toEqual({
      memberId: patient.identifier!.find(i => i.system === MBI)!.value,
      name: [...patient.name![0]!.given!, patient.name![0]!.family].join(' '),
      birthDate: patient.birthDate,
      gender: patient.gender,
      payer: 'Centers for Medicare and Medicaid Services',
      payerPhones: ['1-800-633-4227', 'TTY: 1-877-486-2048'],
      payerWebsite: 'www.medicare.gov',
      parts: [
        {
          plan: 'Part A',
          payerType: 'MEDICARE',
          status: 'active',
          start: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        },
        {
          plan: 'Part B',
          payerType: 'MEDICARE FFS',
          status: 'active',
          start: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        },
      ],
      additionalInformation: expect.stringMatching(/^You may be asked to show this card/),
      lastUpdated: data.meta!.lastUpdated,
    });
  });
});

describe('toInsuranceCard', () => {
  /** The shape of BB2's documented C4DIC example (static/openapi.yaml), the fine print cut. */
  const documented: InsuranceCardBundle = {
    resourceType: 'Bundle',
    meta: { lastUpdated: '1970-01-01T00:00:00.000+00:00' },
    type: 'collection',
    entry: [
      {
        fullUrl: 'urn:uuid:071fbac5',
        resource: {
          resourceType: 'Patient',
          id: '071fbac5',
          name: [{ family: 'Turcotte120', given: ['Alva958', 'N'] }],
          gender: 'male',
          birthDate: '1942-09-14',
        },
      },
      {
        fullUrl: 'urn:uuid:697323ed',
        resource: {
          resourceType: 'Organization',
          id: '697323ed',
          name: 'Centers for Medicare and Medicaid Services',
          contact: [
            {
              telecom: [
                { system: 'phone', value: '1-800-633-4227' },
                { system: 'phone', value: 'TTY: 1-877-486-2048' },
                { system: 'url', value: 'www.medicare.gov' },
              ],
            },
          ],
        },
      },
      ...(
        [
          ['1', 'MEDICARE', 'Part A', '2018-08-29'],
          ['121', 'MEDICARE FFS', 'Part B', '2018-08-29'],
          [
            '14',
            'Dual Eligibility Medicare/Medicaid Organization',
            'Dual Medicare/Medicaid',
            '2020-09-14',
          ],
        ] as const
      ).map(([code, display, plan, start]) => ({
        resource: {
          resourceType: 'Coverage' as const,
          extension: [
            {
              url: `${C4DIC}C4DIC-AdditionalCardInformation-extension`,
              valueAnnotation: { text: 'You may be asked to show this card…' },
            },
          ],
          identifier: [{ system: MBI, value: '1S00EU8FA06' }],
          status: 'active' as const,
          type: { coding: [{ system: 'https://nahdo.org/sopt', code, display }] },
          subscriberId: '1S00EU8FA06',
          beneficiary: { reference: 'Patient/071fbac5' },
          period: { start },
          payor: [{ reference: 'Organization/697323ed' }],
          class: [
            {
              type: {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' },
                ],
              },
              value: plan,
            },
          ],
        },
      })),
    ],
  };

  it('lifts BB2’s documented example, dual eligibility included', () => {
    expect(toInsuranceCard(documented)).toEqual({
      memberId: '1S00EU8FA06',
      name: 'Alva958 N Turcotte120',
      birthDate: '1942-09-14',
      gender: 'male',
      payer: 'Centers for Medicare and Medicaid Services',
      payerPhones: ['1-800-633-4227', 'TTY: 1-877-486-2048'],
      payerWebsite: 'www.medicare.gov',
      parts: [
        { plan: 'Part A', payerType: 'MEDICARE', status: 'active', start: '2018-08-29' },
        { plan: 'Part B', payerType: 'MEDICARE FFS', status: 'active', start: '2018-08-29' },
        {
          plan: 'Dual Medicare/Medicaid',
          payerType: 'Dual Eligibility Medicare/Medicaid Organization',
          status: 'active',
          start: '2020-09-14',
        },
      ],
      additionalInformation: 'You may be asked to show this card…',
      lastUpdated: '1970-01-01T00:00:00.000+00:00',
    });
  });

  it('leaves out what a Bundle does not have, rather than guessing', () => {
    expect(toInsuranceCard({ resourceType: 'Bundle', type: 'collection' })).toEqual({
      payerPhones: [],
      parts: [],
    });
  });
});

describe('AuditEvent (v3, patient/AuditEvent.rs)', () => {
  it('searches and reads the beneficiary’s AuditEvents', async () => {
    const issued = emu.issueToken({
      user: 'BBUser00003',
      version: 'v3',
      scope: 'patient/AuditEvent.rs',
    });
    const token = AuthorizationToken.fromTokenResponse(issued, Date.now(), undefined, 3);
    const search = await firstValueFrom(bb.fhir.getAuditEventData(token));
    const events = search.data.entry!.map(e => e.resource!);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(new Set(events.map(e => `${e.resourceType} ${e.subtype?.[0]?.code}`))).toEqual(
      new Set(['AuditEvent patient-match-request']),
    );
    const last = events.at(-1)!;
    const read = await firstValueFrom(bb.fhir.readAuditEvent(last.id!, token));
    expect(read.data).toEqual(last);
    expect(emu.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /v3/fhir/AuditEvent/',
      `GET /v3/fhir/AuditEvent/${encodeURIComponent(last.id!)}`,
    ]);
  });
});
