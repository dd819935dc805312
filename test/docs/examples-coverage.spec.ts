import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// @ts-expect-error a plain .mjs script without type declarations
import { documents, includedFiles } from '../../docs/sync-readme.mjs';

/**
 * Every file under docs/examples/ earns its place: it is shown in the README or a guide, it is
 * type-checked, and it runs — a spec with the suite, or a module a test boots (directly, or
 * imported by an example a test boots). The two entry files that listen on a fixed port are the
 * only ones not run, and the tests run what they set up.
 */
const root = resolve(import.meta.dirname, '../..');
const examplesDir = resolve(root, 'docs/examples');
const examples = readdirSync(examplesDir).sort();
const read = (path: string) => readFileSync(path, 'utf8');

/** Not run, and why (their tests run the module and setup they start). */
const NOT_RUN: Record<string, string> = {
  'main.ts': 'NestFactory.create() + listen(3000) on a fixed port, against the sandbox',
  'fastify.main.ts': 'the same on Fastify; app-shapes-examples.spec.ts runs setUpApi() on Fastify',
};

/** Every .ts file under a folder, recursively (node_modules left out). */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    if (entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? tsFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

it('includes every example in the README or a guide', () => {
  const included = new Set(
    documents().flatMap((doc: string) => includedFiles(read(resolve(root, doc)))),
  );
  const outputs = documents().flatMap((doc: string) =>
    [...read(resolve(root, doc)).matchAll(/^<!-- output: (\S+) -->$/gm)].map(m => m[1]),
  );
  const shown = new Set([...included, ...outputs]);
  expect(examples.filter(name => !shown.has(`docs/examples/${name}`))).toEqual([]);
});

it('type-checks every TypeScript example and runs every example spec', () => {
  const tsconfig = JSON.parse(read(resolve(root, 'tsconfig.spec.json'))) as { include: string[] };
  expect(tsconfig.include).toContain('docs/examples/**/*.ts');
  expect(read(resolve(root, 'vitest.config.mts'))).toContain("'docs/examples/**/*.spec.ts'");
});

it('runs every other example: booted by a test, or imported by an example that is', () => {
  const self = resolve(import.meta.filename);
  const tests = tsFiles(resolve(root, 'test')).filter(path => path !== self);
  // What the tests load: `import('../../docs/examples/x.js')`, `resolve(root, 'docs/examples/y.json')`.
  const loaded = /['`](?:\.\.\/)*docs\/examples\/([\w.-]+?)(\.js|\.json|\.ya?ml)['`]/g;
  const run = new Set<string>();
  for (const path of tests) {
    for (const [, name, ext] of read(path).matchAll(loaded))
      run.add(ext === '.js' ? `${name}.ts` : name + ext);
  }
  for (const spec of examples.filter(name => name.endsWith('.spec.ts'))) run.add(spec);
  // What a run example imports runs too: `from './claims.controller.js'`.
  const queue = [...run];
  while (queue.length) {
    const name = queue.pop()!;
    if (!name.endsWith('.ts')) continue;
    for (const [, dep] of read(join(examplesDir, name)).matchAll(/from '\.\/([\w.-]+)\.js'/g)) {
      if (run.has(`${dep}.ts`)) continue;
      run.add(`${dep}.ts`);
      queue.push(`${dep}.ts`);
    }
  }
  expect(examples.filter(name => !run.has(name))).toEqual(Object.keys(NOT_RUN).sort());
});
