import { Module } from '@nestjs/common';
import { ConfigModule, registerAs, type ConfigType } from '@nestjs/config';
import { BlueButtonModule } from 'nestjs-bluebutton';

const bluebutton = registerAs('bluebutton', () => ({
  clientId: process.env.BB_CLIENT_ID,
  clientSecret: process.env.BB_CLIENT_SECRET,
  callbackUrl: process.env.BB_CALLBACK_URL,
  // Env vars are strings: "2" or "3" are accepted, and anything else fails the boot with a clear error.
  version: process.env.BB_VERSION as '2' | '3' | undefined,
  // v3 needs the scopes to ask for, e.g. BB_SCOPES="patient/Coverage.rs patient/Patient.rs profile".
  scopes: process.env.BB_SCOPES?.split(' ').filter(Boolean),
}));

@Module({
  imports: [
    BlueButtonModule.forRootAsync({
      imports: [ConfigModule.forFeature(bluebutton)],
      inject: [bluebutton.KEY],
      useFactory: (config: ConfigType<typeof bluebutton>) => config,
      isGlobal: true,
    }),
  ],
})
export class AppModule {}
