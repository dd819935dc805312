import type { Bundle } from 'fhir/r4.js';
import { PaginationError } from 'nestjs-bluebutton';
import { PageGuard } from '../../lib/fhir/page-guard.js';

/** The loop guard as a unit: which entries count as the same resource. */

type Entry = NonNullable<Bundle['entry']>[number];
const bundle = (...entry: Entry[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry,
});
const eob = (id: string): Entry => ({
  resource: { resourceType: 'ExplanationOfBenefit', id } as never,
});
const url = (fullUrl: string): Entry => ({ fullUrl });

describe('PageGuard', () => {
  it.each([
    ['the same Type/id', [eob('a')], [eob('a')]],
    [
      'the same fullUrl (entries without an id)',
      [url('https://x/fhir/E/1')],
      [url('https://x/fhir/E/1')],
    ],
    ['the same key without a slash', [url('urn-1')], [url('urn-1')]],
    ['a fullUrl equal to an earlier Type/id', [eob('a')], [url('ExplanationOfBenefit/a')]],
  ])('a page promising more that brings only %s → PaginationError', (_, before, again) => {
    const guard = new PageGuard(10, true);
    guard.admit(bundle(...before), true);
    expect(() => guard.admit(bundle(...again), true)).toThrow(PaginationError);
  });

  it.each([
    ['another id of the same type', [eob('a')], [eob('b')]],
    [
      'the same id under another type',
      [eob('a')],
      [{ resource: { resourceType: 'Claim', id: 'a' } as never }],
    ],
    ['a fullUrl differing after its first slash', [url('E/1')], [url('E/2')]],
  ])('a page bringing %s passes', (_, before, next) => {
    const guard = new PageGuard(10, true);
    guard.admit(bundle(...before), true);
    expect(() => guard.admit(bundle(...next), true)).not.toThrow();
  });
});
