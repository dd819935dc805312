import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, registerAs, type ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  BlueButtonConfig,
  BlueButtonConfigError,
  BlueButtonModule,
  InjectBlueButtonConfig,
  type BlueButtonModuleOptions,
  type BlueButtonOptionsFactory,
} from 'nestjs-bluebutton';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';

const SECRET = 'S3cr3t-client-secret-value-0123456789';
const VALID = {
  clientId: 'client-id-abc',
  clientSecret: SECRET,
  callbackUrl: 'http://localhost:3000/api/bluebutton/callback/',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bb-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Resolves and returns the error, failing the test if nothing was thrown. */
function configError(input: unknown, cwd = dir): BlueButtonConfigError {
  try {
    resolveBlueButtonConfig(input as BlueButtonModuleOptions, cwd);
  } catch (e) {
    expect(e).toBeInstanceOf(BlueButtonConfigError);
    const err = e as BlueButtonConfigError;
    // The secret must be absent from every way the error can be rendered.
    for (const rendering of [err.message, JSON.stringify(err), inspect(err), String(err.stack)]) {
      expect(rendering).not.toContain(SECRET);
    }
    return err;
  }
  throw new Error('expected a BlueButtonConfigError');
}

async function boot(...imports: any[]): Promise<BlueButtonConfig> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const config = moduleRef.get(BlueButtonConfig);
  await moduleRef.close();
  return config;
}

