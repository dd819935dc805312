import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueButtonConfigError, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';
import { SecretLedger } from '../support/secret-ledger.js';

/**
 * Family 8: hostile configuration. The secret never reaches an error, not even as a key's name or
 * through js-yaml's reasons; a BOM is accepted; only a regular file of at most 64 KiB is read; and
 * YAML aliases cannot expand into a bomb. (The bomb's memory is measured in memory.spec.ts.)
 */

const ledger = new SecretLedger();
const CALLBACK = 'http://127.0.0.1:3999/bluebutton/callback';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bb-hostile-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => ledger.expectClean('configuration'));

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The BlueButtonConfigError that resolving `input` throws, recorded in the ledger. */
function configError(input: BlueButtonModuleOptions | string): BlueButtonConfigError {
  try {
    resolveBlueButtonConfig(input, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    return ledger.error(error as BlueButtonConfigError);
  }
  throw new Error('expected a BlueButtonConfigError');
}

describe('the secret as a key name', () => {
  it('an unknown key named after the secret (options object) is described, not shown', () => {
    const secret = ledger.secret('cfg');
    const error = configError({
      clientId: 'id',
      clientSecret: secret,
      callbackUrl: CALLBACK,
      [secret]: true,
    } as BlueButtonModuleOptions);
    expect(error.issues).toEqual([
      { key: `(a ${secret.length}-character name)`, reason: 'is not a Blue Button setting' },
    ]);
  });

  it('…nested, in a JSON file, and when the real client_secret is missing', () => {
    const secret = ledger.secret('cfg');
    const path = write(
      'c.json',
      JSON.stringify({ client_id: 'id', callback_url: CALLBACK, retry_settings: { [secret]: 1 } }),
    );
    const error = configError(path);
    expect(error.issues.map(i => i.key)).toEqual([
      `retry_settings.(a ${secret.length}-character name)`,
      'client_secret',
    ]);
  });

  it('…even a short part of it written as a key', () => {
    const secret = ledger.secret('cfg');
    const part = secret.slice(-10);
    const error = configError({
      clientId: 'id',
      clientSecret: secret,
      callbackUrl: CALLBACK,
      [part]: 1,
    } as BlueButtonModuleOptions);
    expect(error.issues[0]!.key).toBe('(a 10-character name)');
  });
});

describe("js-yaml's reasons", () => {
  it.each([
    ['an alias', (s: string) => `client_secret: *${s}`],
    ['a local tag', (s: string) => `client_secret: !${s} x`],
    ['a verbatim tag', (s: string) => `client_secret: !<${s}> x`],
    ['a secondary tag', (s: string) => `client_secret: !!${s} x`],
    ['a tag handle', (s: string) => `client_secret: !${s.slice(0, 8)}!x y`],
  ])('the secret written as %s is not quoted back', (_, line) => {
    const secret = ledger.secret('yaml');
    const path = write('c.yaml', `client_id: id\n${line(secret)}\ncallback_url: ${CALLBACK}\n`);
    const error = configError(path);
    expect(error.message).toMatch(/^Malformed YAML in Blue Button config file .* at line 2/);
    for (let i = 0; i + 8 <= secret.length; i++)
      expect(error.message).not.toContain(secret.slice(i, i + 8));
  });
});

describe('files', () => {
  it.each([
    [
      'JSON',
      'c.json',
      `{"client_id":"id","client_secret":"s3cr3t-bom","callback_url":"${CALLBACK}"}`,
    ],
    ['YAML', 'c.yaml', `client_id: id\nclient_secret: s3cr3t-bom\ncallback_url: ${CALLBACK}\n`],
  ])('a %s file with a byte-order mark loads', (_, name, content) => {
    ledger.add('s3cr3t-bom');
    const path = write(
      name,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content)]),
    );
    expect(resolveBlueButtonConfig(path).clientId).toBe('id');
  });

  it('a config path symlinked to /dev/zero is refused before any read', () => {
    const path = join(dir, 'zero.json');
    symlinkSync('/dev/zero', path);
    expect(configError(path).message).toBe(
      `Blue Button config file ${path} is not a regular file (a device, FIFO or socket); point configFile at a .json or .yaml file`,
    );
  });

  it('a FIFO is refused without blocking the boot on open()', () => {
    const path = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [path]);
    expect(configError(path).message).toMatch(/is not a regular file/);
  });

  it('a file over 64 KiB is refused', () => {
    const path = write('big.json', `{"client_id":"${'x'.repeat(70_000)}"}`);
    expect(configError(path).message).toBe(
      `Blue Button config file ${path} is larger than 65536 bytes: not a Blue Button configuration`,
    );
  });

  it('a YAML alias bomb in scopes is refused at once', () => {
    const levels = 'abcdefghij'.split('');
    const lines = [
      'client_id: id',
      `callback_url: ${CALLBACK}`,
      `x${levels[0]}: &${levels[0]} ["patient/Patient.rs", "patient/Patient.rs"]`,
      ...levels
        .slice(1)
        .map((l, i) => `x${l}: &${l} [*${levels[i]}, *${levels[i]}, *${levels[i]}]`),
      `scopes: *${levels.at(-1)}`,
    ];
    const path = write('bomb.yaml', lines.join('\n'));
    expect(configError(path).message).toBe(
      `Blue Button config file ${path} expands to more than 10000 values through YAML aliases: not a Blue Button configuration`,
    );
  });

  it('more than 100 aliases are refused by the parser itself', () => {
    const path = write(
      'aliases.yaml',
      `client_id: id\nx: &x "a"\nscopes: [${Array(101).fill('*x').join(', ')}]\n`,
    );
    expect(configError(path).message).toMatch(/aliases exceeded maxAliases \(100\)/);
  });
});
