/**
 * Compiles test programs that run as separate Node processes (plus the package source they
 * import) into `.test-build/<label>-<unique>/`.
 *
 * No TypeScript runner is installed and Node 20 cannot strip types, so they are compiled with the
 * repo's `tsc` — inside the repo, so bare imports (`@nestjs/*`, `ioredis`) resolve from its
 * `node_modules`. Programs import `lib/` by relative path, so they run the compiled source, never
 * `dist/` (which another test may be rebuilding at the same time).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A compiled set of programs; {@link ChildBuild.remove} deletes it. */
export interface ChildBuild {
  /** The build folder (under `.test-build/`). */
  dir: string;
  /** How long `tsc` took, ms. */
  compileMs: number;
  /** The compiled file of `source` (a repo-relative `.ts` path given to {@link compileForChild}). */
  entry(source: string): string;
  /** Deletes the build folder. */
  remove(): void;
}

/** Compiles `sources` (repo-relative `.ts` paths) and what they import into a fresh folder. */
export async function compileForChild(sources: string[], label: string): Promise<ChildBuild> {
  const dir = join(
    REPO,
    '.test-build',
    `${label}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  mkdirSync(dir, { recursive: true });
  const toRepo = relative(dir, REPO) || '.';
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    version: string;
  };
  // lib/common/bluebutton.constants.ts reads `../../package.json` beside the compiled lib/, and "type":
  // "module" makes Node load the compiled .js files as ESM. No "exports": no self-reference.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'nestjs-bluebutton', version, type: 'module', private: true }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: `${toRepo}/tsconfig.json`,
      compilerOptions: { rootDir: toRepo, outDir: '.', declaration: false, sourceMap: false },
      files: sources.map(s => `${toRepo}/${s}`),
      include: [],
    }),
  );
  const started = performance.now();
  const { code, output } = await run(process.execPath, [
    join(REPO, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(dir, 'tsconfig.json'),
  ]);
  const compileMs = performance.now() - started;
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (code !== 0) {
    remove();
    throw new Error(`tsc could not compile ${sources.join(', ')} (exit ${code}):\n${output}`);
  }
  return { dir, compileMs, entry: source => join(dir, source.replace(/\.ts$/, '.js')), remove };
}

/** Runs a command from the repo root; resolves with its exit code and combined output. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A worker that dies mid-test must not leave the child behind.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    const timer = options.timeoutMs ? setTimeout(kill, options.timeoutMs) : undefined;
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-200_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', kill);
      resolve({ code, signal, output });
    });
  });
}
