import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BlueButtonModule } from 'nestjs-bluebutton';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlueButtonController } from './bluebutton.controller.js';

describe('BlueButtonController against the Blue Button emulator', () => {
  let emu: BlueButtonEmulator;
  let app: INestApplication;

  beforeAll(async () => {
    emu = await BlueButtonEmulator.start({
      redirectUris: ['http://localhost:3000/api/bluebutton/callback/'],
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRoot({
          baseUrl: emu.baseUrl,
          clientId: emu.client.clientId,
          clientSecret: emu.client.clientSecret,
          callbackUrl: emu.client.redirectUris[0],
        }),
      ],
      controllers: [BlueButtonController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await emu.close();
  });

  /** Logs in through the app; the emulator-only parameters answer the consent page without a browser. */
  async function login(user: string, consent: Record<string, string> = {}) {
    const start = await request(app.getHttpServer()).get('/').expect(302);
    const authorize = new URL(start.headers.location);
    const params = { emulator_user: user, emulator_decision: 'allow', ...consent };
    for (const [name, value] of Object.entries(params)) authorize.searchParams.set(name, value);
    const answer = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(answer.headers.get('location')!);
    return request(app.getHttpServer()).get(callback.pathname + callback.search);
  }

  it('fetches every claim, the coverage, the patient and the profile', async () => {
    const res = await login('BBUser00000');
    expect(res.status).toBe(200);
    expect(res.body.eobData.flatMap((page: { entry: unknown[] }) => page.entry)).toHaveLength(52);
    expect(res.body.coverageData.total).toBe(4);
    expect(res.body.profileData.patient).toBe(emu.patientIdFor('BBUser00000'));
  });

  it('respects a beneficiary who does not share demographics', async () => {
    const res = await login('BBUser00001', { emulator_share_demographics: 'false' });
    expect([res.body.patientData, res.body.profileData, res.body.coverageData.total]).toEqual([
      null,
      null,
      4,
    ]);
  });

  it('reports a denied consent', async () => {
    const res = await login('BBUser00002', { emulator_decision: 'deny' });
    expect(res.body).toEqual({ message: 'Beneficiary denied app access to their data' });
  });
});
