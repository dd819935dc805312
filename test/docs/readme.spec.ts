import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BlueButtonConfigError, resolveBlueButtonConfig } from 'nestjs-bluebutton';
// @ts-expect-error a plain .mjs script without type declarations
import { includeCounts, syncedReadme } from '../../docs/sync-readme.mjs';

/**
 * Every code example in the README comes from a file under docs/examples/: TypeScript files are
 * type-checked (tsconfig.spec.json) and the *.spec.ts ones run with the suite; config files and the
 * error output are checked here. So the README cannot drift from the code.
 */
const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
const blocks = [
  ...readme.matchAll(/(?:<!-- (include|output): (\S+) -->\n\n?)?```([a-z]*)\n([\s\S]*?)```/g),
].map(m => ({
  kind: m[1],
  file: m[2],
  lang: m[3],
  body: m[4],
}));

it('includes every code example from a checked file, except shell commands', () => {
  const unchecked = blocks.filter(b => !b.kind && b.lang !== 'sh');
  expect(unchecked.map(b => b.body.slice(0, 60))).toEqual([]);
  expect(blocks.filter(b => b.kind === 'include').length).toBeGreaterThanOrEqual(10);
});

it('has the included files verbatim (run `node docs/sync-readme.mjs` after editing an example)', () => {
  const { markers, blocks: paired } = includeCounts(readme);
  expect(paired).toBe(markers); // every marker is really followed by the block it governs
  expect(syncedReadme(readme)).toBe(readme);
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
  const block = blocks.find(
    b => b.kind === 'output' && b.file === 'docs/examples/bad-config.json',
  )!;
  let message = '';
  try {
    resolveBlueButtonConfig(resolve(root, 'docs/examples/bad-config.json'));
  } catch (e) {
    expect(e).toBeInstanceOf(BlueButtonConfigError);
    message = `BlueButtonConfigError: ${(e as Error).message.replaceAll(root, '/app')}`;
  }
  expect(block.body.trimEnd()).toBe(message);
});
