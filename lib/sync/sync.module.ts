import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ClaimsSink } from './claims-sink.js';
import { BLUEBUTTON_SYNC_QUEUE } from './sync.constants.js';
import {
  BLUEBUTTON_SYNC_OPTIONS,
  SyncOptionsModuleBase,
  type BlueButtonSyncModuleAsyncOptions,
  type BlueButtonSyncModuleExtras,
} from './sync.module-definition.js';
import { resolveSyncOptions, SyncConfig, type BlueButtonSyncOptions } from './sync.options.js';
import { createSyncProcessor, SyncProcessor } from './sync.processor.js';
import { SyncRunner } from './sync-runner.js';
import { BlueButtonSyncService } from './sync.service.js';
import { SyncEnqueuer } from './sync-enqueuer.js';
import { SyncState } from './sync-state.js';

/** Holds the (possibly async) options and their validated form, for the queue and the module. */
@Module({})
class BlueButtonSyncOptionsModule extends SyncOptionsModuleBase {}

const PROVIDERS: Provider[] = [
  {
    provide: SyncState,
    useFactory: (queue: Queue, config: SyncConfig) => new SyncState(queue, config.prefix),
    inject: [getQueueToken(BLUEBUTTON_SYNC_QUEUE), SyncConfig],
  },
  SyncEnqueuer,
  SyncRunner,
  {
    provide: SyncProcessor,
    useFactory: createSyncProcessor,
    inject: [SyncConfig, SyncRunner, SyncEnqueuer, { token: ClaimsSink, optional: true }],
  },
  BlueButtonSyncService,
];

/**
 * Keeps enrolled beneficiaries' claims current with BullMQ on the app's Redis (`bullmq` and
 * `@nestjs/bullmq` are optional peers, needed only by apps that import `nestjs-bluebutton/sync`).
 * Needs `BlueButtonModule` registered with `isGlobal: true` (its `FhirService`, `AuthService` and
 * token store), and a `ClaimsSink` among `extraProviders`.
 */
@Module({})
export class BlueButtonSyncModule {
  /** Registers the module with an options object. */
  static forRoot(options: BlueButtonSyncOptions & BlueButtonSyncModuleExtras): DynamicModule {
    const { isGlobal, extraProviders, imports, ...rest } = options;
    return assemble(BlueButtonSyncOptionsModule.forRoot(rest), {
      isGlobal,
      extraProviders,
      imports,
    });
  }

  /** Registers the module with options produced by a factory, class or existing provider. */
  static forRootAsync(options: BlueButtonSyncModuleAsyncOptions): DynamicModule {
    const { isGlobal, extraProviders, ...rest } = options;
    return assemble(BlueButtonSyncOptionsModule.forRootAsync(rest), {
      isGlobal,
      extraProviders,
      imports: rest.imports,
    });
  }
}

/** The module around an options module: the queue on the options' Redis, the worker, the service. */
function assemble(options: DynamicModule, extras: BlueButtonSyncModuleExtras): DynamicModule {
  const config: DynamicModule = {
    ...options,
    providers: [
      ...(options.providers ?? []),
      {
        provide: SyncConfig,
        // Runs for forRoot and forRootAsync alike, so bad options always stop the boot here.
        useFactory: (raw: BlueButtonSyncOptions) => resolveSyncOptions(raw),
        inject: [BLUEBUTTON_SYNC_OPTIONS],
      },
    ],
    exports: [SyncConfig],
  };
  const queue = BullModule.registerQueueAsync({
    name: BLUEBUTTON_SYNC_QUEUE,
    imports: [config],
    inject: [SyncConfig],
    useFactory: (c: SyncConfig) => ({ connection: c.connection, prefix: c.prefix }),
  });
  return {
    module: BlueButtonSyncModule,
    global: extras.isGlobal ?? false,
    imports: [config, queue, ...(extras.imports ?? [])],
    providers: [...PROVIDERS, ...(extras.extraProviders ?? [])],
    exports: [BlueButtonSyncService, queue],
  };
}
