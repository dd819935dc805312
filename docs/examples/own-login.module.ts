import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { BlueButtonModule } from 'nestjs-bluebutton';
import { ClaimsController } from './claims.controller.js';
import { LoginController } from './login.controller.js';

@Module({
  imports: [
    BlueButtonModule.forRoot({
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      callbackUrl: 'http://localhost:3000/auth/callback',
      session: { secret: process.env.BB_SESSION_SECRET },
    }),
    ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }]),
  ],
  controllers: [LoginController, ClaimsController],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class OwnLoginModule {}
