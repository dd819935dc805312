import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BlueButtonModule } from 'nestjs-bluebutton';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClaimsController } from './claims.controller.js';

let emu: BlueButtonEmulator;
let app: INestApplication;

beforeAll(async () => {
  // A local Blue Button (OAuth2, consent pages and FHIR over real HTTP, synthetic beneficiaries).
  emu = await BlueButtonEmulator.start({
    redirectUris: ['http://localhost:3000/bluebutton/callback'],
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        baseUrl: emu.baseUrl, // the emulator instead of the sandbox
        clientId: emu.client.clientId,
        clientSecret: emu.client.clientSecret,
        callbackUrl: emu.client.redirectUris[0],
        routes: true,
        session: { secret: 'a-test-session-secret-of-32-characters' },
      }),
    ],
    controllers: [ClaimsController],
  }).compile();
  app = moduleRef.createNestApplication();
  await app.init();
});

afterAll(async () => {
  await app.close();
  await emu.close();
});

/** Logs a beneficiary in through /bluebutton/login; the agent keeps the cookies, like a browser. */
async function logIn(user: string, consent: Record<string, string> = {}) {
  const browser = request.agent(app.getHttpServer());
  const login = await browser.get('/bluebutton/login').expect(302);
  // Emulator-only parameters answer the Medicare login and consent pages without a browser.
  const authorize = new URL(login.headers.location);
  const answers = { emulator_user: user, emulator_decision: 'allow', ...consent };
  for (const [name, value] of Object.entries(answers)) authorize.searchParams.set(name, value);
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(redirect.headers.get('location')!);
  await browser.get(callback.pathname + callback.search).expect(302);
  return browser;
}

it('lists every claim of the logged-in beneficiary', async () => {
  const anonymous = await request(app.getHttpServer()).get('/claims').expect(401);
  expect(anonymous.body.loginUrl).toBe('/bluebutton/login');

  const browser = await logIn('BBUser00000');
  const claims = await browser.get('/claims').expect(200);
  expect(claims.body).toHaveLength(52); // two pages of up to 50
});

it('answers 403 naming the scopes a beneficiary who kept demographics private did not grant', async () => {
  const browser = await logIn('BBUser00001', { emulator_share_demographics: 'false' });
  const me = await browser.get('/claims/me').expect(403);
  expect(me.body.missingScopes).toEqual(['patient/Patient.rs', 'profile']);
});
