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
import { BlueButtonSessions } from './nest/bluebutton-sessions.service.js';
import { BlueButtonMiddleware } from './nest/bluebutton.middleware.js';
import { BlueButtonHttp } from './http/bluebutton-http.service.js';
import { BlueButtonStore } from './store/bluebutton.store.js';
import { MemoryBlueButtonStore } from './store/memory.store.js';

const configProvider: Provider = {
  provide: BlueButtonConfig,
  // Runs for forRoot and forRootAsync alike, so bad configuration always stops the boot here.
  useFactory: (options: BlueButtonModuleOptions) => resolveBlueButtonConfig(options),
  inject: [BLUEBUTTON_MODULE_OPTIONS],
};

const PROVIDERS: Provider[] = [
  configProvider,
  { provide: BlueButtonStore, useClass: MemoryBlueButtonStore },
  BlueButtonHttp,
  StoredTokens,
  TokenRefresher,
  AuthService,
  FhirService,
  BlueButtonSessions,
];

/**
 * The Blue Button module: register it once with `forRoot()` or `forRootAsync()`, then inject
 * `AuthService`, `FhirService` and `BlueButtonConfig`.
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
  ],
})
export class BlueButtonModule extends ConfigurableModuleClass implements NestModule {
  /**
   * Registers the module with an options object, a `.json`/`.yaml`/`.yml` path, or nothing (then
   * `.bluebutton-config.json`, else `.bluebutton-config.yaml`, is read from the working directory).
   */
  static override forRoot(
    options?: (BlueButtonModuleOptions & BlueButtonModuleExtras) | string,
  ): DynamicModule {
    const input = typeof options === 'string' ? { configFile: options } : (options ?? {});
    return withHttp(super.forRoot(input));
  }

  /** Registers the module with options produced by a factory, class or existing provider. */
  static override forRootAsync(options: BlueButtonModuleAsyncOptions): DynamicModule {
    return withHttp(super.forRootAsync(options));
  }

  /** Attaches the per-request Blue Button context (and the optional built-in routes) to every route. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(BlueButtonMiddleware).forRoutes('{*path}');
  }
}

/** Gives each registration its own axios instance, so no two module instances share request state. */
function withHttp(definition: DynamicModule): DynamicModule {
  return { ...definition, imports: [...(definition.imports ?? []), HttpModule.register({})] };
}
