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
  // A page of its own: the route options take a plain path, not a query string.
  logoutRedirect: '/signed-out',
} as const satisfies Required<Omit<BlueButtonRoutesOptions, 'version'>>;

/** Pages a visitor may be sent back to after connecting (`?next=`): nothing else is echoed. */
export const RETURN_PAGES: ReadonlySet<string> = new Set([
  '/claims',
  '/coverage',
  '/patient',
  '/profile',
]);

/** The "Connect with Medicare" link, optionally coming back to a page of the sample. */
export function loginHref(returnTo?: string): string {
  return returnTo
    ? `${SAMPLE_ROUTES.login}?returnTo=${encodeURIComponent(returnTo)}`
    : SAMPLE_ROUTES.login;
}

/** One line for the page footer saying which Blue Button the app talks to. */
export function backendLabel(config: BlueButtonConfig): string {
  const where =
    config.baseUrl === 'https://sandbox.bluebutton.cms.gov'
      ? 'the Blue Button sandbox'
      : config.environment === 'LOCAL'
        ? `the local Blue Button emulator at ${config.baseUrl}`
        : `Blue Button at ${config.baseUrl}`;
  const synthetic =
    config.environment === 'PRODUCTION' ? '' : ' (synthetic beneficiaries, not real people)';
  return `Data from ${where}, API v${config.version}${synthetic}`;
}
