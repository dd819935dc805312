import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { BlueButtonExceptionFilter, BlueButtonModule } from 'nestjs-bluebutton';
import { V3Controller } from './v3.controller.js';

@Module({
  imports: [
    BlueButtonModule.forRoot({
      environment: 'SANDBOX',
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      callbackUrl: 'http://localhost:3000/bluebutton/callback',
      // version 2 (the default) for the built-in login; v3 logins choose it per call.
      routes: { successRedirect: '/card' },
    }),
  ],
  controllers: [V3Controller],
  // A v2 user opening /card gets 403 "This needs a Medicare connection made through … API v3".
  providers: [{ provide: APP_FILTER, useClass: BlueButtonExceptionFilter }],
})
export class AppModule {}
