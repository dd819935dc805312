import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthorizationToken,
  BlueButtonModule,
  BlueButtonSessions,
  FhirService,
} from 'nestjs-bluebutton';
import { of } from 'rxjs';
import request from 'supertest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ClaimsController } from './claims.controller.js';

let app: INestApplication;
const fhir = {
  getExplanationOfBenefitData: vi.fn(),
  resources: vi.fn(),
};

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BlueButtonModule.forRoot({
        clientId: 'test',
        clientSecret: 'test',
        callbackUrl: 'http://localhost/cb',
      }),
    ],
    controllers: [ClaimsController],
  })
    .overrideProvider(FhirService)
    .useValue(fhir)
    .compile();
  app = moduleRef.createNestApplication();
  await app.init();
});

afterAll(() => app.close());

it('summarises the claims FhirService returns', async () => {
  const token = AuthorizationToken.fromJSON({
    accessToken: 'not-a-real-token',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    scope: ['patient/ExplanationOfBenefit.rs'],
    patient: '-19990000000001',
    accessGrantExpiration: null,
  });
  const claim = {
    resourceType: 'ExplanationOfBenefit',
    id: 'carrier--1',
    billablePeriod: { start: '2024-05-01' },
    payment: { amount: { value: 42 } },
  };
  fhir.getExplanationOfBenefitData.mockReturnValue(
    of({ token, status: 200, data: { resourceType: 'Bundle', type: 'searchset' } }),
  );
  fhir.resources.mockReturnValue(of({ resource: claim, token }));

  // A signed session cookie for this token, as the built-in callback route would set it.
  const { cookie } = await app.get(BlueButtonSessions).createSession(token);
  const res = await request(app.getHttpServer()).get('/claims').set('Cookie', cookie).expect(200);

  expect(res.body).toEqual([{ id: 'carrier--1', date: '2024-05-01', paid: 42 }]);
  expect(fhir.getExplanationOfBenefitData).toHaveBeenCalledWith(token, { _count: 50 });
});

it('answers 403 naming the scope the beneficiary did not grant', async () => {
  const token = AuthorizationToken.fromJSON({
    accessToken: 'not-a-real-token',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    scope: ['patient/ExplanationOfBenefit.rs'], // no patient/Patient.rs, no profile
    accessGrantExpiration: null,
  });
  const { cookie } = await app.get(BlueButtonSessions).createSession(token);
  const res = await request(app.getHttpServer())
    .get('/claims/me')
    .set('Cookie', cookie)
    .expect(403);
  expect(res.body.missingScopes).toEqual(['patient/Patient.rs', 'profile']);
});
