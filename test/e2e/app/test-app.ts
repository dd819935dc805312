import {
  Module,
  type DynamicModule,
  type INestApplication,
  type Provider,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  BlueButtonExceptionFilter,
  BlueButtonModule,
  type BlueButtonModuleExtras,
  type BlueButtonModuleOptions,
} from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { emulatorOptions } from '../../support/bluebutton.js';
import { ClaimsController } from './claims.controller.js';

/** The session secret of the test app (known, so tests can forge expired-but-signed cookies). */
export const SESSION_SECRET = 'e2e-test-session-secret-0123456789abcdef';

/** The HTTP platforms every e2e suite runs on. */
export const ADAPTERS = ['express', 'fastify'] as const;
/** One of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number];

/** What the app is made of besides the module, and the shape of the app around it. */
export interface TestAppShape {
  /** Express (default) or Fastify. */
  adapter?: AdapterName;
  controllers?: Type[];
  /** Other modules of the app (RouterModule, ThrottlerModule…). */
  imports?: Array<Type | DynamicModule>;
  /** Providers of the app module (APP_GUARD…). */
  providers?: Provider[];
  /** Registers BlueButtonExceptionFilter globally (default true). */
  globalFilter?: boolean;
  /** Trust X-Forwarded-* from a proxy on loopback. */
  trustProxy?: boolean;
  /** Runs before `app.init()`: `setGlobalPrefix()`, `enableVersioning()`… */
  setup?: (app: INestApplication) => void;
  /** Registers the module with `forRootAsync()` (options from an async factory) instead of `forRoot()`. */
  async?: boolean;
}

/** Builds the e2e test app: BlueButtonModule with the built-in routes, against `emu`. */
export async function createTestApp(
  emu: BlueButtonEmulator,
  overrides: BlueButtonModuleOptions & BlueButtonModuleExtras = {},
  customize: (
    builder: ReturnType<typeof Test.createTestingModule>,
  ) => ReturnType<typeof Test.createTestingModule> = b => b,
  shape: TestAppShape = {},
): Promise<INestApplication> {
  const { adapter = 'express', controllers = [ClaimsController], globalFilter = true } = shape;
  const { extraProviders, ...options } = overrides;
  const settings = emulatorOptions(emu, {
    routes: { successRedirect: '/home', failureRedirect: '/oops', logoutRedirect: '/bye' },
    session: { secret: SESSION_SECRET },
    ...options,
  });
  const bluebutton = shape.async
    ? BlueButtonModule.forRootAsync({
        useFactory: async () => settings,
        extraProviders,
      })
    : BlueButtonModule.forRoot({ ...settings, extraProviders });
  @Module({
    imports: [bluebutton, ...(shape.imports ?? [])],
    controllers,
    providers: shape.providers ?? [],
  })
  class TestAppModule {}

  const moduleRef = await customize(
    Test.createTestingModule({ imports: [TestAppModule] }),
  ).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(
          new FastifyAdapter(shape.trustProxy ? { trustProxy: 'loopback' } : {}),
          { logger: false },
        )
      : moduleRef.createNestApplication({ logger: false });
  if (adapter === 'express' && shape.trustProxy)
    app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
  if (globalFilter) app.useGlobalFilters(new BlueButtonExceptionFilter(app.get(HttpAdapterHost)));
  shape.setup?.(app);
  await app.init();
  if (adapter === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}
