import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in `test/support/`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The CC0 Blue Button sandbox captures, kept outside the repository. */
export const bb2FixturesDir = resolve(repoRoot, '../shared/fixtures/bb2-sandbox');

/** True when the sandbox captures are available on this machine. */
export const hasBb2Fixtures = existsSync(bb2FixturesDir);

/** Message to print when a suite that needs the captures is skipped. */
export const missingFixturesMessage = `Blue Button sandbox captures not found at ${bb2FixturesDir}: skipping the tests that compare with them.`;

/** Path of one capture file. */
export function bb2FixturePath(name: string): string {
  return resolve(bb2FixturesDir, name);
}

/** Parses one JSON capture file. */
export function readBb2Fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(bb2FixturePath(name), 'utf8')) as T;
}
