import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const SPECS = ['test/**/*.spec.ts', 'docs/examples/**/*.spec.ts'];
/** Files that need a fresh process and module cache of their own. */
const ISOLATED = [
  // vi.mock() and vi.resetModules() replace modules; in a shared module cache that would leak
  // (a re-imported test/support/redis-server.ts without redis-server skips every later Redis suite).
  'test/telemetry/absent.spec.ts',
  'test/unit/config-unreadable.spec.ts',
  'test/redis/redis-server.spec.ts',
  // Importing the example sets OpenTelemetry's process-wide providers, which later files would see.
  'test/docs/telemetry-example.spec.ts',
];
// The other docs specs share a process: each example that reads process.env when first imported
// is imported by one spec only, after that spec's vi.stubEnv(), so no spec gets another's cached
// module (test/structure/isolation.spec.ts checks that).

export default defineConfig({
  // Spec files declare decorated classes and sit outside the build tsconfig, so oxc must be
  // told explicitly to emit legacy decorators with metadata (Nest resolves deps by type).
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // Tests and the sample import the package by name, as a user would; resolve it to source.
    alias: [
      { find: /^nestjs-bluebutton\/testing$/, replacement: src('./lib/testing/index.ts') },
      { find: /^nestjs-bluebutton\/redis$/, replacement: src('./lib/redis/index.ts') },
      { find: /^nestjs-bluebutton\/sync$/, replacement: src('./lib/sync/index.ts') },
      { find: /^nestjs-bluebutton$/, replacement: src('./lib/index.ts') },
    ],
  },
  test: {
    globals: true,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default on 2 cores is one worker; most files wait on sockets and child processes.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: SPECS,
          exclude: ISOLATED,
          // Importing Nest, the package and the emulator once per worker, not once per file,
          // is most of the suite's time saved.
          isolate: false,
          setupFiles: ['test/support/shared-process.ts'],
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
