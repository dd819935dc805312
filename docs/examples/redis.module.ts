import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BlueButtonModule, BlueButtonStore } from 'nestjs-bluebutton';
import { RedisBlueButtonStore } from 'nestjs-bluebutton/redis';

const REDIS = Symbol('REDIS');

/** Closes the app's Redis connection when the app stops (the store never closes a client it was given). */
@Injectable()
class RedisConnection implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Called by Nest on `app.close()`. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}

@Module({
  imports: [
    BlueButtonModule.forRoot({
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      callbackUrl: 'https://app.example.org/bluebutton/callback',
      routes: true,
      session: { secret: process.env.BB_SESSION_SECRET }, // the same on every instance
      extraProviders: [
        {
          provide: REDIS,
          // Fail fast while Redis is down instead of queueing commands.
          useFactory: () =>
            new Redis(process.env.REDIS_URL!, {
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
            }),
        },
        RedisConnection,
        {
          provide: BlueButtonStore,
          inject: [REDIS],
          useFactory: (redis: Redis) =>
            new RedisBlueButtonStore(redis, {
              prefix: 'myapp:bluebutton:',
              // Required: tokens are bearer credentials to medical claims (AES-256-GCM at rest;
              // `encryption: false` would store them in clear). Same key on every instance.
              encryption: { keys: { k1: process.env.BB_STORE_KEY! }, currentKeyId: 'k1' },
            }),
        },
      ],
    }),
  ],
})
export class AppModule {}
