import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';
import { BlueButtonConfig } from './bluebutton-config.js';
import type { BlueButtonModuleOptions } from './bluebutton-options.interface.js';
import { BlueButtonOptionsDto, KNOWN_KEYS } from './bluebutton-options.dto.js';
import { readConfigFile } from './config-file.js';
import {
  collectIssues,
  scrubSecret,
  shownKeyName,
  spell,
  suggest,
  type Spelling,
} from './config-issues.js';
import { middlewareScope } from './route-options.js';
import { CONFIG_DEFAULTS, DEFAULT_CONFIG_FILES, ENVIRONMENT_BASE_URLS } from './config.defaults.js';

type Plain = Record<string, unknown>;

const NESTED = ['retrySettings', 'routes', 'middleware', 'session'] as const;
const NUMERIC_KEYS = new Set([
  'version',
  'timeoutMs',
  'refreshSkewMs',
  'pageConcurrency',
  'maxResponseBytes',
  'maxPages',
  'retrySettings.total',
  'retrySettings.backoffFactor',
  'session.ttlMs',
]);

/**
 * Turns what the user gave `forRoot`/`forRootAsync` (an object, a file path, or nothing) into a
 * validated {@link BlueButtonConfig}, or throws one {@link BlueButtonConfigError} listing every problem.
 */
export function resolveBlueButtonConfig(
  input?: BlueButtonModuleOptions | string | null,
  cwd: string = process.cwd(),
): BlueButtonConfig {
  const options: Plain =
    typeof input === 'string' ? { configFile: input } : { ...((input ?? {}) as Plain) };
  if (
    typeof input !== 'string' &&
    input != null &&
    (typeof input !== 'object' || Array.isArray(input))
  ) {
    throw new BlueButtonConfigError(
      [],
      undefined,
      'Blue Button options must be an object or a config file path',
    );
  }
  const configFile = options.configFile ?? options.config_file;
  delete options.configFile;
  delete options.config_file;
  if (configFile !== undefined && typeof configFile !== 'string') {
    throw new BlueButtonConfigError([{ key: 'configFile', reason: 'must be a file path string' }]);
  }

  let filePath: string | undefined;
  let fromFile: Plain = {};
  if (configFile) {
    filePath = resolve(cwd, configFile);
    fromFile = readConfigFile(filePath);
  } else if (Object.keys(options).length === 0) {
    filePath = DEFAULT_CONFIG_FILES.map(f => resolve(cwd, f)).find(f => existsSync(f));
    if (!filePath) {
      throw new BlueButtonConfigError(
        [],
        undefined,
        `No Blue Button configuration: pass options to BlueButtonModule.forRoot(), or create ${DEFAULT_CONFIG_FILES.join(' or ')} in ${cwd}`,
      );
    }
    fromFile = readConfigFile(filePath);
  }

  const issues: ConfigIssue[] = [];
  const spelling: Spelling = new Map();
  // Known before validation, so that no key name that is (part of) the secret is ever shown.
  const secret = [options, fromFile]
    .map(level => level.clientSecret ?? level.client_secret)
    .find(v => typeof v === 'string');
  const merged = mergeLevels(
    normalizeLevel(fromFile, '', spelling, issues, secret),
    normalizeLevel(options, '', spelling, issues, secret),
  );
  coerce(merged);

  const dto = plainToInstance(BlueButtonOptionsDto, merged);
  for (const error of validateSync(dto, { forbidUnknownValues: false })) {
    collectIssues(error, '', spelling, issues, merged.clientSecret);
  }
  const baseUrl = typeof merged.baseUrl === 'string' ? merged.baseUrl : undefined;
  if (baseUrl && !issues.some(i => i.key === spell(spelling, 'baseUrl'))) {
    const u = new URL(baseUrl);
    if (u.search)
      issues.push({ key: spell(spelling, 'baseUrl'), reason: 'must not contain a query string' });
  }
  if (
    merged.version === 3 &&
    !merged.scopes &&
    !issues.some(i => i.key === spell(spelling, 'scopes'))
  ) {
    issues.push({
      key: spell(spelling, 'scopes'),
      reason:
        'is required when version is 3: Blue Button refuses a v3 authorization without scope. List the scopes to ask for, e.g. "openid profile patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs"',
    });
  }
  const routesOn = merged.routes !== undefined;
  const session = (merged.session ?? {}) as Plain;
  if (merged.environment === 'PRODUCTION' && routesOn && !merged.tokenKey && !session.secret) {
    issues.push({
      key: spell(spelling, 'session.secret'),
      reason:
        'is required in PRODUCTION when the built-in routes keep sessions in a cookie (or give tokenKey to use your own sessions)',
    });
  }

  if (issues.length) {
    throw scrubSecret(new BlueButtonConfigError(issues, filePath), merged.clientSecret);
  }
  return buildConfig(merged, filePath);
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Renames snake_case keys, records spellings, and reports unknown or doubled keys. */
function normalizeLevel(
  level: Plain,
  prefix: string,
  spelling: Spelling,
  issues: ConfigIssue[],
  secret: unknown,
): Plain {
  const out: Plain = {};
  const known: readonly string[] = prefix
    ? KNOWN_KEYS[prefix.slice(0, -1) as keyof typeof KNOWN_KEYS]
    : KNOWN_KEYS.root;
  const spelledPrefix = prefix
    ? `${spelling.get(prefix.slice(0, -1)) ?? prefix.slice(0, -1)}.`
    : '';
  for (const [key, value] of Object.entries(level)) {
    if (value === undefined) continue;
    const name = camel(key);
    const spelled = `${spelledPrefix}${key}`;
    if (!known.includes(name)) {
      issues.push({
        key: `${spelledPrefix}${shownKeyName(key, secret)}`,
        reason: `is not a Blue Button setting${suggest(name, known, key.includes('_'))}`,
      });
      continue;
    }
    if (name in out) {
      const other = spelling.get(prefix + name);
      issues.push({ key: spelled, reason: `is given twice (also as ${other}); keep one` });
      continue;
    }
    spelling.set(prefix + name, spelled);
    const nested = (NESTED as readonly string[]).includes(name) && !prefix;
    out[name] =
      nested && value && typeof value === 'object' && !Array.isArray(value)
        ? normalizeLevel(value as Plain, `${name}.`, spelling, issues, secret)
        : value;
  }
  return out;
}

function mergeLevels(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? { ...b, ...v } : v;
  }
  return out;
}

