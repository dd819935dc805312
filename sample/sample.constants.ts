import type { BlueButtonConfig, BlueButtonRoutesOptions } from 'nestjs-bluebutton';

/**
 * The package's built-in login / callback / logout routes, as the sample uses them: after login the
 * visitor lands on the claims page; a denial or error comes back to the overview with
 * `?bluebutton_error=…`, which the overview turns into a friendly message.
 */
export const SAMPLE_ROUTES = {
  login: '/bluebutton/login',
  logout: '/bluebutton/logout',
  successRedirect: '/claims',
  failureRedirect: '/',
  // A page of its own rather than `/?signed_out=1`: it can tell a visitor still connected the truth.
  logoutRedirect: '/signed-out',
} as const satisfies Required<Omit<BlueButtonRoutesOptions, 'version'>>;

/**
 * The sample's second login route: the same login handling, through Blue Button API v3 (a pilot:
 * sandbox only, for early-adopter apps), which one app serves side by side with v2.
 */
export const SAMPLE_V3_LOGIN = '/bluebutton/login/v3';

/** What a v3 connection asks for: v3 authorizations must name their scopes. */
export const SAMPLE_V3_SCOPES = [
  'openid',
  'profile',
  'patient/Patient.rs',
  'patient/Coverage.rs',
  'patient/ExplanationOfBenefit.rs',
] as const;

/** Pages a visitor may be sent back to after connecting (`?next=`): nothing else is echoed. */
export const RETURN_PAGES: ReadonlySet<string> = new Set([
  '/claims',
  '/coverage',
  '/patient',
  '/profile',
  '/insurance-card',
]);

/** The "Connect with Medicare" link, optionally coming back to a page of the sample. */
export function loginHref(returnTo?: string, login: string = SAMPLE_ROUTES.login): string {
  return returnTo ? `${login}?returnTo=${encodeURIComponent(returnTo)}` : login;
}

/** The "Connect through API v3" link. */
export function v3LoginHref(returnTo?: string): string {
  return loginHref(returnTo, SAMPLE_V3_LOGIN);
}

/**
 * One line for the page footer saying which Blue Button the app talks to, and through which API
 * version (the visitor's connection's, else the configured default).
 */
export function backendLabel(config: BlueButtonConfig, version = config.version): string {
  const where =
    config.baseUrl === 'https://sandbox.bluebutton.cms.gov'
      ? 'the Blue Button sandbox'
      : config.environment === 'LOCAL'
        ? `the local Blue Button emulator at ${config.baseUrl}`
        : `Blue Button at ${config.baseUrl}`;
  const synthetic =
    config.environment === 'PRODUCTION' ? '' : ' (synthetic beneficiaries, not real people)';
  return `Data from ${where}, API v${version}${synthetic}`;
}
