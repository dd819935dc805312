/** BB2 message texts (`ws:apps/constants.py`, `ws:apps/dot_ext/constants.py`). */
export const inactiveApp = (name: string) =>
  `This application, ${name}, is temporarily inactive. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the support team for the application you are trying to access.`;

export const ONE_TIME_REFRESH =
  'Your application is not allowed to refresh tokens. To refresh Medicare data, end user must re-authenticate and consent to share their data. If your application needs to refresh tokens, contact us at BlueButtonAPI@cms.hhs.gov.';

export const GRANT_TIMED_OUT =
  'User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data.';

export const GRANT_NOT_FOUND =
  'User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data.';

/** The token endpoint's 502 when SLSx/BFD fails while a refresh re-resolves the beneficiary. */
export const DATA_SOURCE_FAILURE = 'Failed to retrieve data from data source.';

export const v3NotAllowed = (name: string) =>
  `This application, ${name}, does not yet have access to v3 endpoints. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the support team for the application you are trying to access.`;

export const QUERY_TOKEN =
  'Using the access token in the query parameters is not supported. Use the Authorization header instead';

export const NOT_AUTHENTICATED = 'Authentication credentials were not provided.';
export const PERMISSION_DENIED = 'You do not have permission to perform this action.';
export const NOT_FOUND = 'Not found.';

/** v3 `AppScopePermission`'s refusal (`APPLICATION_DOES_NOT_HAVE_VALID_SCOPES`). */
export const appLacksScopes = (name: string, kind: string, resource: string) =>
  `This application, ${name}, does not have access to make ${kind} calls for ${resource} resources. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the support team for the application you are trying to access.`;
