import type { Server } from 'node:http';
import {
  Controller,
  Get,
  Injectable,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import {
  BlueButtonScopeGuard,
  BlueButtonToken,
  RequireScopes,
  type AuthorizationToken,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { startEmulator } from '../support/bluebutton.js';
import { loginThroughRoutes, type Agent } from './app/browser.js';
import { ADAPTERS, createTestApp } from './app/test-app.js';

/**
 * `@RequireScopes()` on a class with handler-level overrides (the handler's list replaces the
 * class's, it is not merged), and a user subclass of `BlueButtonScopeGuard` that customises its
 * answers through the protected members.
 */

@Controller('scoped')
@UseGuards(BlueButtonScopeGuard)
@RequireScopes('patient/Patient.rs')
class ScopedController {
  /** Inherits the class's requirement. */
  @Get('inherited')
  inherited(@BlueButtonToken() token: AuthorizationToken) {
    return { patient: token.patient };
  }

  /** Replaces it with a scope every beneficiary grants. */
  @Get('coverage')
  @RequireScopes('patient/Coverage.rs')
  coverage(@BlueButtonToken() token: AuthorizationToken) {
    return { patient: token.patient };
  }

  /** Replaces it with a scope nobody is granted: the 403 names this one only. */
  @Get('stricter')
  @RequireScopes('patient/Claim.rs')
  stricter() {
    return { reached: true };
  }

  /** Replaces it with nothing: public, no session needed. */
  @Get('public')
  @RequireScopes()
  open() {
    return { reached: true };
  }
}

/** A subclass: own login page in the 401, and `profile` treated as optional. */
@Injectable()
class LenientScopeGuard extends BlueButtonScopeGuard {
  protected override missingScopes(token: AuthorizationToken, required: string[]): string[] {
    return super.missingScopes(token, required).filter(scope => scope !== 'profile');
  }

  protected override loginUrl(context: ExecutionContext): string | undefined {
    // `originalUrl`: Express and Fastify requests both have it.
    const url = context.switchToHttp().getRequest<{ originalUrl: string }>().originalUrl;
    return `/connect?next=${encodeURIComponent(new URL(url, 'http://app.invalid').pathname)}`;
  }
}

@Controller('lenient')
@UseGuards(LenientScopeGuard)
class LenientController {
  @Get('profile')
  @RequireScopes('patient/Coverage.rs', 'profile')
  profile(@BlueButtonToken() token: AuthorizationToken) {
    return { patient: token.patient };
  }

  @Get('demographics')
  @RequireScopes('patient/Patient.rs', 'profile')
  demographics() {
    return { reached: true };
  }
}

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu?.close());
beforeEach(() => emu.clearRequests());
afterEach(() => expect(emu.requests).toHaveLength(0)); // guards answer without calling Blue Button

describe.each(ADAPTERS)('on %s', adapter => {
  let app: INestApplication;
  let server: Server;
  /** A beneficiary who withheld demographics (no patient/Patient.rs, no profile), and one who shared. */
  let withheld: Agent;
  let shared: Agent;

  async function loginAs(user: string, shareDemographics: boolean) {
    const { agent, done } = await loginThroughRoutes(app, { user, shareDemographics });
    expect(done.status).toBe(302);
    return agent;
  }

  beforeAll(async () => {
    app = await createTestApp(emu, {}, undefined, {
      adapter,
      controllers: [ScopedController, LenientController],
    });
    server = app.getHttpServer() as Server;
    withheld = await loginAs('BBUser00031', false);
    shared = await loginAs('BBUser00032', true);
    emu.clearRequests();
  });
  afterAll(() => app?.close());

  describe('@RequireScopes() on the class, overridden per handler', () => {
    it('applies the class’s scope to a handler without its own', async () => {
      const denied = await withheld.get('/scoped/inherited').expect(403);
      expect(denied.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message:
          'This needs Blue Button scope(s) the beneficiary did not grant: patient/Patient.rs',
        missingScopes: ['patient/Patient.rs'],
      });
      expect((await shared.get('/scoped/inherited').expect(200)).body).toEqual({
        patient: emu.patientIdFor('BBUser00032'),
      });
    });

    it('lets the handler’s scopes win: the class’s Patient scope is not required there', async () => {
      expect((await withheld.get('/scoped/coverage').expect(200)).body).toEqual({
        patient: emu.patientIdFor('BBUser00031'),
      });
    });

    it('names only the handler’s missing scope, not the class’s', async () => {
      for (const agent of [withheld, shared]) {
        const res = await agent.get('/scoped/stricter').expect(403);
        expect(res.body.missingScopes).toEqual(['patient/Claim.rs']);
      }
    });

    it('makes a handler with an empty @RequireScopes() public, even without a session', async () => {
      expect((await request(server).get('/scoped/public').expect(200)).body).toEqual({
        reached: true,
      });
    });

    it('answers 401 with the built-in loginUrl without a session', async () => {
      const res = await request(server).get('/scoped/coverage').expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Connect your Medicare account first.',
        loginUrl: '/bluebutton/login',
      });
    });
  });

  describe('a subclass of BlueButtonScopeGuard', () => {
    it('customises the 401 through loginUrl()', async () => {
      const res = await request(server).get('/lenient/profile').expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Connect your Medicare account first.',
        loginUrl: '/connect?next=%2Flenient%2Fprofile',
      });
    });

    it('customises the 403 through missingScopes(): profile no longer required', async () => {
      expect((await withheld.get('/lenient/profile').expect(200)).body).toEqual({
        patient: emu.patientIdFor('BBUser00031'),
      });
      const denied = await withheld.get('/lenient/demographics').expect(403);
      expect(denied.body.missingScopes).toEqual(['patient/Patient.rs']); // without 'profile'
      expect((await shared.get('/lenient/demographics').expect(200)).body).toEqual({
        reached: true,
      });
    });
  });
});
