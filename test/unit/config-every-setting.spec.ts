import { dump } from 'js-yaml';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueButtonConfigError, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { CONFIG_DEFAULTS } from '../../lib/config/config.defaults.js';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';
import type { BlueButtonConfigFields } from '../../lib/config/bluebutton-config.js';
import { BlueButtonOptionsDto } from '../../lib/config/bluebutton-options.dto.js';
import { settingKeys, settingsGroupOf } from '../../lib/config/setting-metadata.js';
import type { SettingsClass } from '../../lib/config/setting.decorators.js';

/**
 * The drift test of the declaration: one sample per declared setting, nested ones included. tsc
 * refuses the table when a setting is added to the options interface, the declaration or
 * BlueButtonConfig without the other two (and without a sample); at run time every sample is read
 * from an object, from env-style strings, from a JSON file and from a YAML file, and left out.
 */

/** The object inside a key that holds a group of settings (not a list, a function or a scalar). */
type GroupIn<V> = Exclude<
  Extract<NonNullable<V>, object>,
  readonly unknown[] | ((...args: never[]) => unknown)
>;
/** Every setting's dotted path, groups walked into: `timeoutMs`, `retrySettings.total`… */
type Paths<T, P extends string = ''> = {
  [K in keyof T & string]-?: [GroupIn<T[K]>] extends [never]
    ? `${P}${K}`
    : Paths<GroupIn<T[K]>, `${P}${K}.`>;
}[keyof T & string];

type Declared = Paths<BlueButtonOptionsDto>;

it('the options interface and BlueButtonConfig have exactly the declared settings, level by level (tsc)', () => {
  expectTypeOf<Paths<Omit<BlueButtonModuleOptions, 'configFile'>>>().toEqualTypeOf<Declared>();
  expectTypeOf<Paths<Omit<BlueButtonConfigFields, 'source'>>>().toEqualTypeOf<Declared>();
});

/** A setting left out must be given: the issue says so. */
const REQUIRED = Symbol('required');

interface Sample {
  /** A value to give, as an app's code would. */
  given: unknown;
  /** The same value as env vars (and quoted JSON) give it; default: `given`. */
  written?: unknown;
  /** What the configuration then holds; default: `given`. */
  expected?: unknown;
  /** What the configuration holds when the setting is left out (its group given as `{}`). */
  absent: unknown;
  /** A value no file can hold (a function). */
  objectOnly?: true;
}

const tokenKey = () => 'user-1';

const SAMPLES = {
  environment: { given: 'TEST', written: 'test', absent: 'SANDBOX' },
  baseUrl: {
    given: 'http://127.0.0.1:8000/',
    written: 'http://127.0.0.1:8000//',
    expected: 'http://127.0.0.1:8000',
    absent: 'https://sandbox.bluebutton.cms.gov',
  },
  version: { given: 1, written: '1', absent: 2 },
  clientId: { given: 'another-client-id', absent: REQUIRED },
  clientSecret: { given: 'another-client-secret', absent: REQUIRED },
  callbackUrl: { given: 'https://app.example/cb', absent: REQUIRED },
  tokenRefreshOnExpire: { given: false, written: 'false', absent: true },
  'retrySettings.total': { given: 0, written: '0', absent: 3 },
  'retrySettings.backoffFactor': { given: 0.5, written: '0.5', absent: 5 },
  'retrySettings.statusForcelist': { given: [429, 503], absent: [500, 502, 503, 504] },
  scopes: { given: ['openid', 'profile'], written: 'openid profile', absent: undefined },
  lang: { given: 'es', absent: undefined },
  strict: { given: true, written: 'true', absent: false },
  timeoutMs: { given: 45_000, written: '45000', absent: 30_000 },
  refreshSkewMs: { given: 0, written: '0', absent: 60_000 },
  pageConcurrency: { given: 1, written: '1', absent: 4 },
  maxResponseBytes: { given: 2048, written: '2048', absent: 32 * 1024 * 1024 },
  maxPages: { given: 7, written: '7', absent: 1000 },
  'routes.login': { given: '/in', absent: '/bluebutton/login' },
  'routes.logout': { given: '/out', absent: '/bluebutton/logout' },
  'routes.successRedirect': { given: '/ok?x=1', absent: '/' },
  'routes.failureRedirect': { given: '/err', absent: '/' },
  'routes.logoutRedirect': { given: '/bye', absent: '/' },
  'routes.version': { given: ['1', '2'], absent: undefined },
  'middleware.forRoutes': { given: ['/api/{*path}'], absent: ['{*path}'] },
  'middleware.exclude': { given: [{ path: '/health', method: 0 }], absent: [] },
  'session.secret': { given: 'k'.repeat(32), absent: undefined },
  'session.cookieName': { given: 'bb_sid', absent: 'bluebutton_session' },
  'session.ttlMs': { given: 120_000, written: '120000', absent: 13 * 31 * 24 * 3600 * 1000 },
  tokenKey: { given: tokenKey, absent: undefined, objectOnly: true },
} satisfies Record<Declared, Sample>;

