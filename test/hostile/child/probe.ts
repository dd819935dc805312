/**
 * One attack, run in its own Node process by test/hostile/memory.spec.ts so that whatever it does
 * to memory cannot take the test runner down, and so that its peak RSS is its own. Prints one line,
 * `PROBE_RESULT <json>`: the outcome (an error code, or how many items completed), the RSS before
 * the attack and the process' peak RSS after it, and every rendering of the error and every log
 * line (the parent greps them for secrets).
 */
import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Bundle } from 'fhir/r4.js';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import {
  AuthorizationToken,
  AuthService,
  BlueButtonError,
  BlueButtonModule,
  FhirService,
} from '../../../lib/index.js';
import { resolveBlueButtonConfig } from '../../../lib/config/config.loader.js';

/** What the parent passes in the environment. */
interface ProbeEnv {
  PROBE_ATTACK: 'get' | 'exchange' | 'stream-pages' | 'get-pages' | 'config';
  PROBE_BASE_URL: string;
  PROBE_CLIENT_SECRET: string;
  PROBE_ACCESS_TOKEN: string;
  PROBE_REFRESH_TOKEN: string;
  PROBE_CODE: string;
  PROBE_MAX_BYTES: string;
  PROBE_MAX_PAGES: string;
  /** The first page of a paginated search (JSON), for the page attacks. */
  PROBE_FIRST_PAGE?: string;
  /** A config file path, for the config attack. */
  PROBE_CONFIG_PATH?: string;
}

const env = process.env as unknown as ProbeEnv;
const texts: string[] = [];
const record = (level: string) => (message: unknown) =>
  texts.push(`${level} ${typeof message === 'string' ? message : inspect(message)}`);
const logger: LoggerService = {
  log: record('log'),
  error: record('error'),
  warn: record('warn'),
  debug: record('debug'),
  verbose: record('verbose'),
  fatal: record('fatal'),
};

async function main(): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl: env.PROBE_BASE_URL,
        clientId: 'hostile-probe-client',
        clientSecret: env.PROBE_CLIENT_SECRET,
        callbackUrl: 'http://127.0.0.1:3999/bluebutton/callback',
        retrySettings: { total: 0 },
        timeoutMs: 15_000,
        maxResponseBytes: Number(env.PROBE_MAX_BYTES),
        maxPages: Number(env.PROBE_MAX_PAGES),
      }),
    ],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  const fhir = moduleRef.get(FhirService);
  const auth = moduleRef.get(AuthService);
  const token = AuthorizationToken.fromJSON({
    accessToken: env.PROBE_ACCESS_TOKEN,
    refreshToken: env.PROBE_REFRESH_TOKEN,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    scope: ['patient/ExplanationOfBenefit.rs'],
    patient: '-19990000000001',
    accessGrantExpiration: null,
  });

  // Warm every code path the attack uses (HTTP, JSON, zlib), then measure from a collected heap.
  await firstValueFrom(fhir.getCoverageData(token));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const rssBefore = process.memoryUsage().rss;

  let outcome: string;
  try {
    outcome = await attack(fhir, auth, token);
  } catch (error) {
    outcome = error instanceof BlueButtonError ? error.code : `uncaught ${String(error)}`;
    texts.push(String(error), inspect(error, { depth: 20 }), (error as Error)?.stack ?? '');
    try {
      texts.push(JSON.stringify(error));
    } catch (failure) {
      texts.push(`JSON.stringify threw ${String(failure)}`);
    }
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(`PROBE_RESULT ${JSON.stringify({ outcome, rssBefore, peakRss, texts })}`);
  await moduleRef.close();
}

function attack(fhir: FhirService, auth: AuthService, token: AuthorizationToken): Promise<string> {
  const first = () => JSON.parse(env.PROBE_FIRST_PAGE ?? '{}') as Bundle;
  switch (env.PROBE_ATTACK) {
    case 'get':
      return firstValueFrom(fhir.getExplanationOfBenefitData(token)).then(() => 'completed');
    case 'exchange': {
      const authData = auth.generateAuthData();
      return firstValueFrom(
        auth.getAuthorizationToken(authData, env.PROBE_CODE, authData.state),
      ).then(() => 'completed');
    }
    case 'stream-pages':
      // The consumer takes 5 pages of a search whose first page promises millions.
      return lastValueFrom(
        fhir
          .pages(first(), token, { pageConcurrency: 2, pageSize: 'server' })
          .pipe(take(5), toArray()),
      ).then(pages => `completed ${pages.length} pages`);
    case 'get-pages':
      return lastValueFrom(fhir.getPages(first(), token, { pageConcurrency: 1 })).then(
        ({ pages }) => `completed ${pages.length} pages`,
      );
    case 'config':
      return Promise.resolve().then(() => {
        resolveBlueButtonConfig(env.PROBE_CONFIG_PATH);
        return 'completed';
      });
  }
}

main().catch(error => {
  console.error(`probe failed: ${inspect(error)}`);
  process.exitCode = 1;
});
