import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The packaging contract: the tarball `npm pack` produces installs into a fresh Nest app and loads
 * from ESM `import`, from CommonJS `require` and from TypeScript — proving `exports`, `types`,
 * `files` and the dependency lists are right.
 */
const repo = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
let app: string;
/** The paths in the tarball, as `npm pack --json` listed them when it wrote it. */
let packed: string[];

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'bb-pack-'));
  // The listing comes with the tarball itself: no second `npm pack --dry-run` to read it.
  const [{ filename: tarball, files }] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', app], repo),
  ) as [{ filename: string; files: { path: string }[] }];
  packed = files.map(f => f.path);
  const peers = Object.keys(pkg.peerDependencies).map(
    name => `${name}@${pkg.devDependencies[name]}`,
  );
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--silent',
      join(app, tarball),
      ...peers,
      'reflect-metadata@0.2.2',
      `@types/node@${pkg.devDependencies['@types/node']}`,
      // The app's own OpenTelemetry SDK, for the test that reads the spans of the packed build.
      `@opentelemetry/sdk-trace-base@${pkg.devDependencies['@opentelemetry/sdk-trace-base']}`,
    ],
    app,
  );
}, 180_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

const BOOT = (load: string) => `
${load}
const { Module } = common;
const { NestFactory } = core;
class AppModule {}
Module({
  imports: [bb.BlueButtonModule.forRoot({ clientId: 'id', clientSecret: 'secret', callbackUrl: 'http://localhost/cb' })],
})(AppModule);
const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
console.log(JSON.stringify({ base: ctx.get(bb.BlueButtonConfig).apiBaseUrl }));
await ctx.close();
`;

it('ships only dist/ plus the manifest files', () => {
  expect(packed.filter(p => !p.startsWith('dist/')).sort()).toEqual([
    'LICENSE',
    'README.md',
    'package.json',
  ]);
  expect(packed).toContain('dist/index.d.ts');
});

it('boots BlueButtonModule.forRoot() from an ESM import', () => {
  writeFileSync(
    join(app, 'esm.mjs'),
    BOOT(`import 'reflect-metadata';
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import * as bb from 'nestjs-bluebutton';`),
  );
  expect(JSON.parse(run('node', ['esm.mjs'], app))).toEqual({
    base: 'https://sandbox.bluebutton.cms.gov/v2',
  });
});

it('boots BlueButtonModule.forRoot() from a CommonJS require', () => {
  writeFileSync(
    join(app, 'cjs.cjs'),
    `(async () => {${BOOT(`require('reflect-metadata');
const common = require('@nestjs/common');
const core = require('@nestjs/core');
const bb = require('nestjs-bluebutton');`)}})();`,
  );
  expect(JSON.parse(run('node', ['--no-warnings', 'cjs.cjs'], app)).base).toBe(
    'https://sandbox.bluebutton.cms.gov/v2',
  );
});

it('resolves the types of every entry point from TypeScript', () => {
  expectConsumerTypeChecks(
    app,
    `import { BlueButtonModule, BlueButtonConfigError, type BlueButtonModuleOptions, type SyncedResource } from 'nestjs-bluebutton';
import { BlueButtonSyncModule, ClaimsSink } from 'nestjs-bluebutton/sync';
const options: BlueButtonModuleOptions = { clientId: 'x', clientSecret: 'y', callbackUrl: 'http://a/b', version: 2 };
export const mod = BlueButtonModule.forRoot(options);
export const err: string = new BlueButtonConfigError([]).code;
// @ts-expect-error version must be 1, 2 or 3
export const bad: BlueButtonModuleOptions = { version: 'banana' };
class Sink extends ClaimsSink {
  async upsert(_key: string, _resources: SyncedResource[]): Promise<void> {}
}
export const sync = BlueButtonSyncModule.forRoot({
  connection: { url: 'redis://localhost:6379' },
  extraProviders: [{ provide: ClaimsSink, useClass: Sink }],
});
`,
  );
});

it('loads nestjs-bluebutton/sync when bullmq and @nestjs/bullmq are installed', () => {
  writeFileSync(
    join(app, 'sync.mjs'),
    `import 'reflect-metadata';
const { BlueButtonSyncModule, BLUEBUTTON_SYNC_QUEUE } = await import('nestjs-bluebutton/sync');
const mod = BlueButtonSyncModule.forRoot({ connection: { url: 'redis://127.0.0.1:1' }, worker: false });
console.log(JSON.stringify({ module: mod.module.name, queue: BLUEBUTTON_SYNC_QUEUE }));
`,
  );
  expect(JSON.parse(run('node', ['sync.mjs'], app))).toEqual({
    module: 'BlueButtonSyncModule',
    queue: 'bluebutton-sync',
  });
});

/** Type-checks `source` as a strict NodeNext app in `dir`, with the repo's own compiler. */
function expectConsumerTypeChecks(dir: string, source: string): void {
  writeFileSync(join(dir, 'consumer.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['consumer.ts'],
    }),
  );
  expect(() =>
    run(join(repo, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], dir),
  ).not.toThrow();
}

