import { HttpModule } from '@nestjs/axios';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
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

const configProvider: Provider = {
  provide: BlueButtonConfig,
  // Runs for forRoot and forRootAsync alike, so bad configuration always stops the boot here.
  useFactory: (options: BlueButtonModuleOptions) => resolveBlueButtonConfig(options),
  inject: [BLUEBUTTON_MODULE_OPTIONS],
};

const PROVIDERS: Provider[] = [configProvider];

/**
 * The Blue Button module: register it once with `forRoot()` or `forRootAsync()`, then inject
 * `AuthService`, `FhirService` and `BlueButtonConfig`.
 */
@Module({ providers: PROVIDERS, exports: [BlueButtonConfig] })
export class BlueButtonModule extends ConfigurableModuleClass {
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
}

/** Gives each registration its own axios instance, so no two module instances share request state. */
function withHttp(definition: DynamicModule): DynamicModule {
  return { ...definition, imports: [...(definition.imports ?? []), HttpModule.register({})] };
}