const BASE = {
  clientId: 'client-id-abc',
  clientSecret: 'S3cr3t-client-secret-value-0123456789',
  callbackUrl: 'http://localhost:3000/bluebutton/callback',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bb-every-setting-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The declared settings' paths, read from the declaration's metadata as the loader reads them. */
function declaredPaths(settings: SettingsClass = BlueButtonOptionsDto, prefix = ''): string[] {
  return settingKeys(settings).flatMap(key => {
    const group = settingsGroupOf(settings, key);
    return group ? declaredPaths(group, `${prefix}${key}.`) : [`${prefix}${key}`];
  });
}

/** The base settings with `value` at `path`: `{ ...BASE, a: { b: value } }` for `a.b`. */
function withSetting(path: string, value: unknown): Record<string, unknown> {
  const [key, inner] = path.split('.');
  return { ...BASE, [key]: inner ? { [inner]: value } : value };
}

/** The same settings as the Python SDK's files write them: snake_case keys, groups included. */
function snakeCase(level: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(level).map(([k, v]) => [
      k.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`),
      v && typeof v === 'object' && !Array.isArray(v) ? snakeCase(v as Record<string, unknown>) : v,
    ]),
  );
}

function valueAt(config: object, path: string): unknown {
  return path.split('.').reduce<any>((level, key) => level?.[key], config);
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

it('has a sample for every setting the loader knows, and no other', () => {
  expect(Object.keys(SAMPLES).sort()).toEqual(declaredPaths().sort());
});

describe.each(Object.entries(SAMPLES) as Array<[Declared, Sample]>)('%s', (path, sample) => {
  const expected = 'expected' in sample ? sample.expected : sample.given;
  const written = 'written' in sample ? sample.written : sample.given;
  const resolve = (input: unknown) =>
    valueAt(resolveBlueButtonConfig(input as BlueButtonModuleOptions), path);

  it('is read from an object, and from the strings env vars give', () => {
    expect(resolve(withSetting(path, sample.given))).toEqual(expected);
    expect(resolve(withSetting(path, written))).toEqual(expected);
  });

  // A function cannot be written in a file: tokenKey is read from an object only.
  if (!sample.objectOnly)
    it('is read under its snake_case name from JSON (as a string) and YAML', () => {
      const json = JSON.stringify(snakeCase(withSetting(path, written)));
      expect(resolve(file('config.json', json))).toEqual(expected);
      const yaml = dump(snakeCase(withSetting(path, sample.given)));
      expect(resolve(file('config.yaml', yaml))).toEqual(expected);
    });

  it('takes its default when left out', () => {
    const group = path.includes('.') ? { [path.split('.')[0]]: {} } : {};
    const input = { ...BASE, ...group };
    if (sample.absent !== REQUIRED) {
      expect(resolve(input)).toEqual(sample.absent);
      // The declared default is the one applied (baseUrl has none: it follows the environment).
      expect(valueAt(CONFIG_DEFAULTS, path)).toEqual(
        path === 'baseUrl' ? undefined : sample.absent,
      );
      return;
    }
    delete (input as Record<string, unknown>)[path];
    const error = (() => {
      try {
        resolve(input);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    expect((error as BlueButtonConfigError).issues).toEqual([
      { key: path, reason: expect.stringMatching(/^is required: /) },
    ]);
  });
});
