import {
  ACT_CODE,
  FINAL_ACTION,
  finalAction,
  SHARED_SOURCES as SHARED,
  SYSTEM_TYPE,
} from '../data/claim-source.js';
import type { ClaimHeader } from '../data/claims.js';
import type { AccessToken } from '../core/oauth-store.js';
import type { SearchQuery } from './params.js';

/** BFD v3's `MetaSourceSk` displays, in its declaration order. */
const SOURCES = ['DDPS', 'NCH', 'MCS', 'VMS', 'FISS', 'CWF'] as const;

/** The filters BFD v3 applies to one EOB search (each list an AND of OR groups). */
export interface V3EobFilter {
  sources: string[][];
  /** Each OR group: sources a System-Type tag stands for, or a Final-Action code. */
  tags: Array<Array<{ sources: readonly string[] } | { finalAction: string }>>;
  excludeSamhsa: boolean;
}

/**
 * The parameters BB2 adds to a v3 EOB search before calling BFD (`generic.py`): the SAMHSA
 * exclusion the beneficiary chose at consent, `_source=DDPS` (and no `_tag`) for Part-D-only
 * apps, otherwise `_source=NCH,DDPS` when the raw query mentions neither `_tag` nor `_source`
 * (a substring test, as `determine_eob_search_parameter_to_add` does).
 */
export function bb2V3Parameters(
  q: SearchQuery,
  token: AccessToken,
  rawQuery: string,
): { tags: string[]; sources: string[]; securityNot?: string; added: Array<[string, string]> } {
  const added: Array<[string, string]> = [];
  let securityNot = q.securityNot;
  if (!token.shareSamhsa) {
    securityNot = '42CFRPart2';
    added.push(['_security:not', securityNot]);
  }
  let { tags, sources } = q;
  if (token.partDEobOnly) {
    sources = ['DDPS'];
    tags = [];
    added.push(['_source', 'DDPS']);
  } else if (!rawQuery.includes('_tag') && !rawQuery.includes('_source')) {
    sources = ['NCH,DDPS'];
    added.push(['_source', 'NCH,DDPS']);
  }
  return { tags, sources, securityNot, added };
}

type Parsed<T> = T | { diagnostics: string };

function parseSources(values: readonly string[]): Parsed<string[][]> {
  const groups: string[][] = [];
  for (const v of values) {
    const group: string[] = [];
    for (const token of v.split(',')) {
      const name = token.trim();
      if (!name) return { diagnostics: 'Source cannot be empty.' };
      const hit = SOURCES.find(s => s.toLowerCase() === name.toLowerCase());
      if (!hit) {
        return { diagnostics: `Unknown source. Supported sources are: [${SOURCES.join(', ')}]` };
      }
      group.push(hit);
    }
    groups.push(group);
  }
  return groups;
}

function parseTag(token: string): Parsed<V3EobFilter['tags'][number]> {
  const bar = token.indexOf('|');
  if (bar < 0) {
    return { diagnostics: 'Searching by tag requires a token (system|code) to be specified.' };
  }
  const system = token.slice(0, bar);
  const code = token
    .slice(bar + 1)
    .trim()
    .toUpperCase();
  if (system === SYSTEM_TYPE) {
    if (code === 'NATIONALCLAIMSHISTORY') return [{ sources: ['NCH'] }];
    if (code === 'DDPS') return [{ sources: ['DDPS'] }];
    if (code === 'SHAREDSYSTEM') return SHARED.map(s => ({ sources: [s] }));
    return {
      diagnostics:
        "Unsupported _tag value for system type. Supported values are 'NationalClaimsHistory', 'SharedSystem', 'DDPS'.",
    };
  }
  if (system === FINAL_ACTION) {
    if (code === 'FINALACTION') return [{ finalAction: 'FinalAction' }];
    if (code === 'NOTFINALACTION') return [{ finalAction: 'NotFinalAction' }];
    return {
      diagnostics:
        "Unsupported _tag value for Final Action Status. Supported values are 'FinalAction', 'NotFinalAction'.",
    };
  }
  return {
    diagnostics: `Invalid tag system specified. Supported systems are '${SYSTEM_TYPE}', ${FINAL_ACTION}'.`,
  };
}

function parseSecurityNot(value: string | undefined): Parsed<boolean> {
  if (value === undefined) return false;
  for (const token of value.split(',')) {
    const [system, code] = token.includes('|') ? token.split('|', 2) : ['', token];
    const ok =
      code?.toLowerCase() === '42cfrpart2' &&
      (!system || system.toLowerCase() === ACT_CODE.toLowerCase());
    if (!ok) {
      return {
        diagnostics: `Invalid security code: Use '42CFRPart2' or '${ACT_CODE}|42CFRPart2'.`,
      };
    }
  }
  return true;
}

/** BFD v3's parsing of `_source`, `_tag` and `_security:not` (its 400s carry these diagnostics). */
export function parseV3EobFilter(p: {
  tags: readonly string[];
  sources: readonly string[];
  securityNot?: string;
}): V3EobFilter | { diagnostics: string } {
  const tags: V3EobFilter['tags'] = [];
  for (const v of p.tags) {
    const group: V3EobFilter['tags'][number] = [];
    for (const token of v.split(',')) {
      const parsed = parseTag(token);
      if ('diagnostics' in parsed) return parsed;
      group.push(...parsed);
    }
    tags.push(group);
  }
  const sources = parseSources(p.sources);
  if ('diagnostics' in sources) return sources;
  const exclude = parseSecurityNot(p.securityNot);
  if (typeof exclude !== 'boolean') return exclude;
  return { sources, tags, excludeSamhsa: exclude };
}

/** True when a claim passes every `_source`, `_tag` and SAMHSA filter. */
export function v3EobMatches(h: ClaimHeader, f: V3EobFilter): boolean {
  if (f.excludeSamhsa && h.samhsa) return false;
  if (!f.sources.every(group => group.includes(h.source))) return false;
  return f.tags.every(group =>
    group.some(c =>
      'sources' in c ? c.sources.includes(h.source) : c.finalAction === finalAction(h.source),
    ),
  );
}
