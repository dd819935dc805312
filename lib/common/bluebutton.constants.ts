import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as {
  name: string;
  version: string;
};

/** The package's own version, read from its package.json so it can never drift. */
export const SDK_VERSION: string = pkg.version;

/** Identification headers sent on every request (Blue Button logs them; they change nothing). */
export const SDK_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-BLUEBUTTON-SDK': 'nestjs',
  'X-BLUEBUTTON-SDK-VERSION': SDK_VERSION,
});

/** Logger context used by every class of the package. */
export const LOG_CONTEXT = 'BlueButton';

/** A started login (its state and PKCE verifier, and its browser binding) lasts 10 minutes, like a login page left open. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60_000;
