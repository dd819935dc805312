import { Module } from '@nestjs/common';
import { BlueButtonModule } from 'nestjs-bluebutton';
import { ClaimsController } from './claims.controller.js';

@Module({
  imports: [
    BlueButtonModule.forRoot({
      environment: 'SANDBOX', // the default; PRODUCTION once Blue Button approves your app
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      // The redirect URI registered for your app: the module serves the callback at its path.
      callbackUrl: 'http://localhost:3000/bluebutton/callback',
      // GET /bluebutton/login, the callback and POST /bluebutton/logout, with a signed cookie session.
      routes: true,
      session: { secret: process.env.BB_SESSION_SECRET }, // ≥ 32 characters, the same on every instance
    }),
  ],
  controllers: [ClaimsController],
})
export class AppModule {}
