import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueButtonConfigError } from 'nestjs-bluebutton';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';

// The suite runs as root in CI, where `chmod 000` does not stop a read: the permission error is
// raised by a stand-in readFileSync for the files named here, and the real one reads everything else.
const refused = new Map<string, string>();
vi.mock('node:fs', async importOriginal => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: Parameters<typeof fs.readFileSync>[0], ...rest: unknown[]) => {
    const code = refused.get(String(path));
    if (code) throw Object.assign(new Error(`${code}: refused, open '${String(path)}'`), { code });
    return (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, readFileSync, default: { ...fs, readFileSync } };
});

it.each([
  ['EACCES', 'unreadable (permission denied)'],
  ['EPERM', 'unreadable (permission denied)'],
  ['EIO', 'unreadable (EIO)'],
])('a config file whose read fails with %s gets its own message, with the path', (code, why) => {
  const path = join(mkdtempSync(join(tmpdir(), 'bb-unreadable-')), '.bluebutton-config.json');
  writeFileSync(path, '{}');
  refused.set(path, code);
  let error: unknown;
  try {
    resolveBlueButtonConfig(path);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BlueButtonConfigError);
  expect((error as Error).message).toBe(`Blue Button config file ${path} is ${why}`);
});
