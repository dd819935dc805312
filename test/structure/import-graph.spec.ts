import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAst } from 'rolldown/parseAst';

/**
 * The folder-level import graph: which folder of lib/ (or of lib/testing, lib/web) imports which.
 * Every import counts, type-only ones too: a newcomer reads them all. A cycle between two folders
 * means neither can be understood first, so the graph must stay one-way.
 *
 * dependency-cruiser and madge do this job elsewhere, but both read TypeScript through the
 * compiler's JavaScript API, which TypeScript 7 no longer ships; this file parses with oxc
 * (`rolldown/parseAst`, the parser Vite already runs) and checks the rules below itself.
 */
const LIB = resolve(import.meta.dirname, '../../lib');

/** One import: the importing file and the imported one, both relative to lib/. */
interface Edge {
  from: string;
  to: string;
}

/** The node kinds that name a module, and where they keep its string. */
const SOURCES: Record<string, string> = {
  ImportDeclaration: 'source',
  ExportAllDeclaration: 'source',
  ExportNamedDeclaration: 'source',
  ImportExpression: 'source',
  TSImportType: 'argument',
  TSExternalModuleReference: 'expression',
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The relative module specifiers of one file: static, re-exported, dynamic and type imports. */
function specifiers(file: string): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const key = SOURCES[record.type as string];
    const literal = key ? (record[key] as { value?: unknown } | null) : undefined;
    if (typeof literal?.value === 'string') found.push(literal.value);
    for (const child of Object.values(record)) visit(child);
  };
  visit(parseAst(readFileSync(file, 'utf8'), { lang: 'ts' }, file));
  return found.filter(s => s.startsWith('.'));
}

const EDGES: Edge[] = tsFiles(LIB).flatMap(file =>
  specifiers(file).map(spec => ({
    from: relative(LIB, file),
    to: relative(LIB, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'),
  })),
);

/** The folder of `path` one level under `root` (`.` for the root's own files), or undefined outside it. */
function folderOf(path: string, root: string): string | undefined {
  const inside = root ? relative(root, path) : path;
  if (inside.startsWith('..')) return undefined;
  const slash = inside.indexOf('/');
  return slash < 0 ? '.' : inside.slice(0, slash);
}

/** Folder → imported folders (with one example import each), for the folders under `root`. */
function folderGraph(root: string): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const { from, to } of EDGES) {
    const a = folderOf(from, root);
    const b = folderOf(to, root);
    if (a === undefined || b === undefined || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Map());
    graph.get(a)!.set(b, graph.get(a)!.get(b) ?? `${from} → ${to}`);
  }
  return graph;
}

/** Every cycle's folders, with one import per step, found by a depth-first walk. */
function cycles(graph: Map<string, Map<string, string>>): string[] {
  const found = new Set<string>();
  const walk = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const loop = path.slice(at);
      const start = loop.indexOf([...loop].sort()[0]!);
      const steps = [...loop.slice(start), ...loop.slice(0, start)];
      const imports = steps.map((f, i) => graph.get(f)!.get(steps[(i + 1) % steps.length]!)!);
      found.add(`${[...steps, steps[0]].join(' → ')} (${imports.join('; ')})`);
      return;
    }
    for (const next of graph.get(node)?.keys() ?? []) walk(next, [...path, node]);
  };
  for (const node of graph.keys()) walk(node, []);
  return [...found].sort();
}

/** Imports of a root file from one of the root's subfolders: the root is the top layer. */
function intoRoot(root: string): string[] {
  return EDGES.filter(
    e => folderOf(e.to, root) === '.' && ![undefined, '.'].includes(folderOf(e.from, root)),
  ).map(e => `${e.from} → ${e.to}`);
}

/** Known edges that close a cycle, each with the reason it is still there: none today. */
const KNOWN: ReadonlySet<string> = new Set<string>();

function withoutKnown(graph: Map<string, Map<string, string>>): Map<string, Map<string, string>> {
  for (const [from, targets] of graph) {
    for (const to of targets.keys()) if (KNOWN.has(`${from} → ${to}`)) targets.delete(to);
  }
  return graph;
}

it('parses every lib/ file and finds its imports (a sanity check on the walk)', () => {
  const imported = EDGES.filter(e => e.from === 'testing/emulator.ts').map(e => e.to);
  expect(imported).toContain('testing/core/clock.ts');
  expect(EDGES.length).toBeGreaterThan(500);
});

describe.each(['', 'testing', 'web'])('the folders of lib/%s', root => {
  it('import one another one way: no cycle', () => {
    const graph = withoutKnown(folderGraph(root));
    expect(cycles(graph)).toEqual([]);
  });

  it('never import the root files above them', () => {
    expect(intoRoot(root)).toEqual([]);
  });
});

it('lib/common imports nothing from lib/', () => {
  expect(EDGES.filter(e => e.from.startsWith('common/') && !e.to.startsWith('common/'))).toEqual(
    [],
  );
});

/**
 * The emulator's files: lib/testing, but for the entry point and the store contract, test helpers
 * for the client's side that the entry point ships beside the emulator.
 */
function emulator(path: string): boolean {
  return (
    path.startsWith('testing/') &&
    path !== 'testing/index.ts' &&
    !path.startsWith('testing/store-contract/')
  );
}

it('the emulator imports nothing from the client, and the client nothing from the emulator', () => {
  expect(EDGES.filter(e => emulator(e.from) && !e.to.startsWith('testing/'))).toEqual([]);
  expect(EDGES.filter(e => !e.from.startsWith('testing/') && e.to.startsWith('testing/'))).toEqual(
    [],
  );
});

it('the known exception still exists (remove it from KNOWN once it is gone)', () => {
  for (const edge of KNOWN) {
    const [from, to] = edge.split(' → ') as [string, string];
    expect(folderGraph('').get(from)?.has(to), edge).toBe(true);
  }
});
