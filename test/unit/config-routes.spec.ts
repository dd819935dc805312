import { Controller, RequestMethod, VERSION_NEUTRAL } from '@nestjs/common';
import { BlueButtonConfigError, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';

/** The route and middleware options: `routes.version` and `middleware`. */

const VALID = {
  clientId: 'client-id-abc',
  clientSecret: 'S3cr3t-client-secret-value-0123456789',
  callbackUrl: 'http://localhost:3000/bluebutton/callback',
};

@Controller('claims')
class ClaimsController {}

function issues(options: Record<string, unknown>) {
  try {
    resolveBlueButtonConfig({ ...VALID, ...options } as BlueButtonModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    return (error as BlueButtonConfigError).issues;
  }
  throw new Error('no BlueButtonConfigError');
}

it('runs the context middleware on every route by default, and nowhere with middleware: false', () => {
  expect(resolveBlueButtonConfig(VALID).middleware).toEqual({
    forRoutes: ['{*path}'],
    exclude: [],
  });
  expect(resolveBlueButtonConfig({ ...VALID, middleware: true }).middleware).toEqual({
    forRoutes: ['{*path}'],
    exclude: [],
  });
  expect(resolveBlueButtonConfig({ ...VALID, middleware: false }).middleware).toBe(false);
});

it('keeps the routes of middleware as given: paths, controller classes and { path, method }', () => {
  const route = { path: 'health', method: RequestMethod.GET };
  const config = resolveBlueButtonConfig({
    ...VALID,
    middleware: { forRoutes: ['api/{*path}', ClaimsController], exclude: [route] },
  });
  expect(config.middleware).toEqual({
    forRoutes: ['api/{*path}', ClaimsController],
    exclude: [route],
  });
  expect(
    resolveBlueButtonConfig({ ...VALID, middleware: { for_routes: ['api'] } } as never).middleware,
  ).toEqual({ forRoutes: ['api'], exclude: [] });
});

it('names each bad middleware value as the user spelled it', () => {
  expect(issues({ middleware: 'yes' })).toEqual([
    { key: 'middleware', reason: 'must be true, false or { forRoutes, exclude }' },
  ]);
  expect(issues({ middleware: { for_routes: [], exclude: [42], only: ['x'] } })).toEqual([
    { key: 'middleware.only', reason: 'is not a Blue Button setting' },
    {
      key: 'middleware.for_routes',
      reason: 'must not be empty (set middleware: false to turn it off)',
    },
    { key: 'middleware.exclude', reason: 'must contain paths or { path, method } routes' },
  ]);
});

/** The routes.version a configuration ends up with. */
const routesVersion = (v: unknown) =>
  resolveBlueButtonConfig({ ...VALID, routes: { version: v } } as BlueButtonModuleOptions).routes
    ?.version;

it('takes routes.version as @Version() does, and refuses anything else', () => {
  expect([routesVersion('1'), routesVersion(['1', '2']), routesVersion(VERSION_NEUTRAL)]).toEqual([
    '1',
    ['1', '2'],
    VERSION_NEUTRAL,
  ]);
  expect(issues({ routes: { version: 1 } })).toEqual([
    {
      key: 'routes.version',
      reason: "must be a version such as '1', VERSION_NEUTRAL, or a list of them",
    },
  ]);
});
