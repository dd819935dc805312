import type { ExplanationOfBenefit } from 'fhir/r4.js';
import {
  monthlyTotals,
  toClaimRow,
  toClaimRows,
  countByType,
} from '../../sample/records/claims.js';
import { toCoverageRows } from '../../sample/records/coverage.js';
import { toPatientSummary } from '../../sample/records/patient.js';
import { escapeHtml, html, raw } from '../../sample/views/html.js';
import { claimsPage } from '../../sample/views/pages.js';
import { chartMonths, tableRows, unsafeMarkup } from './harness.js';

// Not named `html`, so that Prettier leaves these templates' whitespace alone.
const h = html;

const EOB_TYPE = 'https://bluebutton.cms.gov/resources/codesystem/eob-type';

/** An EOB with just the fields a test cares about (real ones have many more). */
function eob(fields: Record<string, unknown>): ExplanationOfBenefit {
  return {
    resourceType: 'ExplanationOfBenefit',
    status: 'active',
    use: 'claim',
    ...fields,
  } as ExplanationOfBenefit;
}

/** A line adjudication paying `value` dollars. */
const benefit = (value: number) => ({
  category: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'benefit' }],
  },
  amount: { value, currency: 'USD' },
});

describe('claim rows', () => {
  it('read a Part D event: the drug, the date, what the plan paid', () => {
    const row = toClaimRow(
      eob({
        id: 'pde--1',
        type: { coding: [{ system: EOB_TYPE, code: 'PDE' }] },
        billablePeriod: { start: '2020-03-04' },
        item: [
          {
            sequence: 1,
            productOrService: {
              coding: [
                {
                  system: 'http://hl7.org/fhir/sid/ndc',
                  code: '00093',
                  display: 'Lisinopril 10 MG',
                },
              ],
            },
          },
        ],
        payment: { amount: { value: 12.345, currency: 'USD' } },
      }),
    );
    expect(row).toEqual({
      id: 'pde--1',
      date: '2020-03-04',
      type: 'pde',
      typeLabel: 'Prescription drug (Part D)',
      providerOrDrug: 'Lisinopril 10 MG',
      service: 'Lisinopril 10 MG',
      paidCents: 1235,
    });
  });

  it('fall back where real claims have gaps: type from the id, provider from the care team, paid from the lines', () => {
    const row = toClaimRow(
      eob({
        id: 'inpatient--77',
        careTeam: [
          {
            sequence: 1,
            provider: { identifier: { value: '111' } },
            role: { coding: [{ code: 'attending' }] },
          },
        ],
        item: [
          { sequence: 1, servicedDate: '2019-12-31', adjudication: [benefit(100.1), benefit(0.2)] },
          { sequence: 2, adjudication: [benefit(0.1)] },
        ],
      }),
    );
    expect(row).toMatchObject({
      type: 'inpatient',
      date: '2019-12-31',
      providerOrDrug: 'NPI 111',
      paidCents: 10040,
      service: undefined,
    });
  });

  it('sort newest first, undated last, and count by type', () => {
    const rows = toClaimRows([
      eob({ id: 'carrier--1', billablePeriod: { start: '2001-01-01' } }),
      eob({ id: 'carrier--2' }),
      eob({ id: 'outpatient--3', billablePeriod: { start: '2002-05-01' } }),
    ]);
    expect(rows.map(r => r.id)).toEqual(['outpatient--3', 'carrier--1', 'carrier--2']);
    expect(countByType(rows)).toEqual([
      { label: 'Doctor or supplier (Part B)', count: 2 },
      { label: 'Hospital outpatient', count: 1 },
    ]);
  });
});

