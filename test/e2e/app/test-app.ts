import { Module, type INestApplication, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BlueButtonExceptionFilter,
  BlueButtonModule,
  type BlueButtonModuleOptions,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { emulatorOptions } from '../../support/bluebutton.js';
import { ClaimsController } from './claims.controller.js';

/** The session secret of the test app (known, so tests can forge expired-but-signed cookies). */
export const SESSION_SECRET = 'e2e-test-session-secret-0123456789abcdef';

/** What the app is made of besides the module: its controllers, and whether the filter is global. */
export interface TestAppShape {
  controllers?: Type[];
  globalFilter?: boolean;
}

/** Builds the e2e test app: BlueButtonModule with the built-in routes, against `emu`. */
export async function createTestApp(
  emu: BlueButtonEmulator,
  overrides: BlueButtonModuleOptions = {},
  customize: (
    builder: ReturnType<typeof Test.createTestingModule>,
  ) => ReturnType<typeof Test.createTestingModule> = b => b,
  { controllers = [ClaimsController], globalFilter = true }: TestAppShape = {},
): Promise<INestApplication> {
  @Module({
    imports: [
      BlueButtonModule.forRoot(
        emulatorOptions(emu, {
          routes: { successRedirect: '/home', failureRedirect: '/oops', logoutRedirect: '/bye' },
          session: { secret: SESSION_SECRET },
          ...overrides,
        }),
      ),
    ],
    controllers,
  })
  class TestAppModule {}

  const moduleRef = await customize(
    Test.createTestingModule({ imports: [TestAppModule] }),
  ).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (globalFilter) app.useGlobalFilters(new BlueButtonExceptionFilter());
  await app.init();
  return app;
}
