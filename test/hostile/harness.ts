import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuthService,
  BlueButtonModule,
  FhirService,
  type BlueButtonModuleOptions,
} from 'nestjs-bluebutton';
import type { HostileServer } from '../support/hostile-server.js';
import type { SecretLedger } from '../support/secret-ledger.js';

/** The response size limit of the hostile suite: small, so no attack needs gigabytes to cross it. */
export const TEST_MAX_BYTES = 1024 * 1024;

/** The package, booted against a hostile server, its log lines recorded in `ledger`. */
export interface HostileApp {
  moduleRef: TestingModule;
  auth: AuthService;
  fhir: FhirService;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * Boots `BlueButtonModule` pointed at `server`, with a fresh client secret recorded in `ledger`,
 * fast retries, a short timeout, a 1 MiB `maxResponseBytes`, and every log line (verbose included)
 * going to the ledger.
 */
export async function bootAgainst(
  server: HostileServer,
  ledger: SecretLedger,
  overrides: BlueButtonModuleOptions = {},
): Promise<HostileApp> {
  const clientSecret = ledger.secret('client-secret');
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl: server.baseUrl,
        clientId: 'hostile-suite-client',
        clientSecret,
        callbackUrl: 'http://127.0.0.1:3999/bluebutton/callback',
        retrySettings: { total: 2, backoffFactor: 0.001, statusForcelist: [500, 502, 503, 504] },
        timeoutMs: 5000,
        maxResponseBytes: TEST_MAX_BYTES,
        ...overrides,
      }),
    ],
  })
    .setLogger(ledger.logger)
    .compile();
  await moduleRef.init();
  return {
    moduleRef,
    auth: moduleRef.get(AuthService),
    fhir: moduleRef.get(FhirService),
    clientSecret,
    close: () => moduleRef.close(),
  };
}

/** Runs `work` and returns what it threw (failing the test if it did not throw). */
export async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Form fields that are not secrets (the same list as the package's scrubber). */
const PUBLIC_FIELDS = new Set(['grant_type', 'client_id', 'redirect_uri', 'token_type_hint']);

/**
 * Records in `ledger` every secret that crossed the wire to `server`, as the server received it:
 * each non-public form value and each Authorization credential (Bearer token, Basic pair).
 * Call it after each test, before `server.reset()`.
 */
export function recordWireSecrets(server: HostileServer, ledger: SecretLedger): void {
  for (const req of server.seen) {
    for (const [field, value] of new URLSearchParams(req.body)) {
      if (!PUBLIC_FIELDS.has(field) && value) ledger.add(value);
    }
    const credential = req.headers.authorization?.replace(/^(Bearer|Basic) /, '');
    if (credential) ledger.add(credential);
  }
}