function isPlain(v: unknown): v is Plain {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Accepts the forms env vars and YAML produce: numeric strings, "true"/"false", scope strings. */
function coerce(c: Plain): void {
  if (typeof c.environment === 'string') c.environment = c.environment.toUpperCase();
  for (const path of NUMERIC_KEYS) {
    const [a, b] = path.split('.');
    const holder = b ? (isPlain(c[a]) ? (c[a] as Plain) : undefined) : c;
    const key = b ?? a;
    const v = holder?.[key];
    if (holder && typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) holder[key] = Number(v);
  }
  for (const key of ['tokenRefreshOnExpire', 'strict']) {
    if (c[key] === 'true') c[key] = true;
    if (c[key] === 'false') c[key] = false;
  }
  if (typeof c.scopes === 'string') c.scopes = c.scopes.split(/[\s,]+/).filter(Boolean);
  if (c.routes === true) c.routes = {};
  if (c.routes === false) delete c.routes;
  if (c.middleware === true) delete c.middleware;
  if (typeof c.baseUrl === 'string') c.baseUrl = c.baseUrl.replace(/\/+$/, '');
}

function buildConfig(c: Plain, source: string | undefined): BlueButtonConfig {
  const environment =
    (c.environment as BlueButtonConfig['environment']) ?? CONFIG_DEFAULTS.environment;
  const retry = (c.retrySettings ?? {}) as Plain;
  const session = (c.session ?? {}) as Plain;
  return new BlueButtonConfig({
    environment,
    baseUrl: (c.baseUrl as string) ?? ENVIRONMENT_BASE_URLS[environment],
    version: (c.version as BlueButtonConfig['version']) ?? CONFIG_DEFAULTS.version,
    clientId: c.clientId as string,
    clientSecret: c.clientSecret as string,
    callbackUrl: c.callbackUrl as string,
    tokenRefreshOnExpire:
      (c.tokenRefreshOnExpire as boolean) ?? CONFIG_DEFAULTS.tokenRefreshOnExpire,
    retrySettings: Object.freeze({
      total: (retry.total as number) ?? CONFIG_DEFAULTS.retrySettings.total,
      backoffFactor: (retry.backoffFactor as number) ?? CONFIG_DEFAULTS.retrySettings.backoffFactor,
      statusForcelist: Object.freeze([
        ...((retry.statusForcelist as number[]) ?? CONFIG_DEFAULTS.retrySettings.statusForcelist),
      ]),
    }),
    scopes: c.scopes ? Object.freeze([...(c.scopes as string[])]) : undefined,
    lang: c.lang as BlueButtonConfig['lang'],
    strict: (c.strict as boolean) ?? CONFIG_DEFAULTS.strict,
    timeoutMs: (c.timeoutMs as number) ?? CONFIG_DEFAULTS.timeoutMs,
    refreshSkewMs: (c.refreshSkewMs as number) ?? CONFIG_DEFAULTS.refreshSkewMs,
    pageConcurrency: (c.pageConcurrency as number) ?? CONFIG_DEFAULTS.pageConcurrency,
    maxResponseBytes: (c.maxResponseBytes as number) ?? CONFIG_DEFAULTS.maxResponseBytes,
    maxPages: (c.maxPages as number) ?? CONFIG_DEFAULTS.maxPages,
    routes: c.routes
      ? Object.freeze({ ...CONFIG_DEFAULTS.routes, ...(c.routes as Plain) } as NonNullable<
          BlueButtonConfig['routes']
        >)
      : undefined,
    middleware: middlewareScope(c.middleware),
    session: {
      secret: session.secret as string | undefined,
      cookieName: (session.cookieName as string) ?? CONFIG_DEFAULTS.session.cookieName,
      ttlMs: (session.ttlMs as number) ?? CONFIG_DEFAULTS.session.ttlMs,
    },
    tokenKey: c.tokenKey as BlueButtonConfig['tokenKey'],
    source,
  });
}
