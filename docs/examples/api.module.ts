import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { BlueButtonModule } from 'nestjs-bluebutton';
import { ClaimsController } from './claims.controller.js';

@Module({
  imports: [
    BlueButtonModule.forRoot({
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      // The built-in routes get the app's global prefix and version, like every route:
      // /api/v1/bluebutton/login and, so this URL must say so, /api/v1/bluebutton/callback.
      callbackUrl: 'http://localhost:3000/api/v1/bluebutton/callback',
      // Redirects are URLs the browser goes to: write them in full.
      routes: { successRedirect: '/api/v1/claims' },
      session: { secret: process.env.BB_SESSION_SECRET },
    }),
    // A global guard guards the built-in routes too: 20 requests a minute per client, login included.
    ThrottlerModule.forRoot([{ ttl: 60_000, limit: 20 }]),
  ],
  controllers: [ClaimsController],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class ApiModule {}
