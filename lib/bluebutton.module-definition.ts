import { ConfigurableModuleBuilder } from '@nestjs/common';
import type {
  BlueButtonModuleExtras,
  BlueButtonModuleOptions,
} from './config/bluebutton-options.interface.js';

/** The builder-generated base class, options token and option types of `BlueButtonModule`. */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<BlueButtonModuleOptions>({ moduleName: 'BlueButton' })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createBlueButtonOptions')
    .setExtras<BlueButtonModuleExtras>(
      { isGlobal: false, extraProviders: [] },
      (definition, extras) => ({
        ...definition,
        global: extras.isGlobal,
        // Added after the defaults so that e.g. a user's BlueButtonStore replaces the memory store.
        providers: [...(definition.providers ?? []), ...(extras.extraProviders ?? [])],
      }),
    )
    .build();

/**
 * Injection token of the raw options given to `forRoot()` / `forRootAsync()`. Most code wants the
 * validated `BlueButtonConfig` instead (inject it by type, or with `@InjectBlueButtonConfig()`).
 */
export const BLUEBUTTON_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;

/** Options of `BlueButtonModule.forRootAsync()`: `imports`, `inject`, `useFactory | useClass | useExisting`, `isGlobal`. */
export type BlueButtonModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/** Implemented by classes given to `forRootAsync({ useClass })`. */
export interface BlueButtonOptionsFactory {
  /** Returns the module options (or a promise of them). */
  createBlueButtonOptions(): BlueButtonModuleOptions | Promise<BlueButtonModuleOptions>;
}
