import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { BlueButtonConfigError, type ConfigIssue } from '../errors/bluebutton.errors.js';
import { BlueButtonConfig } from './bluebutton-config.js';
import type { BlueButtonModuleOptions } from './bluebutton-options.interface.js';
import { BlueButtonOptionsDto, KNOWN_KEYS } from './bluebutton-options.dto.js';
import { jsonErrorPosition } from './json-error-position.js';
import { middlewareScope } from './route-options.js';
import { CONFIG_DEFAULTS, DEFAULT_CONFIG_FILES, ENVIRONMENT_BASE_URLS } from './config.defaults.js';

type Plain = Record<string, unknown>;
/** camelCase key path → the key path as the user wrote it. */
type Spelling = Map<string, string>;

const NESTED = ['retrySettings', 'routes', 'middleware', 'session'] as const;
/** Keys whose bad values are short enumerations and safe to echo back. */
const ECHO_KEYS = new Set(['environment', 'version', 'lang']);
const NUMERIC_KEYS = new Set([
  'version',
  'timeoutMs',
  'refreshSkewMs',
  'pageConcurrency',
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
  const merged = mergeLevels(
    normalizeLevel(fromFile, '', spelling, issues),
    normalizeLevel(options, '', spelling, issues),
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

/**
 * js-yaml, loaded on the first YAML file: most apps configure from an object or JSON, and every
 * megabyte a booted app does not need counts when it streams a 20,000-claim history.
 */
function loadYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  return yaml.load(text);
}

function readConfigFile(path: string): Plain {
  const ext = extname(path).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(ext)) {
    throw new BlueButtonConfigError(
      [],
      undefined,
      `Unsupported Blue Button config file ${path}: use a .json, .yaml or .yml file`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'not found'
        : code === 'EACCES' || code === 'EPERM'
          ? 'unreadable (permission denied)'
          : code === 'EISDIR'
            ? 'a directory, not a file'
            : `unreadable (${code ?? 'I/O error'})`;
    throw new BlueButtonConfigError([], undefined, `Blue Button config file ${path} is ${why}`);
  }
  if (!text.trim()) {
    throw new BlueButtonConfigError([], undefined, `Blue Button config file ${path} is empty`);
  }
  let parsed: unknown;
  if (ext === '.json') {
    try {
      parsed = JSON.parse(text);
    } catch {
      // V8's message quotes part of the file (which may hold the secret): report a position only.
      const where = lineColumn(text, jsonErrorPosition(text));
      throw new BlueButtonConfigError(
        [],
        undefined,
        `Malformed JSON in Blue Button config file ${path} at ${where}`,
      );
    }
  } else {
    try {
      parsed = loadYaml(text);
    } catch (e) {
      // js-yaml's full message includes a snippet of the file; keep only the reason and position.
      const y = e as { reason?: string; mark?: { line: number; column: number } };
      const where = y.mark ? ` at line ${y.mark.line + 1}, column ${y.mark.column + 1}` : '';
      throw new BlueButtonConfigError(
        [],
        undefined,
        `Malformed YAML in Blue Button config file ${path}${where}${y.reason ? `: ${y.reason}` : ''}`,
      );
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BlueButtonConfigError(
      [],
      undefined,
      `Blue Button config file ${path} must contain an object of settings (client_id, client_secret, callback_url...)`,
    );
  }
  return parsed as Plain;
}

function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
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
        key: spelled,
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
        ? normalizeLevel(value as Plain, `${name}.`, spelling, issues)
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
  if (c.tokenRefreshOnExpire === 'true') c.tokenRefreshOnExpire = true;
  if (c.tokenRefreshOnExpire === 'false') c.tokenRefreshOnExpire = false;
  if (typeof c.scopes === 'string') c.scopes = c.scopes.split(/[\s,]+/).filter(Boolean);
  if (c.routes === true) c.routes = {};
  if (c.routes === false) delete c.routes;
  if (c.middleware === true) delete c.middleware;
  if (typeof c.baseUrl === 'string') c.baseUrl = c.baseUrl.replace(/\/+$/, '');
}

function collectIssues(
  error: ValidationError,
  prefix: string,
  spelling: Spelling,
  issues: ConfigIssue[],
  secret: unknown,
): void {
  const path = prefix + error.property;
  if (error.constraints) {
    // A missing key gets one reason, "is required…", rather than every rule it trivially fails.
    const required =
      error.value === undefined
        ? Object.values(error.constraints).find(r => r.startsWith('is required'))
        : undefined;
    const reasons = required ? [required] : [...new Set(Object.values(error.constraints))];
    let reason = reasons.join('; ');
    if (ECHO_KEYS.has(path) && error.value !== undefined) reason += echo(error.value, secret);
    issues.push({ key: spell(spelling, path), reason });
  }
  for (const child of error.children ?? [])
    collectIssues(child, `${path}.`, spelling, issues, secret);
}

/**
 * ` (got "SANDBOXX")` for a value that looks like a mistyped enumeration. Anything long, unusual or
 * overlapping the client secret (in any case — `environment` is upper-cased before validation) is
 * described, not shown: a secret pasted into the wrong key must not reach the message, even in part.
 */
function echo(value: unknown, secret: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return ` (got ${String(value)})`;
  if (typeof value !== 'string') return ` (got ${Array.isArray(value) ? 'a list' : typeof value})`;
  const s = typeof secret === 'string' ? secret.toLowerCase() : '';
  const v = value.toLowerCase();
  const overlaps = s.length > 0 && v.length >= 4 && (s.includes(v) || v.includes(s));
  if (!/^[\w.-]{0,16}$/.test(value) || overlaps) return ` (got a ${value.length}-character string)`;
  return ` (got ${JSON.stringify(value)})`;
}

/** The key path as the user wrote it; an absent key follows the spelling style the user used. */
function spell(spelling: Spelling, path: string): string {
  if (spelling.has(path)) return spelling.get(path)!;
  const dot = path.lastIndexOf('.');
  const last = dot > 0 ? path.slice(dot + 1) : path;
  const snake = [...spelling.values()].some(k => k.includes('_'));
  const name = snake ? last.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`) : last;
  return dot > 0 ? `${spell(spelling, path.slice(0, dot))}.${name}` : name;
}

function suggest(name: string, known: readonly string[], snakeCase: boolean): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (!best) return '';
  return ` (did you mean ${snakeCase ? best.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`) : best}?)`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Last line of defence: the secret never appears in an error, even if it was mistyped elsewhere. */
function scrubSecret(error: BlueButtonConfigError, secret: unknown): BlueButtonConfigError {
  if (typeof secret !== 'string' || secret.length < 4 || !error.message.includes(secret))
    return error;
  const issues = error.issues.map(i => ({
    key: i.key,
    reason: i.reason.split(secret).join('[redacted]'),
  }));
  return new BlueButtonConfigError(issues, error.source);
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
    timeoutMs: (c.timeoutMs as number) ?? CONFIG_DEFAULTS.timeoutMs,
    refreshSkewMs: (c.refreshSkewMs as number) ?? CONFIG_DEFAULTS.refreshSkewMs,
    pageConcurrency: (c.pageConcurrency as number) ?? CONFIG_DEFAULTS.pageConcurrency,
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