describe('configuration sources', () => {
  it('accepts an object and applies the defaults', async () => {
    const config = await boot(BlueButtonModule.forRoot(VALID));
    expect({ ...config, apiBaseUrl: config.apiBaseUrl }).toMatchObject({
      environment: 'SANDBOX',
      baseUrl: 'https://sandbox.bluebutton.cms.gov',
      apiBaseUrl: 'https://sandbox.bluebutton.cms.gov/v2',
      version: 2,
      tokenRefreshOnExpire: true,
      retrySettings: { total: 3, backoffFactor: 5, statusForcelist: [500, 502, 503, 504] },
      timeoutMs: 30_000,
      refreshSkewMs: 60_000,
      pageConcurrency: 4,
    });
    expect(config.clientSecret).toBe(SECRET);
  });

  it.each([
    ['SANDBOX', 'https://sandbox.bluebutton.cms.gov'],
    ['PRODUCTION', 'https://api.bluebutton.cms.gov'],
    ['TEST', 'https://test.bluebutton.cms.gov'],
    ['LOCAL', 'http://localhost:8000'],
  ])('maps environment %s to %s', (environment, baseUrl) => {
    const callbackUrl = 'https://app.example.org/callback';
    expect(resolveBlueButtonConfig({ ...VALID, callbackUrl, environment } as any).baseUrl).toBe(
      baseUrl,
    );
  });

  it('lets baseUrl override the environment host (the emulator, a proxy)', () => {
    const config = resolveBlueButtonConfig({
      ...VALID,
      baseUrl: 'http://127.0.0.1:9999/',
      version: '3',
      scopes: 'openid patient/Patient.rs',
    });
    expect(config.apiBaseUrl).toBe('http://127.0.0.1:9999/v3');
  });

  it('loads the Python SDK config file unchanged (snake_case JSON)', async () => {
    // The sample config of CMSgov/cms-bb2-python-sdk, key for key.
    const path = write(
      'python.json',
      JSON.stringify({
        environment: 'SANDBOX',
        client_id: 'py-client',
        client_secret: SECRET,
        callback_url: 'https://www.fake.com/your/callback/here',
        version: 2,
        token_refresh_on_expire: false,
        retry_settings: { total: 2, backoff_factor: 0.5, status_forcelist: [500, 503] },
      }),
    );
    const config = await boot(BlueButtonModule.forRoot(path));
    expect(config).toMatchObject({
      clientId: 'py-client',
      callbackUrl: 'https://www.fake.com/your/callback/here',
      tokenRefreshOnExpire: false,
      retrySettings: { total: 2, backoffFactor: 0.5, statusForcelist: [500, 503] },
      source: path,
    });
  });

  it('loads the Node SDK config file unchanged (camelCase JSON, version as a string)', async () => {
    const path = write(
      'node.json',
      JSON.stringify({
        environment: 'SANDBOX',
        clientId: 'node-client',
        clientSecret: SECRET,
        callbackUrl: 'https://www.fake.com/callback',
        version: '2',
        retrySettings: { backoffFactor: 5, total: 3, statusForcelist: [500, 502, 503, 504] },
      }),
    );
    expect((await boot(BlueButtonModule.forRoot(path))).clientId).toBe('node-client');
  });

  it.each(['yaml', 'yml'])('loads a .%s file', ext => {
    const path = write(
      `config.${ext}`,
      [
        'environment: "SANDBOX"',
        'client_id: "yaml-client"',
        `client_secret: "${SECRET}"`,
        'callback_url: "https://www.fake.com/callback"',
        'version: 1',
        'retry_settings:',
        '  total: 0',
        '  status_forcelist: [429, 503]',
      ].join('\n'),
    );
    const config = resolveBlueButtonConfig(path);
    expect(config).toMatchObject({ clientId: 'yaml-client', version: 1 });
    expect(config.retrySettings).toEqual({
      total: 0,
      backoffFactor: 5,
      statusForcelist: [429, 503],
    });
  });

  it('lets object keys override a configFile (e.g. the secret from the environment)', () => {
    const path = write('base.json', JSON.stringify({ ...VALID, clientSecret: 'from-file-secret' }));
    const config = resolveBlueButtonConfig({
      configFile: path,
      clientSecret: 'override',
      version: 3,
      scopes: ['patient/Coverage.rs'],
    });
    expect([config.clientSecret, config.version, config.clientId]).toEqual([
      'override',
      3,
      VALID.clientId,
    ]);
  });

  describe('with no argument, reads the working directory', () => {
    let previous: string;
    beforeEach(() => {
      previous = process.cwd();
      process.chdir(dir);
    });
    afterEach(() => process.chdir(previous));

    it('prefers .bluebutton-config.json over .bluebutton-config.yaml', async () => {
      write('.bluebutton-config.json', JSON.stringify({ ...VALID, clientId: 'from-json' }));
      write(
        '.bluebutton-config.yaml',
        `client_id: from-yaml\nclient_secret: x\ncallback_url: http://a/b\n`,
      );
      expect((await boot(BlueButtonModule.forRoot())).clientId).toBe('from-json');
    });

    it('falls back to .bluebutton-config.yaml', async () => {
      write(
        '.bluebutton-config.yaml',
        `client_id: from-yaml\nclient_secret: x\ncallback_url: http://a/b\n`,
      );
      const config = await boot(BlueButtonModule.forRoot({ isGlobal: true }));
      expect([config.clientId, config.source]).toEqual([
        'from-yaml',
        join(dir, '.bluebutton-config.yaml'),
      ]);
    });

    it('says what to do when there is no file at all', () => {
      expect(configError(undefined, dir).message).toBe(
        `No Blue Button configuration: pass options to BlueButtonModule.forRoot(), or create .bluebutton-config.json or .bluebutton-config.yaml in ${dir}`,
      );
    });
  });
});