it('works without the optional peers (ioredis, @opentelemetry/api, bullmq, @nestjs/bullmq): entries load, calls work, the types check', () => {
  // The same install with the optional peers moved out of node_modules for this test (no second
  // npm install).
  const optional = ['ioredis', '@opentelemetry/api', 'bullmq', '@nestjs/bullmq'].map(name => ({
    installed: join(app, 'node_modules', name),
    aside: join(app, `${name.replace('/', '+')}.aside`),
  }));
  for (const { installed, aside } of optional) renameSync(installed, aside);
  const bare = join(app, 'no-optional-peers');
  mkdirSync(bare);
  try {
    writeFileSync(
      join(bare, 'no-optional-peers.mjs'),
      `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
const out = {};
for (const name of ['ioredis', '@opentelemetry/api']) {
  try {
    await import(name);
    out[name] = 'installed';
  } catch (e) {
    out[name] = e.code;
  }
}
const bb = await import('nestjs-bluebutton');
const { BlueButtonEmulator } = await import('nestjs-bluebutton/testing');
const emu = await BlueButtonEmulator.start({ redirectUris: ['http://localhost/cb'] });
class AppModule {}
Module({
  imports: [bb.BlueButtonModule.forRoot({ baseUrl: emu.baseUrl, clientId: emu.client.clientId, clientSecret: emu.client.clientSecret, callbackUrl: 'http://localhost/cb' })],
})(AppModule);
const ctx = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
const auth = ctx.get(bb.AuthService);
const { url } = await firstValueFrom(auth.startAuthorization());
const page = await fetch(url);
out.authorize = [new URL(url).origin === new URL(emu.baseUrl).origin, page.status];
// Consent as the emulator's test user, then the code exchange and FHIR calls (one refreshing).
const consent = new URL(url);
consent.searchParams.set('emulator_user', 'BBUser00000');
consent.searchParams.set('emulator_decision', 'allow');
const callback = new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location'));
const { token } = await firstValueFrom(auth.completeAuthorization(Object.fromEntries(callback.searchParams)));
const fhir = ctx.get(bb.FhirService);
const patient = await firstValueFrom(fhir.getPatientData(token));
const expired = bb.AuthorizationToken.fromJSON({ ...token.toJSON(), expiresAt: new Date(0).toISOString() });
const eobs = await firstValueFrom(fhir.getExplanationOfBenefitData(expired));
out.calls = [patient.status, eobs.status, eobs.token.accessToken !== token.accessToken];
await ctx.close();
await emu.close();
try {
  out.redis = typeof (await import('nestjs-bluebutton/redis')).RedisBlueButtonStore;
} catch (e) {
  out.redis = e.message;
}
try {
  await import('nestjs-bluebutton/sync');
  out.sync = 'loaded';
} catch (e) {
  // Only the entry that needs them fails, and says which package is missing.
  out.sync = [e.code, e.message.includes('bullmq')];
}
console.log(JSON.stringify(out));
`,
    );
    // Nothing on stderr either: no warning about the missing API.
    const child = spawnSync('node', ['no-optional-peers.mjs'], { cwd: bare, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      ioredis: 'ERR_MODULE_NOT_FOUND',
      '@opentelemetry/api': 'ERR_MODULE_NOT_FOUND',
      authorize: [true, 200],
      calls: [200, 200, true],
      // ioredis is imported for types only (lib/redis/redis.store.ts), so the entry itself loads.
      redis: 'function',
      sync: ['ERR_MODULE_NOT_FOUND', true],
    });

    // A TypeScript app without any of them type-checks against the main and /testing entries.
    expectConsumerTypeChecks(
      bare,
      `import { BlueButtonModule, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
const options: BlueButtonModuleOptions = { clientId: 'x', clientSecret: 'y', callbackUrl: 'http://a/b' };
export const mod = BlueButtonModule.forRoot(options);
export const start: typeof BlueButtonEmulator.start = BlueButtonEmulator.start;
`,
    );
  } finally {
    for (const { installed, aside } of optional) renameSync(aside, installed);
  }
});

it("reports each call of the packed build to the app's OpenTelemetry SDK", () => {
  writeFileSync(
    join(app, 'otel.mjs'),
    `import 'reflect-metadata';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const bb = await import('nestjs-bluebutton');
const { BlueButtonEmulator } = await import('nestjs-bluebutton/testing');
const emu = await BlueButtonEmulator.start({ redirectUris: ['http://localhost/cb'] });
class AppModule {}
Module({
  imports: [bb.BlueButtonModule.forRoot({ baseUrl: emu.baseUrl, clientId: emu.client.clientId, clientSecret: emu.client.clientSecret, callbackUrl: 'http://localhost/cb' })],
})(AppModule);
const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
await firstValueFrom(ctx.get(bb.FhirService).getCapabilityStatement());
await ctx.close();
await emu.close();
console.log(JSON.stringify(spans.getFinishedSpans().map(s => [s.name, s.instrumentationScope.name])));
`,
  );
  expect(JSON.parse(run('node', ['otel.mjs'], app))).toEqual([
    ['GET /v2/fhir/metadata', 'nestjs-bluebutton'],
  ]);
});
