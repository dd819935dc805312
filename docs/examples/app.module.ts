import { Module } from '@nestjs/common';
import { BlueButtonModule } from 'nestjs-bluebutton';
import { BlueButtonController } from './bluebutton.controller.js';

@Module({
  imports: [
    BlueButtonModule.forRoot({
      environment: 'SANDBOX',
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      callbackUrl: 'http://localhost:3000/api/bluebutton/callback/',
    }),
  ],
  controllers: [BlueButtonController],
})
export class AppModule {}
