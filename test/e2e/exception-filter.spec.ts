import type { Server } from 'node:http';
import { Controller, Get, UseFilters, type INestApplication } from '@nestjs/common';
import {
  BlueButtonExceptionFilter,
  BlueButtonToken,
  FhirService,
  ReauthorizationRequiredError,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { map } from 'rxjs';
import request from 'supertest';
import { consent, startEmulator } from '../support/bluebutton.js';
import { ADAPTERS, createTestApp } from './app/test-app.js';

/**
 * `BlueButtonExceptionFilter` registered on one controller with `@UseFilters()` — not globally:
 * that controller's Blue Button errors get the filter's answers, every other route keeps Nest's.
 */

@Controller('filtered')
@UseFilters(BlueButtonExceptionFilter)
class FilteredController {
  constructor(private readonly fhir: FhirService) {}

  @Get('reauth')
  reauth(): never {
    throw new ReauthorizationRequiredError('grant-expired', 401);
  }

  @Get('coverage')
  coverage(@BlueButtonToken() token: AuthorizationToken) {
    return this.fhir.getCoverageData(token).pipe(map(({ data }) => ({ total: data.total })));
  }

  @Get('card')
  card(@BlueButtonToken() token: AuthorizationToken) {
    return this.fhir.getInsuranceCardData(token).pipe(map(({ data }) => data.entry?.length));
  }
}

@Controller('unfiltered')
class UnfilteredController {
  @Get('reauth')
  reauth(): never {
    throw new ReauthorizationRequiredError('grant-expired', 401);
  }
}

const REAUTH_ANSWER = {
  statusCode: 401,
  error: 'BB_REAUTHORIZATION_REQUIRED',
  message: 'Your Medicare connection has ended. Please connect again.',
  loginUrl: '/bluebutton/login',
};

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu?.close());
beforeEach(() => emu.clearRequests());

describe.each(ADAPTERS)('on %s', adapter => {
  let app: INestApplication;
  let server: Server;

  beforeAll(async () => {
    app = await createTestApp(emu, {}, undefined, {
      adapter,
      controllers: [FilteredController, UnfilteredController],
      globalFilter: false,
    }); // no global filter: it is only on FilteredController
    server = app.getHttpServer() as Server;
  });
  afterAll(() => app?.close());

  it('maps a ReauthorizationRequiredError thrown by the handler to 401 JSON with the loginUrl', async () => {
    const res = await request(server).get('/filtered/reauth');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.text)).toEqual(REAUTH_ANSWER);
    expect(res.text).not.toMatch(/grant-expired|Re-authorization required|stack/);
  });

  it('leaves the same error on a controller without the filter to Nest (500, no loginUrl)', async () => {
    const res = await request(server).get('/unfiltered/reauth');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error' });
  });

  it('maps a real refusal (grant revoked at Blue Button, refresh refused) to the same 401', async () => {
    const agent = request.agent(server);
    const start = await agent.get('/bluebutton/login').expect(302);
    const callback = await consent(start.headers.location, { user: 'BBUser00021' });
    await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    expect((await agent.get('/filtered/coverage').expect(200)).body).toEqual({ total: 4 });

    emu.revokeGrant(emu.patientIdFor('BBUser00021')!);
    emu.clearRequests();
    const res = await agent.get('/filtered/coverage');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(REAUTH_ANSWER);
    // On the wire: the Coverage GET (refused) and one refresh POST (refused), nothing more.
    expect(emu.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/fhir/Coverage/',
      'POST /v2/o/token/',
    ]);
  });

  it('maps a v2 connection asking for a v3-only call to 403, naming both versions, sending nothing', async () => {
    const agent = request.agent(server);
    const start = await agent.get('/bluebutton/login').expect(302);
    const callback = await consent(start.headers.location, { user: 'BBUser00023' });
    await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    emu.clearRequests();
    const res = await agent.get('/filtered/card');
    expect([res.status, res.body]).toEqual([
      403,
      {
        statusCode: 403,
        error: 'BB_API_VERSION_MISMATCH',
        message:
          'This needs a Medicare connection made through Blue Button API v3; this one uses API v2.',
      },
    ]);
    expect(emu.requests).toEqual([]);
  });

  it('sends the Retry-After of a Blue Button 429 through the adapter', async () => {
    const agent = request.agent(server);
    const start = await agent.get('/bluebutton/login').expect(302);
    const callback = await consent(start.headers.location, { user: 'BBUser00022' });
    await agent.get(`${callback.pathname}${callback.search}`).expect(302);
    emu.faults.enqueue('/v2/fhir/Coverage', { status: 429, retryAfter: 7 });
    const res = await agent.get('/filtered/coverage');
    expect([res.status, res.headers['retry-after'], res.body.error]).toEqual([
      429,
      '7',
      'BB_FHIR_HTTP',
    ]);
  });

  it('answers when created without arguments (app.useGlobalFilters(new BlueButtonExceptionFilter()))', async () => {
    const bare = await createTestApp(emu, {}, undefined, {
      adapter,
      controllers: [UnfilteredController],
      globalFilter: false,
      setup: a => a.useGlobalFilters(new BlueButtonExceptionFilter()),
    });
    try {
      const res = await request(bare.getHttpServer()).get('/unfiltered/reauth');
      expect([res.status, res.body]).toEqual([401, REAUTH_ANSWER]);
    } finally {
      await bare.close();
    }
  });
});
