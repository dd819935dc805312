// Keeps the code examples of README.md and of the guides (docs/*.md) identical to the files under
// docs/examples/, which the test suite type-checks and runs. A fenced block right after a line
// `<!-- include: docs/examples/x.ts -->` (a path from the repository root, in every document) is
// replaced by that file. `--check` changes nothing and exits 1 when a document is out of date.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LANG = { '.ts': 'ts', '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };
// A block's lines are lines that do not open or close a fence, so an empty block never runs on.
const INCLUDE = /^<!-- include: (\S+) -->\n\n?```[a-z]*\n(?:(?!```)[^\n]*\n)*```/gm;

/** The documents whose examples are included: README.md, then docs/*.md (paths from the root). */
export function documents() {
  const guides = readdirSync(resolve(root, 'docs'))
    .filter(name => name.endsWith('.md'))
    .sort()
    .map(name => `docs/${name}`);
  return ['README.md', ...guides];
}

/** How many include markers a document has, and how many of them are followed by a block. */
export function includeCounts(text) {
  return {
    markers: (text.match(/^<!-- include: /gm) ?? []).length,
    blocks: (text.match(INCLUDE) ?? []).length,
  };
}

/** The files a document includes, in order. */
export function includedFiles(text) {
  return [...text.matchAll(/^<!-- include: (\S+) -->$/gm)].map(m => m[1]);
}

/** A document with every included block refreshed from its file (blank line after the marker, as prettier writes it). */
export function synced(text) {
  return text.replace(INCLUDE, (block, file) => {
    // An unclosed fence would make the block run on to the next one, over the prose between them.
    if (/\n(?:<!-- (?:include|output): |#{1,6} )/.test(block))
      throw new Error(
        `The block after the include of ${file} runs into the text after it: close its fence`,
      );
    const body = readFileSync(resolve(root, file), 'utf8').trimEnd();
    return `<!-- include: ${file} -->\n\n\`\`\`${LANG[extname(file)] ?? ''}\n${body}\n\`\`\``;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = [];
  for (const doc of documents()) {
    const current = readFileSync(resolve(root, doc), 'utf8');
    const fresh = synced(current);
    if (fresh === current) continue;
    stale.push(doc);
    if (!process.argv.includes('--check')) writeFileSync(resolve(root, doc), fresh);
  }
  if (process.argv.includes('--check') && stale.length) {
    console.error(`Examples out of date in ${stale.join(', ')}: run node docs/sync-readme.mjs`);
    process.exit(1);
  }
  if (stale.length) console.log(`Refreshed the examples of ${stale.join(', ')}.`);
}
