import { Module } from '@nestjs/common';
import { BlueButtonModule } from 'nestjs-bluebutton';

/** The sample application: the way a customer wires Blue Button into a Nest app. */
@Module({
  imports: [
    BlueButtonModule.forRoot({
      environment: 'LOCAL',
      clientId: process.env.BB_CLIENT_ID ?? 'sample-client-id',
      clientSecret: process.env.BB_CLIENT_SECRET ?? 'sample-client-secret',
      callbackUrl: 'http://localhost:3000/callback',
    }),
  ],
})
export class AppModule {}
