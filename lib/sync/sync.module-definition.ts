import { ConfigurableModuleBuilder, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { BlueButtonSyncOptions } from './sync.options.js';

/** The builder-generated options module base, options token and option types of the sync module. */
export const {
  ConfigurableModuleClass: SyncOptionsModuleBase,
  MODULE_OPTIONS_TOKEN,
  ASYNC_OPTIONS_TYPE: SYNC_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<BlueButtonSyncOptions>({ moduleName: 'BlueButtonSync' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createBlueButtonSyncOptions')
  .build();

/** DI token of the options given to `BlueButtonSyncModule.forRoot()` / produced by `forRootAsync()`. */
export const BLUEBUTTON_SYNC_OPTIONS = MODULE_OPTIONS_TOKEN;

/** What `BlueButtonSyncModule` takes besides its options. */
export interface BlueButtonSyncModuleExtras {
  /** Make `BlueButtonSyncService` injectable everywhere (default false). */
  isGlobal?: boolean;
  /** Providers added to the module: the app's `ClaimsSink` goes here. */
  extraProviders?: Provider[];
  /** Modules the sink (or the async options factory) needs. */
  imports?: ModuleMetadata['imports'];
}

/** `BlueButtonSyncModule.forRootAsync()` options: `useFactory` / `useClass` / `useExisting`, `inject`, `imports`. */
export type BlueButtonSyncModuleAsyncOptions = typeof SYNC_ASYNC_OPTIONS_TYPE &
  Omit<BlueButtonSyncModuleExtras, 'imports'>;
