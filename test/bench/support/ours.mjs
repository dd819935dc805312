// Our NestJS module as an app would run it, pointed at an emulator. Imports nothing else (no
// emulator code, no official SDK), so client processes measured for memory load only what an app does.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadBluebutton } from './pkg.mjs';

const { AuthorizationToken, AuthService, BlueButtonModule, FhirService } = await loadBluebutton();

/**
 * Boots `BlueButtonModule.forRoot()` in a Nest application context against `emu`
 * (`{ baseUrl, client }`). Logging is limited to warnings and errors, as in a production app
 * (Nest's default prints every verbose line, which would measure the console, not the client).
 */
export async function bootOurs(emu, overrides = {}) {
  const app = await NestFactory.createApplicationContext(
    BlueButtonModule.forRoot({
      baseUrl: emu.baseUrl,
      clientId: emu.client.clientId,
      clientSecret: emu.client.clientSecret,
      callbackUrl: emu.client.redirectUris[0],
      ...overrides,
    }),
    { logger: ['error', 'warn'] },
  );
  return { fhir: app.get(FhirService), auth: app.get(AuthService), close: () => app.close() };
}

/** Our token from BB2's token JSON; `expired` makes it look expired a second ago. */
export function ourToken(json, { expired = false } = {}) {
  const receivedAt = expired ? Date.now() - json.expires_in * 1000 - 1000 : Date.now();
  return AuthorizationToken.fromTokenResponse(json, receivedAt);
}
