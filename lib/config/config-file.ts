import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { BlueButtonConfigError } from '../errors/bluebutton.errors.js';
import { jsonErrorPosition } from './json-error-position.js';

type Plain = Record<string, unknown>;

/** The files read, in order, from the working directory when no configuration is given. */
export const DEFAULT_CONFIG_FILES: readonly string[] = Object.freeze([
  '.bluebutton-config.json',
  '.bluebutton-config.yaml',
]);

/** The two sources of settings: the options object, and the file it names or the default file. */
export interface ConfigSources {
  /** The options object, without `configFile`. */
  options: Plain;
  /** The settings read from the file (empty when none is read). */
  file: Plain;
  /** The absolute path of the file read, if any. */
  path?: string;
}

/**
 * Splits what `forRoot` was given (an object, a file path, or nothing) into its two sources and
 * reads the file: the one `configFile` names, or, when nothing at all is given, the first of
 * {@link DEFAULT_CONFIG_FILES} found in `cwd`.
 */
export function readConfigSources(input: unknown, cwd: string): ConfigSources {
  if (typeof input !== 'string' && input != null && !isPlainObject(input)) {
    throw fileError('Blue Button options must be an object or a config file path');
  }
  const options: Plain =
    typeof input === 'string' ? { configFile: input } : { ...(input as Plain | null | undefined) };
  const configFile = options.configFile ?? options.config_file;
  delete options.configFile;
  delete options.config_file;
  if (configFile !== undefined && typeof configFile !== 'string') {
    throw new BlueButtonConfigError([{ key: 'configFile', reason: 'must be a file path string' }]);
  }
  if (configFile) {
    const path = resolve(cwd, configFile);
    return { options, file: readConfigFile(path), path };
  }
  if (Object.keys(options).length > 0) return { options, file: {} };
  const path = DEFAULT_CONFIG_FILES.map(f => resolve(cwd, f)).find(f => existsSync(f));
  if (!path) {
    throw fileError(
      `No Blue Button configuration: pass options to BlueButtonModule.forRoot(), or create ${DEFAULT_CONFIG_FILES.join(' or ')} in ${cwd}`,
    );
  }
  return { options, file: readConfigFile(path), path };
}

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Largest config file read. A complete configuration is well under 2 KB; 64 KiB leaves room for
 * comments and still stops a path that points at something huge or endless (`/dev/zero`, a log).
 */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024;
/**
 * Most values a YAML file may expand to once its aliases are followed. A configuration has a few
 * dozen; an alias bomb ("billion laughs") reaches billions, and every step after parsing walks them.
 */
export const MAX_CONFIG_VALUES = 10_000;
/** Aliases accepted in one YAML file: a config has no use for more. */
const MAX_YAML_ALIASES = 100;

/**
 * Reads and parses a `.json`, `.yaml` or `.yml` config file: a regular file only (not a device, FIFO
 * or directory), at most {@link MAX_CONFIG_FILE_BYTES}, with or without a byte-order mark. Every
 * failure is a `BlueButtonConfigError` that names the path and never quotes the file's content.
 */
export function readConfigFile(path: string): Plain {
  const ext = extname(path).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(ext)) {
    throw fileError(`Unsupported Blue Button config file ${path}: use a .json, .yaml or .yml file`);
  }
  const text = readBounded(path).replace(/^\uFEFF/, '');
  if (!text.trim()) throw fileError(`Blue Button config file ${path} is empty`);
  const parsed = ext === '.json' ? parseJson(text, path) : parseYaml(text, path);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw fileError(
      `Blue Button config file ${path} must contain an object of settings (client_id, client_secret, callback_url...)`,
    );
  }
  return parsed as Plain;
}

/** The file's text, refusing anything but a regular file of bounded size (checked before reading). */
function readBounded(path: string): string {
  let text: string;
  try {
    // stat follows symlinks: a link to /dev/zero is judged by what it points at, and a FIFO is
    // refused before an open that would block the boot.
    const stat = statSync(path);
    if (stat.isDirectory())
      throw fileError(`Blue Button config file ${path} is a directory, not a file`);
    if (!stat.isFile()) {
      throw fileError(
        `Blue Button config file ${path} is not a regular file (a device, FIFO or socket); point configFile at a .json or .yaml file`,
      );
    }
    if (stat.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(path);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof BlueButtonConfigError) throw e;
    throw fileError(`Blue Button config file ${path} is ${ioProblem(e)}`);
  }
  // A file that grew between the two calls, or reports no size (procfs), is bounded here too.
  if (Buffer.byteLength(text) > MAX_CONFIG_FILE_BYTES) throw tooLarge(path);
  return text;
}

function ioProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'not found'
    : code === 'EACCES' || code === 'EPERM'
      ? 'unreadable (permission denied)'
      : code === 'EISDIR'
        ? 'a directory, not a file'
        : `unreadable (${code ?? 'I/O error'})`;
}

function tooLarge(path: string): BlueButtonConfigError {
  return fileError(
    `Blue Button config file ${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes: not a Blue Button configuration`,
  );
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // V8's message quotes part of the file (which may hold the secret): report a position only.
    const where = lineColumn(text, jsonErrorPosition(text));
    throw fileError(`Malformed JSON in Blue Button config file ${path} at ${where}`);
  }
}

function parseYaml(text: string, path: string): unknown {
  let parsed: unknown;
  try {
    parsed = loadYaml(text);
  } catch (e) {
    // js-yaml's message includes a snippet of the file, and some reasons quote it (an alias or
    // tag name, which can be the secret written in the wrong place): keep a safe reason and the position.
    const y = e as { reason?: unknown; mark?: { line: number; column: number } };
    const where = y.mark ? ` at line ${y.mark.line + 1}, column ${y.mark.column + 1}` : '';
    const reason = typeof y.reason === 'string' ? `: ${safeYamlReason(y.reason)}` : '';
    throw fileError(`Malformed YAML in Blue Button config file ${path}${where}${reason}`);
  }
  if (!withinValueBudget(parsed, MAX_CONFIG_VALUES)) {
    throw fileError(
      `Blue Button config file ${path} expands to more than ${MAX_CONFIG_VALUES} values through YAML aliases: not a Blue Button configuration`,
    );
  }
  return parsed;
}

/**
 * js-yaml, loaded on the first YAML file: most apps configure from an object or JSON, and every
 * megabyte a booted app does not need counts when it streams a 20,000-claim history.
 */
function loadYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  return yaml.load(text, { maxAliases: MAX_YAML_ALIASES });
}

/** A js-yaml reason without the names it quotes from the file (aliases, tags, handles). */
export function safeYamlReason(reason: string): string {
  return reason
    .replace(/"[^"]*"/g, '"…"')
    .replace(/!<[^>]*>/g, '!<…>')
    .replace(/(such characters):.*$/, '$1')
    .replace(/for tag \S+/, 'for this tag')
    .replace(/![^\s,]*/g, m => (m === '!<…>' ? m : '!…'))
    .slice(0, 120);
}

/**
 * Whether `value` has at most `budget` values once shared references (YAML aliases) are counted
 * every time they occur — i.e. as the processing after parsing would see it. Stops counting at the
 * budget, so an alias bomb costs `budget` steps.
 */
function withinValueBudget(value: unknown, budget: number): boolean {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length) {
    const v = stack.pop();
    if (++count > budget) return false;
    if (v && typeof v === 'object') {
      for (const child of Object.values(v as object)) stack.push(child);
    }
  }
  return true;
}

function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function fileError(message: string): BlueButtonConfigError {
  return new BlueButtonConfigError([], undefined, message);
}
