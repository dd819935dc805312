// Installs the benchmark-only dependencies and builds the private copy of our package.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BENCH, ROOT } from './pkg.mjs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/** `npm ci --prefix test/bench` when the official SDK is not installed there yet. */
export function installBenchDependencies() {
  if (existsSync(join(BENCH, 'node_modules', 'cms-bluebutton-sdk', 'package.json'))) return false;
  run('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund']);
  return true;
}

/**
 * Compiles lib/ (tsconfig.build.json) into test/bench/node_modules/nestjs-bluebutton/dist with the
 * root package.json beside it: our package as an app would have it installed, measured from the
 * current sources. Its dependencies and peers are linked to the root's installs, so that nothing
 * the official SDK brought into test/bench/node_modules (another js-yaml, another axios) shadows them.
 */
export function buildPackageCopy() {
  const dest = join(BENCH, 'node_modules', 'nestjs-bluebutton');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dest, 'package.json'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    const target = join(ROOT, 'node_modules', name);
    if (!existsSync(target)) continue;
    const link = join(dest, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
  run(join(ROOT, 'node_modules', '.bin', 'tsc'), [
    '-p',
    join(ROOT, 'tsconfig.build.json'),
    '--outDir',
    join(dest, 'dist'),
  ]);
}
