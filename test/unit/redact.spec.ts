import { safePath } from '../../lib/common/redact.js';

/** `safePath` is the route template of logs, errors and telemetry: every id form becomes `{id}`. */
it.each([
  ['/v2/fhir/Patient/-19990000000001', '/v2/fhir/Patient/{id}'],
  ['/v2/fhir/Coverage/part-a--19990000000001?_format=json', '/v2/fhir/Coverage/{id}'],
  ['/v2/fhir/ExplanationOfBenefit/carrier--10344810963', '/v2/fhir/ExplanationOfBenefit/{id}'],
  ['/v3/fhir/ExplanationOfBenefit/-10000010254618', '/v3/fhir/ExplanationOfBenefit/{id}'],
  ['/v3/fhir/Coverage/part-d--10000010254618', '/v3/fhir/Coverage/{id}'],
  ['/v2/fhir/Patient/AbCdEf', '/v2/fhir/Patient/{id}'],
  ['/v2/fhir/Patient/a%2Fb%3Fc', '/v2/fhir/Patient/{id}'],
  [
    '/v2/fhir/ExplanationOfBenefit/?patient=-19990000000001&startIndex=10',
    '/v2/fhir/ExplanationOfBenefit/',
  ],
  ['/v3/fhir/Patient/$generate-insurance-card', '/v3/fhir/Patient/$generate-insurance-card'],
  ['/v1/fhir/Patient/-1999/$everything', '/v1/fhir/Patient/{id}/$everything'],
  ['/v2/fhir/Patient/abc/_history/2', '/v2/fhir/Patient/{id}/_history/{id}'],
  ['/v2/fhir/Patient/-1999/ExplanationOfBenefit', '/v2/fhir/Patient/{id}/ExplanationOfBenefit'],
  ['/v2/fhir/metadata', '/v2/fhir/metadata'],
  ['/v2/o/token/', '/v2/o/token/'],
  ['/v3/o/revoke_token/', '/v3/o/revoke_token/'],
  ['/v2/connect/userinfo', '/v2/connect/userinfo'],
  ['/v3/o/authorize/3fa85f64-5717-4562-b3fc-2c963f66afa6/', '/v3/o/authorize/{id}/'],
  ['/.well-known/openid-configuration', '/.well-known/openid-configuration'],
  ['/v2/o/expire_authenticated_user/123456/', '/v2/o/expire_authenticated_user/{id}/'],
])('%s → %s', (path, template) => {
  expect(safePath(`https://sandbox.bluebutton.cms.gov${path}`)).toBe(template);
  expect(safePath(new URL(path, 'https://sandbox.bluebutton.cms.gov'))).toBe(template);
});
