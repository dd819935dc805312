import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
// @ts-expect-error a plain .mjs script without type declarations
import { documents } from '../../docs/sync-readme.mjs';

/**
 * Every relative link of the README and the guides (docs/*.md) points to a file that exists and,
 * when it names a heading (`guide.md#heading`, `#heading`), to a heading of that Markdown file, with
 * the anchor GitHub gives it. Links to other sites are not fetched.
 */
const root = resolve(import.meta.dirname, '../..');

/** The Markdown without its fenced blocks and inline code, where `[x](y)` is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** GitHub's anchor of a heading: its text, lower case, without punctuation, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings; repeated ones get `-1`, `-2`…, as on GitHub. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = anchorOf(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

/** The broken relative links of one document (`doc` is a path from the repository root). */
function brokenLinks(doc: string, markdown: string): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(([^)\s]+)(?: +"[^"]*")?\)/g)) {
    if (/^[a-z][a-z\d+.-]*:/i.test(target!)) continue; // https:, mailto:…
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const file = path ? join(dirname(resolve(root, doc)), decodeURIComponent(path)) : undefined;
    if (file && !existsSync(file)) {
      broken.push(`${target}: no file ${relative(root, file)}`);
    } else if (anchor !== undefined) {
      const text = file ? readFileSync(file, 'utf8') : markdown;
      if ((file && extname(file) !== '.md') || !anchorsOf(text).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${file ? relative(root, file) : doc}`);
    }
  }
  return broken;
}

const docs: string[] = documents();

it.each(docs)('%s: every relative link resolves, anchors included', doc => {
  const markdown = readFileSync(resolve(root, doc), 'utf8');
  expect(brokenLinks(doc, markdown)).toEqual([]);
});

it('reaches every guide from the README', () => {
  const readme = prose(readFileSync(resolve(root, 'README.md'), 'utf8'));
  const linked = new Set([...readme.matchAll(/\]\((docs\/[\w-]+\.md)[#)]/g)].map(m => m[1]));
  expect(docs.filter(d => d !== 'README.md' && !linked.has(d))).toEqual([]);
});

it('starts every guide with a title, then one sentence saying who needs it', () => {
  const openings = docs
    .filter(d => d !== 'README.md')
    .map(d => readFileSync(resolve(root, d), 'utf8').split('\n\n').slice(0, 2));
  for (const [title, who] of openings) {
    expect(title).toMatch(/^# \S/);
    expect(who).toMatch(/^For [^.]+[:.]/);
  }
});

it('finds broken files and headings, as GitHub names headings', () => {
  expect(anchorOf('One pass: `FhirService.sync()`')).toBe('one-pass-fhirservicesync');
  expect(anchorOf('Upgrading a Redis store written by version 0.1')).toBe(
    'upgrading-a-redis-store-written-by-version-01',
  );
  const sample = [
    '# Title',
    '## Same',
    '## Same',
    'See [a](#same-1), [b](#same-2), [c](missing.md), [d](errors.md#nope), [e](https://x.test/).',
    '`[not a link](nowhere.md)`',
  ].join('\n\n');
  expect(brokenLinks('docs/sample.md', sample)).toEqual([
    '#same-2: no heading #same-2 in docs/sample.md',
    'missing.md: no file docs/missing.md',
    'errors.md#nope: no heading #nope in docs/errors.md',
  ]);
});
