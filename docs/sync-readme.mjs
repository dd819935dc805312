// Keeps README.md's code examples identical to the files under docs/examples/, which the test suite
// type-checks and runs. A fenced block right after `<!-- include: docs/examples/x.ts -->` is replaced
// by that file. `--check` changes nothing and exits 1 when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LANG = { '.ts': 'ts', '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };
// A block's lines are lines that do not open or close a fence, so an empty block never runs on.
const INCLUDE = /<!-- include: (\S+) -->\n\n?```[a-z]*\n(?:(?!```)[^\n]*\n)*```/g;

/** README.md with every included block refreshed from its file (blank line after the marker, as prettier writes it). */
/** How many include markers the README has, and how many of them are followed by a block. */
export function includeCounts(readme) {
  return {
    markers: (readme.match(/<!-- include: /g) ?? []).length,
    blocks: (readme.match(INCLUDE) ?? []).length,
  };
}

export function syncedReadme(readme = readFileSync(resolve(root, 'README.md'), 'utf8')) {
  return readme.replace(INCLUDE, (_, file) => {
    const body = readFileSync(resolve(root, file), 'utf8').trimEnd();
    return `<!-- include: ${file} -->\n\n\`\`\`${LANG[extname(file)] ?? ''}\n${body}\n\`\`\``;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(resolve(root, 'README.md'), 'utf8');
  const synced = syncedReadme(current);
  if (process.argv.includes('--check')) {
    if (synced !== current) {
      console.error('README.md examples are out of date: run node docs/sync-readme.mjs');
      process.exit(1);
    }
  } else if (synced !== current) writeFileSync(resolve(root, 'README.md'), synced);
}
