import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

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
    include: ['test/**/*.spec.ts', 'docs/examples/**/*.spec.ts'],
    globals: true,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
