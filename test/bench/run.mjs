// `npm run bench`: installs the benchmark-only dependencies when missing, builds a private copy of
// our package from lib/, runs every case (or those named: `npm run bench -- pagination`) in its own
// process (each starts its own emulator in yet another process), prints the figures and writes
// test/bench/RESULTS.md: the sections of the cases run from this very run, the others kept.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackageCopy, installBenchDependencies } from './support/prepare.mjs';
import { BENCH, ROOT } from './support/pkg.mjs';
import { report } from './support/report.mjs';

const started = Date.now();
const loadStart = os.loadavg()[0];
console.log('Preparing: benchmark dependencies and a build of lib/ …');
installBenchDependencies();
buildPackageCopy();

const { axiosVersion } = await import('./support/pkg.mjs');
const { officialVersion } = await import('./support/official.mjs');

const ALL_CASES = [
  ['pagination', 'cases/pagination.mjs'],
  ['overhead', 'cases/overhead.mjs'],
  ['memory', 'cases/memory.mjs'],
  ['storm', 'cases/storm.mjs'],
  ['emulator', 'cases/emulator.mjs'],
  ['telemetry', 'cases/telemetry.mjs'],
  ['sync', 'cases/sync.mjs'],
];
// `npm run bench -- pagination memory` runs those cases only; RESULTS.md keeps the other sections.
const wanted = process.argv.slice(2);
const unknown = wanted.filter(name => !ALL_CASES.some(([n]) => n === name));
if (unknown.length) {
  console.error(
    `Unknown case(s): ${unknown.join(', ')}. Cases: ${ALL_CASES.map(([n]) => n).join(', ')}`,
  );
  process.exit(2);
}
const CASES = wanted.length ? ALL_CASES.filter(([n]) => wanted.includes(n)) : ALL_CASES;

/** Runs one case file; progress goes to our stderr, its JSON result comes back on stdout. */
function runCase(name, file) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(BENCH, file)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('exit', code => {
      if (code !== 0) return reject(new Error(`case ${name} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch {
        reject(new Error(`case ${name} printed no result: ${out.slice(0, 500)}`));
      }
    });
  });
}

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function osName() {
  try {
    const pretty = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    if (pretty) return `${pretty[1]} (${os.type()} ${os.release()})`;
  } catch {
    // Not Linux: fall through.
  }
  return `${os.type()} ${os.release()}`;
}

const results = {};
for (const [name, file] of CASES) {
  console.log(`\n▶ ${name}`);
  const t0 = Date.now();
  results[name] = await runCase(name, file);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  ramGiB: os.totalmem() / 1024 ** 3,
  node: process.version,
  os: osName(),
  loadStart,
  axios: axiosVersion,
  official: officialVersion,
  version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  commit: git('rev-parse', '--short', 'HEAD'),
  // Uncommitted changes in lib/ are in the measured build too: name them.
  dirty: git('status', '--porcelain', '--', 'lib')
    .split('\n')
    .filter(Boolean)
    .map(line => line.slice(3)),
  date: new Date().toISOString(),
  totalSeconds: (Date.now() - started) / 1000,
};

// The raw figures too, beside the installed dependencies (git-ignored), for anyone digging deeper.
writeFileSync(
  join(BENCH, 'node_modules', '.bench-results.json'),
  JSON.stringify({ machine, results }),
);
const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
const { text, markdown, allMet } = report(results, machine, previous);
console.log(`\n${text}`);
writeFileSync(file, markdown);
console.log(`\nWrote ${file} (${machine.totalSeconds.toFixed(0)} s in all).`);
if (!allMet) console.log('Some targets were missed: see RESULTS.md.');
