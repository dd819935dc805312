import { HttpModule } from '@nestjs/axios';
import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import {
  BLUEBUTTON_MODULE_OPTIONS,
  ConfigurableModuleClass,
  type BlueButtonModuleAsyncOptions,
} from './bluebutton.module-definition.js';
import { BlueButtonConfig } from './config/bluebutton-config.js';
import type {
  BlueButtonModuleExtras,
  BlueButtonModuleOptions,
} from './config/bluebutton-options.interface.js';
import { resolveBlueButtonConfig } from './config/config.loader.js';
import { AuthService } from './auth/auth.service.js';
import { StoredTokens } from './auth/stored-tokens.js';
import { TokenRefresher } from './auth/token-refresher.js';
import { FhirService } from './fhir/fhir.service.js';
import { BlueButtonSessions } from './web/sessions/bluebutton-sessions.service.js';
import { LoginBinding } from './web/sessions/login-binding.js';
import { BlueButtonLoginFlow } from './web/sessions/login-flow.service.js';
import { BlueButtonContextMiddleware } from './web/sessions/request-context.middleware.js';
import { BuiltInRoutePaths } from './web/sessions/built-in-route-paths.js';
import {
  BUILT_IN_ROUTES_CONTROLLER,
  BuiltInRoutesMounter,
} from './web/routes/built-in-routes.mounter.js';
import { createRoutesController } from './web/routes/routes.controller.js';
import { BlueButtonClock, SystemClock } from './common/clock.js';
import { BlueButtonHttp } from './http/bluebutton-http.service.js';
import { BlueButtonStore } from './store/bluebutton.store.js';
import { MemoryBlueButtonStore } from './store/memory.store.js';
import { TELEMETRY_PROVIDER } from './telemetry/load-telemetry.js';
import { BlueButtonTelemetry } from './telemetry/telemetry.js';

const configProvider: Provider = {
  provide: BlueButtonConfig,
  // Runs for forRoot and forRootAsync alike, so bad configuration always stops the boot here.
  useFactory: (options: BlueButtonModuleOptions) => resolveBlueButtonConfig(options),
  inject: [BLUEBUTTON_MODULE_OPTIONS],
};

const PROVIDERS: Provider[] = [
  configProvider,
  { provide: BlueButtonClock, useClass: SystemClock },
  { provide: BlueButtonStore, useClass: MemoryBlueButtonStore },
  TELEMETRY_PROVIDER,
  BlueButtonHttp,
  StoredTokens,
  TokenRefresher,
  AuthService,
  FhirService,
  BlueButtonSessions,
  LoginBinding,
  BlueButtonLoginFlow,
  BuiltInRoutePaths,
  BuiltInRoutesMounter,
];

/**
 * The Blue Button module: register it once with `forRoot()` or `forRootAsync()`, then inject
 * `AuthService`, `FhirService` and `BlueButtonConfig`. With the `routes` option it serves the login,
 * callback and logout routes from a controller of its own.
 */
@Module({
  providers: PROVIDERS,
  exports: [
    BlueButtonConfig,
    BlueButtonStore,
    StoredTokens,
    AuthService,
    FhirService,
    BlueButtonSessions,
    BlueButtonLoginFlow,
    BlueButtonTelemetry,
  ],
})
export class BlueButtonModule extends ConfigurableModuleClass implements NestModule {
  /** Created by Nest. */
  constructor(
    private readonly config: BlueButtonConfig,
    private readonly routes: BuiltInRoutesMounter,
  ) {
    super();
  }

  /**
   * Registers the module with an options object, a `.json`/`.yaml`/`.yml` path, or nothing (then
   * `.bluebutton-config.json`, else `.bluebutton-config.yaml`, is read from the working directory).
   */
  static override forRoot(
    options?: (BlueButtonModuleOptions & BlueButtonModuleExtras) | string,
  ): DynamicModule {
    const input = typeof options === 'string' ? { configFile: options } : (options ?? {});
    return withParts(super.forRoot(input));
  }

  /** Registers the module with options produced by a factory, class or existing provider. */
  static override forRootAsync(options: BlueButtonModuleAsyncOptions): DynamicModule {
    return withParts(super.forRootAsync(options));
  }

  /**
   * Mounts the built-in routes (here because the app's global prefix and versioning are known by
   * now, and its routes not yet mapped), then the per-request context middleware on the routes of
   * the `middleware` option.
   */
  configure(consumer: MiddlewareConsumer): void {
    this.routes.mount(BlueButtonModule);
    const scope = this.config.middleware;
    if (!scope) return;
    const middleware = consumer.apply(BlueButtonContextMiddleware);
    (scope.exclude.length ? middleware.exclude(...scope.exclude) : middleware).forRoutes(
      ...scope.forRoutes,
    );
  }
}

/**
 * Gives each registration its own axios instance, so no two module instances share request state,
 * and its own class of the built-in routes' controller, whose paths are set when the app initialises.
 */
function withParts(definition: DynamicModule): DynamicModule {
  const controller = createRoutesController();
  return {
    ...definition,
    imports: [...(definition.imports ?? []), HttpModule.register({})],
    controllers: [...(definition.controllers ?? []), controller],
    providers: [
      ...(definition.providers ?? []),
      { provide: BUILT_IN_ROUTES_CONTROLLER, useValue: controller },
    ],
  };
}
