import { Controller, Get, Inject, Injectable, Module, Post, Req } from '@nestjs/common';
import { BlueButtonModule, type SyncedResource } from 'nestjs-bluebutton';
import {
  BlueButtonSyncModule,
  BlueButtonSyncService,
  ClaimsSink,
  type ParkedInfo,
  type UpsertContext,
} from 'nestjs-bluebutton/sync';

/** Your database client: anything with parameterized queries (node-postgres' `Pool` has this shape). */
export interface Database {
  query(sql: string, params: unknown[]): Promise<unknown>;
}
export const DATABASE = Symbol('DATABASE');

/** Stores synced claims in the app's own tables. */
@Injectable()
export class DbClaimsSink extends ClaimsSink {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  /** Insert or update by (user, type, id), never over a newer version: a replayed batch is harmless. */
  async upsert(userId: string, resources: SyncedResource[], { resourceType }: UpsertContext) {
    for (const resource of resources) {
      await this.db.query(
        `INSERT INTO medicare_resources (user_id, resource_type, id, last_updated, body)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, resource_type, id) DO UPDATE
           SET last_updated = EXCLUDED.last_updated, body = EXCLUDED.body
           WHERE medicare_resources.last_updated <= EXCLUDED.last_updated`,
        [userId, resourceType, resource.id, resource.meta?.lastUpdated, JSON.stringify(resource)],
      );
    }
  }

  /** The grant ended (or the token is gone): ask the user to connect Medicare again. */
  override async onParked(userId: string, { reason }: ParkedInfo) {
    await this.db.query('UPDATE users SET medicare_reconnect = $2 WHERE id = $1', [userId, reason]);
  }
}

@Controller('medicare')
export class MedicareController {
  constructor(private readonly sync: BlueButtonSyncService) {}

  /** After the user connected Medicare: keep their claims current from now on, starting now. */
  @Post('connected')
  async connected(@Req() req: { user: { id: string } }) {
    await this.sync.enroll(req.user.id);
    return this.sync.syncNow(req.user.id);
  }

  /** For a dashboard: enrolled, parked, never synced, age of the oldest watermark, queue counts. */
  @Get('sync-stats')
  stats() {
    return this.sync.stats();
  }
}

@Module({
  imports: [
    BlueButtonModule.forRoot({
      clientId: process.env.BB_CLIENT_ID,
      clientSecret: process.env.BB_CLIENT_SECRET,
      callbackUrl: 'https://app.example.org/bluebutton/callback',
      routes: true,
      // Tokens are stored under the app's user id, where the sync reads (and refreshes) them. With
      // several instances, use RedisBlueButtonStore (see "Many app instances").
      tokenKey: req => req.user?.id,
      isGlobal: true,
    }),
    BlueButtonSyncModule.forRoot({
      connection: { url: process.env.REDIS_URL },
      schedule: { pattern: '0 4 * * *', tz: 'UTC' }, // every day at 04:00 UTC
      concurrency: 8, // passes at once in this instance
      limiter: { max: 20, duration: 1000 }, // passes started per second, all instances together
      extraProviders: [
        { provide: DATABASE, useFactory: () => connectToYourDatabase() },
        { provide: ClaimsSink, useClass: DbClaimsSink },
      ],
    }),
  ],
  controllers: [MedicareController],
})
export class AppModule {}

/** Stands in for your database driver's connection (e.g. `new Pool()` from `pg`). */
function connectToYourDatabase(): Database {
  throw new Error('connect to your database here');
}
