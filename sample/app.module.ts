import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { BlueButtonModule, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { PagesController } from './pages.controller.js';
import { SAMPLE_ROUTES } from './sample.constants.js';
import { SampleExceptionFilter } from './sample-exception.filter.js';
import { SecurityHeadersMiddleware } from './security-headers.middleware.js';
import { V3LoginController } from './v3-login.controller.js';

/**
 * The sample application. `register()` takes the Blue Button settings — the embedded emulator's,
 * a `.bluebutton-config.json`, or a test's own emulator — and adds the sample's built-in routes.
 */
@Module({})
export class AppModule implements NestModule {
  /** The app wired to the given Blue Button (`routes` defaults to {@link SAMPLE_ROUTES}). */
  static register(bluebutton: BlueButtonModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [BlueButtonModule.forRoot({ routes: SAMPLE_ROUTES, ...bluebutton })],
      controllers: [PagesController, V3LoginController],
      providers: [{ provide: APP_FILTER, useClass: SampleExceptionFilter }],
    };
  }

  /** Security headers on every answer, the built-in Blue Button routes included. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SecurityHeadersMiddleware).forRoutes('{*path}');
  }
}