describe('forRootAsync', () => {
  @Injectable()
  class OptionsFactory implements BlueButtonOptionsFactory {
    createBlueButtonOptions(): BlueButtonModuleOptions {
      return { ...VALID, clientId: 'from-class' };
    }
  }
  @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
  class OptionsModule {}

  it('useFactory with imports and inject', async () => {
    const config = await boot(
      BlueButtonModule.forRootAsync({
        imports: [OptionsModule],
        inject: [OptionsFactory],
        useFactory: async (f: OptionsFactory) => ({
          ...f.createBlueButtonOptions(),
          clientId: 'from-factory',
        }),
      }),
    );
    expect(config.clientId).toBe('from-factory');
  });

  it('useClass', async () => {
    const config = await boot(BlueButtonModule.forRootAsync({ useClass: OptionsFactory }));
    expect(config.clientId).toBe('from-class');
  });

  it('useExisting', async () => {
    const config = await boot(
      BlueButtonModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFactory }),
    );
    expect(config.clientId).toBe('from-class');
  });

  it('isGlobal makes BlueButtonConfig injectable from any module', async () => {
    @Injectable()
    class Consumer {
      constructor(@InjectBlueButtonConfig() readonly config: BlueButtonConfig) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        BlueButtonModule.forRootAsync({ isGlobal: true, useFactory: () => VALID }),
        FeatureModule,
      ],
    }).compile();
    expect(moduleRef.get(Consumer).config.clientId).toBe(VALID.clientId);
    await moduleRef.close();
  });

  it('integrates with @nestjs/config (registerAs + forRootAsync)', async () => {
    const bluebuttonConfig = registerAs('bluebutton', () => ({
      clientId: process.env.TEST_BB_CLIENT_ID,
      clientSecret: process.env.TEST_BB_CLIENT_SECRET,
      callbackUrl: 'http://localhost:3000/callback',
      version: process.env.TEST_BB_VERSION, // env vars are strings: "3" is accepted
      scopes: 'patient/Coverage.rs',
    }));
    process.env.TEST_BB_CLIENT_ID = 'from-env';
    process.env.TEST_BB_CLIENT_SECRET = SECRET;
    process.env.TEST_BB_VERSION = '3';
    try {
      const config = await boot(
        BlueButtonModule.forRootAsync({
          imports: [ConfigModule.forFeature(bluebuttonConfig)],
          inject: [bluebuttonConfig.KEY],
          useFactory: (c: ConfigType<typeof bluebuttonConfig>) => c as BlueButtonModuleOptions,
        }),
      );
      expect([config.clientId, config.version]).toEqual(['from-env', 3]);
    } finally {
      delete process.env.TEST_BB_CLIENT_ID;
      delete process.env.TEST_BB_CLIENT_SECRET;
      delete process.env.TEST_BB_VERSION;
    }
  });

  it('stops the boot with BlueButtonConfigError when the factory returns bad options', async () => {
    const compile = Test.createTestingModule({
      imports: [
        BlueButtonModule.forRootAsync({
          useFactory: () => ({ ...VALID, version: 'banana' as any }),
        }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(BlueButtonConfigError);
    await expect(compile).rejects.toThrow(/version: must be 1, 2 or 3 \(got "banana"\)/);
  });
});

it('accepts redirect paths with a query string', () => {
  const config = resolveBlueButtonConfig({
    ...VALID,
    routes: { logoutRedirect: '/?signed_out=1' },
  });
  expect(config.routes?.logoutRedirect).toBe('/?signed_out=1');
});

describe('the secret stays secret', () => {
  it('is absent from console.log, JSON.stringify and object spread of the config', () => {
    const config = resolveBlueButtonConfig({ ...VALID, session: { secret: 'x'.repeat(40) } });
    for (const rendering of [inspect(config), JSON.stringify(config), inspect({ ...config })]) {
      expect(rendering).not.toContain(SECRET);
      expect(rendering).not.toContain('x'.repeat(40));
    }
  });
});

// Each case: the input, the key the error must name (exactly as the user spelled it), and a reason fragment.
const BAD: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ['missing client id', { clientId: undefined }, 'clientId', /is required/],
  ['empty client id', { clientId: '' }, 'clientId', /must not be empty/],
  ['numeric client id', { clientId: 42 }, 'clientId', /is required/],
  ['missing secret', { clientSecret: undefined }, 'clientSecret', /is required/],
  ['empty secret', { clientSecret: '' }, 'clientSecret', /must not be empty/],
  ['missing callback', { callbackUrl: undefined }, 'callbackUrl', /^is required: the redirect URI/],
  ['relative callback', { callbackUrl: '/callback' }, 'callbackUrl', /absolute URL/],
  [
    'ftp callback',
    { callbackUrl: 'ftp://x.example/cb' },
    'callbackUrl',
    /http or https \(got ftp\)/,
  ],
  [
    'callback with fragment',
    { callbackUrl: 'http://x.example/cb#frag' },
    'callbackUrl',
    /#fragment/,
  ],
  [
    'http callback in PRODUCTION',
    { environment: 'PRODUCTION', callbackUrl: 'http://x.example/cb' },
    'callbackUrl',
    /https when environment is PRODUCTION/,
  ],
  [
    'unknown environment',
    { environment: 'STAGING' },
    'environment',
    /SANDBOX, PRODUCTION, TEST or LOCAL \(got "STAGING"\)/,
  ],
  ['banana version', { version: 'banana' }, 'version', /must be 1, 2 or 3 \(got "banana"\)/],
  ['version 4', { version: 4 }, 'version', /must be 1, 2 or 3 \(got 4\)/],
  ['version 2.5', { version: 2.5 }, 'version', /must be 1, 2 or 3/],
  ['malformed baseUrl', { baseUrl: 'not a url' }, 'baseUrl', /absolute URL/],
  ['baseUrl with query', { baseUrl: 'http://127.0.0.1:8000/?x=1' }, 'baseUrl', /query string/],
  [
    'negative retry total',
    { retrySettings: { total: -1 } },
    'retrySettings.total',
    /must not be negative/,
  ],
  [
    'fractional retry total',
    { retrySettings: { total: 1.5 } },
    'retrySettings.total',
    /whole number/,
  ],
  [
    'retry total as text',
    { retrySettings: { total: 'three' } },
    'retrySettings.total',
    /whole number/,
  ],
  [
    'negative backoff',
    { retrySettings: { backoffFactor: -5 } },
    'retrySettings.backoffFactor',
    /negative/,
  ],
  [
    'status 99',
    { retrySettings: { statusForcelist: [99] } },
    'retrySettings.statusForcelist',
    /100 and 599/,
  ],
  [
    'status 600',
    { retrySettings: { statusForcelist: [500, 600] } },
    'retrySettings.statusForcelist',
    /100 and 599/,
  ],
  [
    'forcelist not a list',
    { retrySettings: { statusForcelist: 503 } },
    'retrySettings.statusForcelist',
    /list/,
  ],
  [
    'unknown retry key',
    { retrySettings: { max_retries: 3 } },
    'retrySettings.max_retries',
    /not a Blue Button setting/,
  ],
  ['typo in a key', { clientSecert: 'x' }, 'clientSecert', /did you mean clientSecret\?/],
  ['zero timeout', { timeoutMs: 0 }, 'timeoutMs', /must be positive/],
  ['timeout as words', { timeoutMs: 'thirty seconds' }, 'timeoutMs', /whole number/],
  [
    'tokenRefreshOnExpire not boolean',
    { tokenRefreshOnExpire: 'yes' },
    'tokenRefreshOnExpire',
    /true or false/,
  ],
  [
    'scope with spaces inside the list',
    { scopes: ['patient/Patient.rs profile'] },
    'scopes',
    /without spaces/,
  ],
  ['empty scope list', { scopes: [] }, 'scopes', /must not be empty/],
  ['unsupported lang', { lang: 'fr' }, 'lang', /"en" or "es" \(got "fr"\)/],
  ['pageConcurrency 0', { pageConcurrency: 0 }, 'pageConcurrency', /at least 1/],
  ['short session secret', { session: { secret: 'short' } }, 'session.secret', /at least 32/],
  ['relative login route', { routes: { login: 'login' } }, 'routes.login', /absolute path/],
  [
    'protocol-relative redirect',
    { routes: { successRedirect: '//evil.example/' } },
    'routes.successRedirect',
    /path on this app/,
  ],
  [
    'cookie sessions in PRODUCTION without a secret',
    { environment: 'PRODUCTION', callbackUrl: 'https://x.example/cb', routes: true },
    'session.secret',
    /required in PRODUCTION/,
  ],
  ['tokenKey not a function', { tokenKey: 'user.id' }, 'tokenKey', /must be a function/],
];

describe('bad configuration', () => {
  it.each(BAD.map(([desc, patch, key, reason]) => ({ desc, patch, key, reason })))(
    '$desc → names $key',
    ({ patch, key, reason }) => {
      const err = configError({ ...VALID, ...patch });
      const issue = err.issues.find(i => i.key === key);
      expect(issue, `issues were ${JSON.stringify(err.issues)}`).toBeDefined();
      expect(issue!.reason).toMatch(reason);
      expect(err.message).toContain(`  - ${key}: `);
    },
  );

  it('lists every bad key in one error, spelled as in the file, and names the file', () => {
    const path = write(
      'bad.json',
      JSON.stringify({
        client_id: '',
        client_secret: SECRET,
        callback_url: 'relative/callback',
        version: 'banana',
        retry_settings: { backoff_factor: -1, status_forcelist: [42] },
        client_secrett: SECRET, // a mistyped duplicate: its value must not be echoed
      }),
    );
    const err = configError(path);
    expect(err.source).toBe(path);
    expect(err.message.split('\n')[0]).toBe(`Invalid Blue Button configuration (from ${path}):`);
    expect(err.issues.map(i => i.key).sort()).toEqual(
      [
        'callback_url',
        'client_id',
        'client_secrett',
        'retry_settings.backoff_factor',
        'retry_settings.status_forcelist',
        'version',
      ].sort(),
    );
    expect(err.issues.find(i => i.key === 'client_secrett')!.reason).toMatch(
      /did you mean client_secret\?/,
    );
  });

  it('rejects the same key given in both spellings', () => {
    const err = configError({ ...VALID, client_id: 'other' });
    expect(err.issues).toEqual([
      { key: 'client_id', reason: 'is given twice (also as clientId); keep one' },
    ]);
  });

  it('never echoes the secret, even when it is pasted into another key', () => {
    const err = configError({ ...VALID, lang: SECRET, environment: SECRET });
    expect(err.issues.map(i => i.key).sort()).toEqual(['environment', 'lang']);
  });

  it.each([
    ['a long secret, cut at any length', 'x'.repeat(30) + SECRET + 'y'.repeat(30)],
    ['a short secret', 'Zq7-secret'],
  ])('shows no part of %s pasted into an enumerated key, in any letter case', (_, secret) => {
    const err = configError({ ...VALID, clientSecret: secret, lang: secret, environment: secret });
    const rendered = [err.message, JSON.stringify(err), inspect(err)].join('\n').toLowerCase();
    // Any 8 consecutive characters of the secret would be a leak (environment is upper-cased).
    for (let i = 0; i + 8 <= secret.length; i++)
      expect(rendered).not.toContain(secret.slice(i, i + 8).toLowerCase());
    expect(err.issues.find(i => i.key === 'lang')?.reason).toMatch(/got a \d+-character string/);
  });
});

describe('config files that cannot be used', () => {
  it('missing file', () => {
    const path = join(dir, 'absent.json');
    expect(configError(path).message).toBe(`Blue Button config file ${path} is not found`);
  });

  it('a directory instead of a file', () => {
    const path = join(dir, 'folder.json');
    mkdirSync(path);
    expect(configError(path).message).toBe(
      `Blue Button config file ${path} is a directory, not a file`,
    );
  });

  it('unsupported extension', () => {
    const path = write('config.toml', 'x = 1');
    expect(configError(path).message).toMatch(
      /Unsupported Blue Button config file .*config\.toml: use a \.json, \.yaml or \.yml file/,
    );
  });

  it('malformed JSON: the path and position, but no quote of the file', () => {
    const path = write('broken.json', `{\n  "client_secret": "${SECRET}",\n  "client_id": oops\n}`);
    expect(configError(path).message).toBe(
      `Malformed JSON in Blue Button config file ${path} at line 3, column 16`,
    );
  });

  it('malformed YAML: the path, position and reason, but no snippet', () => {
    const path = write('broken.yaml', `client_secret: "${SECRET}"\n  client_id: [oops\n`);
    expect(configError(path).message).toMatch(
      new RegExp(
        `^Malformed YAML in Blue Button config file ${path.replace(/[.]/g, '\\.')} at line \\d+, column \\d+: .+`,
      ),
    );
  });

  it('a file that is not an object', () => {
    const path = write('list.yaml', '- a\n- b\n');
    expect(configError(path).message).toMatch(/must contain an object of settings/);
  });

  it('an empty file', () => {
    const path = write('empty.json', '   \n');
    expect(configError(path).message).toBe(`Blue Button config file ${path} is empty`);
  });
});
