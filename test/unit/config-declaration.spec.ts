import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { BlueButtonOptionsDto } from '../../lib/config/bluebutton-options.dto.js';
import { CONFIG_DEFAULTS } from '../../lib/config/config.defaults.js';
import { settingKeys, settingsGroupOf } from '../../lib/config/setting-metadata.js';
import type { SettingsClass } from '../../lib/config/setting.decorators.js';

/**
 * A setting is declared once, in BlueButtonOptionsDto (or the group class it belongs to). These
 * tests fail when what is written by hand beside it drifts: the TSDoc defaults of the options
 * interface users type, and the configuration table of the docs. That the interface and
 * BlueButtonConfig have the declared keys is checked by config-every-setting.spec.ts.
 */

const root = resolve(import.meta.dirname, '../..');

/** Every declared setting: its dotted path, the class declaring it, and whether it is a group. */
function declared(settings: SettingsClass = BlueButtonOptionsDto, prefix = '') {
  const out: Array<{ path: string; key: string; owner: SettingsClass; group?: SettingsClass }> = [];
  for (const key of settingKeys(settings)) {
    const group = settingsGroupOf(settings, key);
    out.push({ path: prefix + key, key, owner: settings, group });
    if (group) out.push(...declared(group, `${prefix}${key}.`));
  }
  return out;
}

/** The declared default at a dotted path (a group's entry is its keys' defaults). */
function defaultAt(path: string): unknown {
  return path.split('.').reduce<any>((level, key) => level?.[key], CONFIG_DEFAULTS);
}

/** The words a text must contain to state a default: each element of a list, or the value. */
function defaultTokens(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function states(text: string, token: string): boolean {
  const escaped = token.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`(?<![\\w/])${escaped}(?![\\w/])`).test(text.replace(/(\d)[_,](?=\d)/g, '$1'));
}

it('accepts from users only values the options interface lets them type (tsc)', () => {
  expectTypeOf<BlueButtonOptionsDto>().toExtend<BlueButtonModuleOptions>();
});

describe('the options interface (bluebutton-options.interface.ts)', () => {
  const source = readFileSync(resolve(root, 'lib/config/bluebutton-options.interface.ts'), 'utf8');
  /** interface name → its properties: name → { type, doc }. */
  const interfaces = new Map(
    [...source.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)].map(([, name, body]) => [
      name,
      new Map(
        [...body.matchAll(/(?:\/\*\*([\s\S]*?)\*\/\s*)?\n {2}(\w+)\??: ([^;]+);/g)].map(
          ([, doc, key, type]) => [key, { type, doc: (doc ?? '').replace(/\n\s*\* ?/g, ' ') }],
        ),
      ),
    ]),
  );
  /** The interface a settings class corresponds to: the root one, or the one a group key is typed with. */
  function interfaceOf(settings: SettingsClass): Map<string, { type: string; doc: string }> {
    if (settings === BlueButtonOptionsDto) return interfaces.get('BlueButtonModuleOptions')!;
    const parent = declared().find(s => s.group === settings)!;
    const type: string = interfaceOf(parent.owner).get(parent.key)!.type;
    const name = type.match(/\w+/g)!.find(word => interfaces.has(word))!;
    return interfaces.get(name)!;
  }

  it("states each setting's declared default in its TSDoc", () => {
    for (const { path, key, owner, group } of declared()) {
      const value = defaultAt(path);
      if (group || value === undefined) continue;
      const doc = interfaceOf(owner).get(key)!.doc;
      const stated = doc.slice(doc.indexOf('Default'));
      expect(doc, `${path}'s TSDoc should say "Default …"`).toContain('Default');
      for (const token of defaultTokens(value))
        expect(states(stated, token), `${path}'s TSDoc should state its default ${token}`).toBe(
          true,
        );
    }
  });
});

it('gives every setting a rule besides being optional', () => {
  for (const { path, key, owner } of declared()) {
    const rules = getMetadataStorage()
      .getTargetValidationMetadatas(owner, '', true, false)
      .filter(r => r.propertyName === key && r.type !== ValidationTypes.CONDITIONAL_VALIDATION);
    expect(rules.length, path).toBeGreaterThan(0);
  }
});

/** The Markdown files under `dir`, without dependencies and the generated API pages. */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? ['node_modules', 'api'].includes(entry.name)
        ? []
        : markdownFiles(join(dir, entry.name))
      : entry.name.endsWith('.md')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The cells of a Markdown table row (an escaped pipe inside a cell is not a separator). */
const cells = (line: string) =>
  line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map(c => c.trim());

describe('the configuration table of the docs (README.md or docs/**/*.md)', () => {
  const files = [resolve(root, 'README.md'), ...markdownFiles(resolve(root, 'docs'))].filter(f =>
    existsSync(f),
  );
  /** Rows of every table whose first column is a key, option or setting, with its default column. */
  const rows = files.flatMap(file => {
    const tables = readFileSync(file, 'utf8').match(/(?:^\|.*\|[ \t]*\n?)+/gm) ?? [];
    return tables.flatMap(table => {
      const [header, , ...body] = table.trim().split('\n').map(cells);
      if (!/^(keys?|options?|settings?)\b/i.test(header[0] ?? '')) return [];
      const defaultColumn = header.findIndex(h => /default/i.test(h));
      return body.map(row => ({
        names: [...row[0].matchAll(/`([^`]+)`/g)].map(m => m[1]),
        text: row.join(' '),
        default: defaultColumn > 0 ? row[defaultColumn] : undefined,
      }));
    });
  });

  it('exists', () => {
    expect(
      rows.length,
      'no table whose first column is "key" in README.md or docs/',
    ).toBeGreaterThan(0);
  });

  it('documents every setting: a row of its own, or a mention in the row of its group', () => {
    const missing = declared().filter(({ path, key }) => {
      const group = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : undefined;
      return !rows.some(
        r =>
          r.names.includes(path) ||
          // a group documented by the rows of its keys (`retrySettings.total`…)
          r.names.some(name => name.startsWith(`${path}.`)) ||
          (group && r.names.includes(group) && new RegExp(`\\b${key}\\b`).test(r.text)),
      );
    });
    expect(missing.map(s => s.path)).toEqual([]);
  });

  it('shows the declared default wherever its default column gives a value in `code`', () => {
    for (const { path, group } of declared()) {
      const value = defaultAt(path);
      if (group || value === undefined) continue;
      for (const row of rows.filter(r => r.names.includes(path) && /`/.test(r.default ?? ''))) {
        for (const token of defaultTokens(value))
          expect(states(row.default!, token), `${path}: "${row.default}" vs ${token}`).toBe(true);
      }
    }
  });
});
