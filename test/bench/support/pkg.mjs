// Where the benchmarks get our package and the axios it runs on.
//
// `nestjs-bluebutton` is imported by name from test/bench/node_modules/nestjs-bluebutton, a private
// build (package.json + dist/ compiled from lib/ with tsconfig.build.json) that run.mjs makes
// before every run, laid out as an installed package. A self-reference to the root package cannot
// work here (test/bench/package.json is the nearest package scope), and the shared dist/ is
// rebuilt by other test runs in the same tree while a benchmark reads it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** test/bench/. */
export const BENCH = fileURLToPath(new URL('../', import.meta.url));

/** `nestjs-bluebutton`. */
export const loadBluebutton = () => import('nestjs-bluebutton');
/** `nestjs-bluebutton/testing` (never loaded by the client processes whose memory is measured). */
export const loadTesting = () => import('nestjs-bluebutton/testing');

const axiosDir = dirname(createRequire(join(ROOT, 'package.json')).resolve('axios/package.json'));
/**
 * The root's axios, the one `@nestjs/axios` (and so our package) runs on, imported as ESM as
 * `@nestjs/axios` does; not the copy under test/bench/node_modules that the official SDK brought.
 */
export const loadAxios = async () =>
  (await import(pathToFileURL(join(axiosDir, 'index.js')).href)).default;
/** Its version, for the report. */
export const axiosVersion = JSON.parse(
  readFileSync(join(axiosDir, 'package.json'), 'utf8'),
).version;
