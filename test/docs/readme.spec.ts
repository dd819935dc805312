import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BlueButtonConfigError } from 'nestjs-bluebutton';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';
// @ts-expect-error a plain .mjs script without type declarations
import { documents, includeCounts, synced } from '../../docs/sync-readme.mjs';

/**
 * Every code example in the README and the guides (docs/*.md) comes from a file under
 * docs/examples/: TypeScript files are type-checked (tsconfig.spec.json) and run with the suite
 * (see examples-coverage.spec.ts); config files and the error output are checked here. So the
 * documentation cannot drift from the code.
 */
const root = resolve(import.meta.dirname, '../..');
const docs: string[] = documents();
const text = (doc: string) => readFileSync(resolve(root, doc), 'utf8');

/** The fenced blocks of a document, each with the include or output marker right before it. */
function blocksOf(doc: string) {
  const pattern = /(?:<!-- (include|output): (\S+) -->\n\n?)?```([a-z]*)\n([\s\S]*?)```/g;
  return [...text(doc).matchAll(pattern)].map(m => ({
    doc,
    kind: m[1],
    file: m[2],
    lang: m[3],
    body: m[4],
  }));
}
const blocks = docs.flatMap(blocksOf);

it('checks the README and every guide', () => {
  expect(docs[0]).toBe('README.md');
  expect(docs).toEqual(expect.arrayContaining(['docs/configuration.md', 'docs/testing.md']));
});

it('keeps the README a quick start: at most about 300 lines, with the two commands', () => {
  const readme = text('README.md');
  expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  expect(readme).toContain('npm install && npm start');
  expect(readme).toContain('npm test');
});

it('includes every code example from a checked file, except shell commands', () => {
  const unchecked = blocks.filter(b => !b.kind && b.lang !== 'sh');
  expect(unchecked.map(b => `${b.doc}: ${b.body.slice(0, 60)}`)).toEqual([]);
  expect(blocks.filter(b => b.kind === 'include').length).toBeGreaterThanOrEqual(25);
});

it.each(docs)('%s has the included files verbatim (run `node docs/sync-readme.mjs`)', doc => {
  const { markers, blocks: paired } = includeCounts(text(doc));
  expect(paired).toBe(markers); // every marker is really followed by the block it governs
  expect(synced(text(doc))).toBe(text(doc));
});

it('loads the example config files', () => {
  const json = resolveBlueButtonConfig(resolve(root, 'docs/examples/bluebutton-config.json'));
  const yaml = resolveBlueButtonConfig(resolve(root, 'docs/examples/bluebutton-config.yaml'));
  expect([json.clientId, json.version, json.retrySettings.backoffFactor]).toEqual([
    'your-client-id',
    2,
    5,
  ]);
  expect([yaml.version, yaml.scopes?.length, yaml.timeoutMs]).toEqual([3, 4, 10_000]);
});

it('shows the error the bad example config really produces', () => {
  const shown = blocks.filter(
    b => b.kind === 'output' && b.file === 'docs/examples/bad-config.json',
  );
  expect(shown).toHaveLength(1);
  let message = '';
  try {
    resolveBlueButtonConfig(resolve(root, 'docs/examples/bad-config.json'));
  } catch (e) {
    expect(e).toBeInstanceOf(BlueButtonConfigError);
    message = `BlueButtonConfigError: ${(e as Error).message.replaceAll(root, '/app')}`;
  }
  expect(shown[0]!.body.trimEnd()).toBe(message);
});
