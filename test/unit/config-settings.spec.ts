import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueButtonConfigError, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { CONFIG_DEFAULTS } from '../../lib/config/config.defaults.js';
import { resolveBlueButtonConfig } from '../../lib/config/config.loader.js';

/**
 * The settings read from every declaration alike: snake_case names, values as env vars and YAML
 * give them, the settings added since the first release, and defaults nobody can change.
 */

const VALID = {
  clientId: 'client-id-abc',
  clientSecret: 'S3cr3t-client-secret-value-0123456789',
  callbackUrl: 'http://localhost:3000/bluebutton/callback',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bb-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Level = Record<string, unknown>;
const isLevel = (v: unknown): v is Level => !!v && typeof v === 'object' && !Array.isArray(v);
const snake = (key: string) => key.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);

/** Each default changed to another valid value: numbers less one, booleans negated, lists doubled. */
function changed(level: Level): Level {
  return Object.fromEntries(
    Object.entries(level).map(([k, v]) => [
      k,
      typeof v === 'number'
        ? v - 1
        : typeof v === 'boolean'
          ? !v
          : Array.isArray(v)
            ? [...v, ...v]
            : isLevel(v)
              ? changed(v)
              : v,
    ]),
  );
}

/** A level as the Python SDK's files and env vars write it: snake_case keys, scalars as strings. */
function asWritten(level: Level): Level {
  return Object.fromEntries(
    Object.entries(level).map(([k, v]) => [
      snake(k),
      isLevel(v) ? asWritten(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
    ]),
  );
}

it('reads every setting that has a default under its snake_case name, its value as a string', () => {
  const expected = changed(CONFIG_DEFAULTS as unknown as Level);
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...asWritten(VALID), ...asWritten(expected) }));
  expect({ ...resolveBlueButtonConfig(path) }).toMatchObject(expected);
});

function issues(options: Record<string, unknown>): Array<{ key: string; reason: string }> {
  try {
    resolveBlueButtonConfig({ ...VALID, ...options } as BlueButtonModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(BlueButtonConfigError);
    return (error as BlueButtonConfigError).issues;
  }
  throw new Error('no BlueButtonConfigError');
}

it.each([
  [{ max_response_bytes: 100 }, 'max_response_bytes', 'must be at least 1024 (1 KiB)'],
  [{ maxResponseBytes: '2 MB' }, 'maxResponseBytes', 'must be a whole number of bytes'],
  [{ maxPages: 0 }, 'maxPages', 'must be at least 1'],
  [{ max_pages: 2.5 }, 'max_pages', 'must be a whole number of pages'],
  [{ strict: 'yes' }, 'strict', 'must be true or false'],
  [{ session: { cookie_name: 'a b' } }, 'session.cookie_name', /1-64 letters/],
  [{ session: { ttlMs: '1000' } }, 'session.ttlMs', /at least 60000/],
  [{ routes: { version: '' } }, 'routes.version', /must be a version/],
  [{ baseUrl: 'http://127.0.0.1:8000/?x=1' }, 'baseUrl', 'must not contain a query string'],
])('names a bad value of %j as spelled', (options, key, reason) => {
  const found = issues(options);
  expect(found.map(i => i.key)).toEqual([key]);
  expect(found[0].reason).toMatch(reason);
});

const tokenKey = () => 'user-1';

it('takes the settings added since the first release from an object', () => {
  const config = resolveBlueButtonConfig({
    ...VALID,
    strict: true,
    maxResponseBytes: 2048,
    maxPages: 3,
    routes: { version: '2' },
    middleware: false,
    session: { cookieName: 'bb', ttlMs: 120_000 },
    tokenKey,
  });
  expect(config).toMatchObject({
    strict: true,
    maxResponseBytes: 2048,
    maxPages: 3,
    routes: { login: '/bluebutton/login', version: '2' },
    middleware: false,
    session: { cookieName: 'bb', ttlMs: 120_000 },
  });
  expect(config.tokenKey).toBe(tokenKey);
});

it('counts a key written without a value (YAML `total:`) as not given', () => {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    'client_id: id\nclient_secret: s\ncallback_url: http://a.example/cb\nretry_settings:\n  total:\nmax_pages:\n',
  );
  const config = resolveBlueButtonConfig(path);
  expect([config.retrySettings.total, config.maxPages]).toEqual([3, 1000]);
});

/** The paths under `value` of objects that are not frozen. */
function frozenThroughout(value: unknown, path = 'CONFIG_DEFAULTS'): string[] {
  if (!value || typeof value !== 'object') return [];
  return [
    ...(Object.isFrozen(value) ? [] : [path]),
    ...Object.entries(value).flatMap(([k, v]) => frozenThroughout(v, `${path}.${k}`)),
  ];
}

describe('defaults and configurations cannot be changed', () => {
  it('CONFIG_DEFAULTS is frozen all the way down', () => {
    expect(frozenThroughout(CONFIG_DEFAULTS)).toEqual([]);
    expect(() => {
      (CONFIG_DEFAULTS.retrySettings.statusForcelist as number[]).push(429);
    }).toThrow(TypeError);
  });

  it('a configuration shares no list with the options it came from, the defaults or another one', () => {
    const scopes = ['openid'];
    const first = resolveBlueButtonConfig({ ...VALID, scopes, routes: true });
    const second = resolveBlueButtonConfig({ ...VALID, scopes, routes: true });
    scopes.push('profile');
    expect(first.scopes).toEqual(['openid']);
    expect(frozenThroughout(first, 'config')).toEqual([]);
    expect(first.retrySettings.statusForcelist).not.toBe(second.retrySettings.statusForcelist);
    expect(first.retrySettings.statusForcelist).not.toBe(
      CONFIG_DEFAULTS.retrySettings.statusForcelist,
    );
  });
});