describe('monthly totals', () => {
  it('cover every month from the first claim to the last, across years, and ignore undated claims', () => {
    const rows = toClaimRows([
      eob({
        id: 'carrier--1',
        billablePeriod: { start: '2000-11-20' },
        payment: { amount: { value: 1.1 } },
      }),
      eob({
        id: 'carrier--2',
        billablePeriod: { start: '2000-11-02' },
        payment: { amount: { value: 2.2 } },
      }),
      eob({
        id: 'carrier--3',
        billablePeriod: { start: '2001-02-01' },
        payment: { amount: { value: 0 } },
      }),
      eob({ id: 'carrier--4', payment: { amount: { value: 99 } } }),
    ]);
    expect(monthlyTotals(rows)).toEqual([
      { month: '2000-11', count: 2, paidCents: 330 },
      { month: '2000-12', count: 0, paidCents: 0 },
      { month: '2001-01', count: 0, paidCents: 0 },
      { month: '2001-02', count: 1, paidCents: 0 },
    ]);
    expect(monthlyTotals([])).toEqual([]);
  });
});

describe('the claims page markup', () => {
  it('escapes every value taken from a claim, in text and in attributes', () => {
    const rows = toClaimRows([
      eob({
        id: 'pde--"><script>alert(1)</script>',
        type: { coding: [{ system: EOB_TYPE, code: 'PDE" onclick="alert(2)' }] },
        billablePeriod: { start: '2020-01-01' },
        item: [
          {
            sequence: 1,
            productOrService: {
              coding: [
                { system: 'http://hl7.org/fhir/sid/ndc', display: '<img src=x onerror=alert(3)>' },
              ],
            },
          },
        ],
        payment: { amount: { value: 5 } },
      }),
    ]);
    const page = claimsPage({
      rows,
      months: monthlyTotals(rows),
      byType: countByType(rows),
      pages: 1,
    }).value;
    expect(unsafeMarkup(page)).toBeUndefined();
    const [row] = tableRows(`<table id="claims">${page.split('<table id="claims">')[1]}`, 'claims');
    expect(row.data['data-claim-id']).toBe('pde--"><script>alert(1)</script>');
    expect(row.data['data-type']).toBe('pde" onclick="alert(2)');
    // An unknown type: no drug column, but the drug still shows as the service.
    expect(row.cells[3]).toBe('<img src=x onerror=alert(3)>');
    expect(chartMonths(page)).toEqual([{ month: '2020-01', count: 1, paidCents: 500 }]);
  });
});

describe('html``', () => {
  it('escapes interpolations, keeps nested html`` and raw(), and drops null/false', () => {
    const name = `"'<&>`;
    expect(h`<a title="${name}">${name}</a>`.value).toBe(
      '<a title="&quot;&#39;&lt;&amp;&gt;">&quot;&#39;&lt;&amp;&gt;</a>',
    );
    const list = h`<ul>${['<1>', h`<li>2</li>`]}${null}${false}${undefined}${raw('<hr>')}</ul>`;
    expect(list.value).toBe('<ul>&lt;1&gt;<li>2</li><hr></ul>');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });
});

describe('coverage and patient', () => {
  it('name the plan from its class, else from the id', () => {
    const rows = toCoverageRows({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Coverage',
            id: 'part-d--1',
            status: 'active',
            beneficiary: {},
            payor: [{ display: 'CMS' }],
          } as never,
        },
        {
          resource: {
            resourceType: 'Coverage',
            id: 'x',
            status: 'cancelled',
            class: [{ type: { coding: [{ code: 'plan' }] }, value: 'Part A' }],
            period: { start: '2000-01-01', end: '2010-01-01' },
          } as never,
        },
      ],
    });
    expect(rows.map(r => [r.plan, r.status, r.end, r.payor])).toEqual([
      ['Part A', 'Cancelled', '2010-01-01', undefined],
      ['Part D', 'Active', undefined, 'CMS'],
    ]);
  });

  it('summarise the Patient with the MBI masked, and nothing when there is none', () => {
    const summary = toPatientSummary({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Patient',
            id: '-1',
            name: [{ use: 'usual', given: ['Ann', 'B'], family: 'Cole' }],
            identifier: [{ system: 'http://hl7.org/fhir/sid/us-mbi', value: '1S00A00AA00' }],
            address: [{ state: '05', postalCode: '90210' }],
          } as never,
        },
      ],
    });
    expect(summary).toMatchObject({
      name: 'Ann B Cole',
      maskedMbi: '•••••••AA00',
      location: 'State code 05, 90210',
    });
    expect(toPatientSummary({ resourceType: 'Bundle', type: 'searchset' })).toBeUndefined();
  });
});
