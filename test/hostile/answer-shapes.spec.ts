import { inspect } from 'node:util';
import type { Bundle } from 'fhir/r4.js';
import { FhirHttpError, UnexpectedResponseError, type AuthorizationToken } from 'nestjs-bluebutton';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { HostileServer, json, text } from '../support/hostile-server.js';
import { SecretLedger } from '../support/secret-ledger.js';
import { bootAgainst, failure, recordWireSecrets, type HostileApp } from './harness.js';

/**
 * Family 4: a search answers a Bundle and a read the resourceType it asked for; anything else on a
 * 2xx is UnexpectedResponseError, sent once (a wrong shape is not transient), and nothing — JSON
 * nested 100,000 levels deep included — crashes the parser or anything after it.
 */

const EOB = '/v2/fhir/ExplanationOfBenefit';
const ledger = new SecretLedger();
let server: HostileServer;
let app: HostileApp;
let token: AuthorizationToken;
const outOfBand: unknown[] = [];
const record = (error: unknown) => outOfBand.push(error);

beforeAll(async () => {
  server = await HostileServer.start();
  app = await bootAgainst(server, ledger);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
});
afterEach(() => recordWireSecrets(server, ledger));
beforeEach(() => {
  server.reset();
  token = ledger.token();
});
afterAll(async () => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
  await app?.close();
  await server?.close();
  ledger.expectClean('answer shapes');
});
afterEach(() => expect(outOfBand).toEqual([]));

const DEEP = 100_000;
const deepArray = '['.repeat(DEEP) + ']'.repeat(DEEP);
const deepObject = '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP);

/** Renders an error every way an app would; none of them may throw. */
function renderAll(error: unknown): void {
  expect(() => [String(error), inspect(error), JSON.stringify(error)]).not.toThrow();
  ledger.error(error);
}

describe('a search (ExplanationOfBenefit) answered 200 with', () => {
  it.each([
    ['null', 'null', /expected a Bundle but got null/],
    ['an array', '[{"resourceType":"Bundle"}]', /expected a Bundle but got a JSON array/],
    ['a string', '"Bundle"', /expected a Bundle but got a JSON string/],
    ['a number', '42', /expected a Bundle but got a JSON number/],
    ['a Patient', '{"resourceType":"Patient","id":"p"}', /expected a Bundle but got a Patient/],
    ['no resourceType', '{"entry":[]}', /expected a Bundle but got no resourceType/],
    [
      'an OperationOutcome',
      '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"BFD timed out"}]}',
      /expected a Bundle but got an OperationOutcome: BFD timed out/,
    ],
    [
      'a Bundle whose entry is not a list',
      '{"resourceType":"Bundle","entry":{"resource":{}}}',
      /"entry" is not a list/,
    ],
    [
      'a Bundle whose link is not a list',
      '{"resourceType":"Bundle","link":"next"}',
      /"link" is not a list/,
    ],
    ['an array nested 100,000 deep', deepArray, /nests deeper than 128 levels/],
    ['an object nested 100,000 deep', deepObject, /nests deeper than 128 levels/],
  ])('%s → UnexpectedResponseError after 1 request', async (_, body, problem) => {
    server.route(EOB, json(200, body));
    const error = await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token)));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).problem).toMatch(problem);
    expect(server.requestsTo(EOB)).toHaveLength(1);
    renderAll(error);
  });
});

it('a read answered with another resourceType → UnexpectedResponseError after 1 request', async () => {
  server.route('/v2/fhir/Coverage/', json(200, { resourceType: 'ExplanationOfBenefit', id: 'x' }));
  const error = await failure(() => firstValueFrom(app.fhir.readCoverage('part-a--1', token)));
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect((error as UnexpectedResponseError).problem).toBe(
    'expected a Coverage but got an ExplanationOfBenefit',
  );
  expect(server.requestsTo('/v2/fhir/Coverage/')).toHaveLength(1);
  renderAll(error);
});

it('userinfo answered with a JSON array → UnexpectedResponseError after 1 request', async () => {
  server.route('/v2/connect/userinfo', json(200, [{ sub: 'x' }]));
  const error = await failure(() => firstValueFrom(app.fhir.getProfileData(token)));
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect(server.requestsTo('/v2/connect/userinfo')).toHaveLength(1);
  renderAll(error);
});

it('a next page that is an OperationOutcome → UnexpectedResponseError after 1 request', async () => {
  server.route(EOB, json(200, { resourceType: 'OperationOutcome', issue: [] }));
  const first: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [{ resource: { resourceType: 'Patient', id: 'p' } }],
    link: [{ relation: 'next', url: `${server.baseUrl}${EOB}?page=2` }],
  };
  const error = await failure(() => lastValueFrom(app.fhir.getPages(first, token)));
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect(server.requestsTo(EOB)).toHaveLength(1);
  renderAll(error);
});

it('a 500 whose body is JSON nested 100,000 deep → FhirHttpError after 3 attempts, renderable', async () => {
  server.route(EOB, json(500, deepArray));
  const error = await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token)));
  expect(error).toBeInstanceOf(FhirHttpError);
  expect(typeof (error as FhirHttpError).body).toBe('string'); // an excerpt, not the structure
  expect(server.requestsTo(EOB)).toHaveLength(3);
  renderAll(error);
});

it('a 200 HTML page → UnexpectedResponseError after 1 request', async () => {
  server.route(EOB, text(200, '<html><body><h1>Maintenance</h1></body></html>'));
  const error = await failure(() => firstValueFrom(app.fhir.getExplanationOfBenefitData(token)));
  expect(error).toBeInstanceOf(UnexpectedResponseError);
  expect((error as UnexpectedResponseError).problem).toBe(
    'expected JSON but got text/html ("Maintenance")',
  );
  expect(server.requestsTo(EOB)).toHaveLength(1);
  renderAll(error);
});
