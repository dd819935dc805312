import type { Server } from 'node:http';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { BlueButtonStore, MemoryBlueButtonStore, type StoreSetOptions } from 'nestjs-bluebutton';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import request from 'supertest';
import { startEmulator } from '../support/bluebutton.js';
import { loginThroughRoutes } from './app/browser.js';
import { ADAPTERS, createTestApp } from './app/test-app.js';

/**
 * The app's own global guard on the built-in routes (`ThrottlerGuard` rate-limiting the login
 * route), and the `middleware` option that scopes the per-request context or turns it off.
 */

/** A memory store that lists the keys written to it. */
class RecordingStore extends MemoryBlueButtonStore {
  readonly written: string[] = [];
  override async set<T>(key: string, value: T, options?: StoreSetOptions): Promise<boolean> {
    this.written.push(key);
    return super.set(key, value, options);
  }
}

let emu: BlueButtonEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.clearRequests());

describe.each(ADAPTERS)('on %s', adapter => {
  it('lets a global ThrottlerGuard rate-limit the login route: 429 past the limit, and no store write for those', async () => {
    const app = await createTestApp(
      emu,
      { extraProviders: [{ provide: BlueButtonStore, useClass: RecordingStore }] },
      undefined,
      {
        adapter,
        imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 3 }])],
        providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
      },
    );
    try {
      const server = app.getHttpServer() as Server;
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(await request(server).get('/bluebutton/login'));
      expect(answers.map(a => a.status)).toEqual([302, 302, 302, ...Array(7).fill(429)]);
      expect(Number(answers[3].headers['retry-after'])).toBeGreaterThan(0);
      // One pending authorization per login let through; the refused ones never reached the handler.
      expect((app.get(BlueButtonStore) as RecordingStore).written).toHaveLength(3);
    } finally {
      await app.close();
    }
  });

  it('runs the context middleware only on the routes of middleware.forRoutes', async () => {
    const app = await createTestApp(emu, { middleware: { forRoutes: ['api/whoami'] } }, undefined, {
      adapter,
    });
    try {
      const { agent, done } = await loginThroughRoutes(app, { user: 'BBUser00008' });
      expect(done.headers.location).toBe('/home');
      expect((await agent.get('/api/whoami').expect(200)).body).toEqual({
        patient: emu.patientIdFor('BBUser00008'),
      });
      // Not mounted there: @BlueButtonToken() has no context to read (a 500, and the reason in the log).
      await agent.get('/api/maybe').expect(500);
    } finally {
      await app.close();
    }
  });

  it('serves the built-in routes with the middleware turned off (middleware: false)', async () => {
    const app = await createTestApp(emu, { middleware: false }, undefined, { adapter });
    try {
      const { agent, done } = await loginThroughRoutes(app, { user: 'BBUser00009' });
      expect([done.status, done.headers.location]).toEqual([302, '/home']);
      await agent.get('/api/whoami').expect(500);
      emu.clearRequests();
      const out = await agent.post('/bluebutton/logout').set('Sec-Fetch-Site', 'same-origin');
      expect([out.status, emu.requestsTo('/v2/o/revoke/', 'POST').length]).toEqual([302, 1]);
    } finally {
      await app.close();
    }
  });
});
