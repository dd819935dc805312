import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * The docs specs run in the "shared" project (vitest.config.mts): one process and module cache
 * for many files. An example that reads process.env when first imported keeps the environment of
 * the first spec that imported it, so each such example may be loaded (directly or through other
 * examples) by one spec file only.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'docs/examples');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts'))
    .map(f => join(dir, f));
}

/** The docs/examples modules that `file` imports, by absolute `.ts` path. */
function exampleImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)\.js'/g)];
  return specifiers
    .map(([, spec]) => resolve(file, '..', `${spec}.ts`))
    .filter(path => path.startsWith(`${EXAMPLES}/`) && existsSync(path));
}

/** `file` and every example it loads, transitively. */
function loaded(file: string, seen = new Set<string>()): Set<string> {
  for (const next of exampleImports(file)) {
    if (seen.has(next)) continue;
    seen.add(next);
    loaded(next, seen);
  }
  return seen;
}

it('each example that reads process.env at import is loaded by one spec file only', () => {
  const specs = [...files(join(ROOT, 'test')), ...files(EXAMPLES)].filter(f =>
    f.endsWith('.spec.ts'),
  );
  const readsEnv = files(EXAMPLES).filter(
    f => !f.endsWith('.spec.ts') && readFileSync(f, 'utf8').includes('process.env'),
  );
  expect(readsEnv.length).toBeGreaterThan(0);
  const loadedBy = new Map(specs.map(spec => [spec, loaded(spec)]));
  const shared = readsEnv
    .map(example => ({
      example: relative(ROOT, example),
      specs: specs.filter(spec => loadedBy.get(spec)!.has(example)).map(s => relative(ROOT, s)),
    }))
    .filter(({ specs: by }) => by.length > 1);
  expect(shared).toEqual([]);
});
