import { ConsoleLogger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import { AuthService, BlueButtonModule, FhirService } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { firstValueFrom } from 'rxjs';
import { consent, emulatorOptions, expiredCopy, startEmulator } from '../support/bluebutton.js';

/**
 * Runs the whole flow with Nest's logger at its most verbose, capturing every byte written to
 * stdout/stderr, then checks that no secret the emulator received (client secret, codes, PKCE
 * verifiers, access and refresh tokens) appears in any log line or in any error we produced.
 */
it('never logs or puts in an error a secret, token, code or verifier', async () => {
  const emu: BlueButtonEmulator = await startEmulator();
  const output: string[] = [];
  const capture = (stream: NodeJS.WriteStream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      output.push(String(chunk));
      return true;
    });
  const spies = [capture(process.stdout), capture(process.stderr)];
  const errors: unknown[] = [];
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot(
          emulatorOptions(emu, { retrySettings: { total: 1, backoffFactor: 0.01 } }),
        ),
      ],
    })
      .setLogger(
        new ConsoleLogger({ logLevels: ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'] }),
      )
      .compile();
    await moduleRef.init();
    const auth = moduleRef.get(AuthService);
    const fhir = moduleRef.get(FhirService);
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (e) {
        errors.push(e);
      }
    };

    const { url } = await firstValueFrom(auth.startAuthorization());
    const callback = await consent(url);
    const { token } = await firstValueFrom(
      auth.completeAuthorization(Object.fromEntries(callback.searchParams)),
    );
    await firstValueFrom(fhir.getPatientData(token));
    const eobs = await firstValueFrom(fhir.getExplanationOfBenefitData(token));
    await firstValueFrom(fhir.getPages(eobs.data, token));
    await firstValueFrom(fhir.getProfileData(token));
    // A refresh before a call, then a replayed (rotated-away) refresh token from another module.
    const { token: refreshed } = await firstValueFrom(fhir.getCoverageData(expiredCopy(token)));
    const other = await Test.createTestingModule({
      imports: [BlueButtonModule.forRoot(emulatorOptions(emu))],
    }).compile();
    await attempt(() => firstValueFrom(other.get(AuthService).refreshAuthToken(token)));
    await other.close();
    // Failures of every kind: a code replay, a 503 after retries, a dropped connection, a bad state.
    await attempt(() =>
      firstValueFrom(auth.completeAuthorization(Object.fromEntries(callback.searchParams))),
    );
    emu.faults.enqueue('/v2/fhir/Coverage', [{ status: 503 }, { status: 503 }]);
    await attempt(() => firstValueFrom(fhir.getCoverageData(refreshed)));
    emu.faults.enqueue('/v2/o/token', { drop: true });
    await attempt(() => firstValueFrom(auth.refreshAuthToken(refreshed)));
    await attempt(() =>
      firstValueFrom(auth.getAuthorizationToken(auth.generateAuthData(), 'code', 'wrong-state')),
    );
    await firstValueFrom(auth.revoke(refreshed));
    await moduleRef.close();
  } finally {
    for (const spy of spies) spy.mockRestore();
    await emu.close();
  }

  // Every secret that actually crossed the wire, as the emulator recorded it.
  const secrets = new Set<string>([emu.client.clientSecret]);
  for (const r of emu.requests) {
    for (const field of ['client_secret', 'code', 'code_verifier', 'refresh_token', 'token']) {
      if (r.form?.[field]) secrets.add(r.form[field]);
    }
    const auth = r.headers.authorization;
    if (auth) secrets.add(auth.replace(/^(Bearer|Basic) /, ''));
  }
  expect(secrets.size).toBeGreaterThanOrEqual(8); // secret, code, verifier, Basic pair, 2 access + 2 refresh tokens
  expect(errors.length).toBe(5);
  expect(output.join('')).toMatch(/GET \/v2\/fhir\/ExplanationOfBenefit\/ → 200/); // verbose logs did run

  const renderings = [
    ...output,
    ...errors.flatMap(e => [String(e), inspect(e), JSON.stringify(e), (e as Error).stack ?? '']),
  ];
  for (const secret of secrets) {
    for (const text of renderings)
      expect(text, `a log line or error contains a secret`).not.toContain(secret);
  }
});
