import { FHIR_JSON, JSON_TYPE } from './response.js';

const RENDERERS = [FHIR_JSON, JSON_TYPE] as const;

interface MediaRange {
  type: string;
  subtype: string;
  precedence: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';');
    if (!range) continue;
    const q = params.map(p => p.trim()).find(p => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    const precedence = type === '*' ? 0 : subtype === '*' ? 1 : 2;
    out.push({ type, subtype, precedence });
  }
  return out;
}

/**
 * DRF content negotiation over BB2's FHIR renderers (fhir+json first, then json): the most
 * specific media ranges win, then renderer order. Undefined means 406.
 */
export function negotiate(accept: string | undefined): string | undefined {
  if (!accept || !accept.trim()) return FHIR_JSON;
  const ranges = parseAccept(accept);
  for (const precedence of [2, 1, 0]) {
    const group = ranges.filter(r => r.precedence === precedence);
    for (const r of group) {
      for (const renderer of RENDERERS) {
        const [type, subtype] = renderer.split('/');
        if ((r.type === '*' || r.type === type) && (r.subtype === '*' || r.subtype === subtype)) {
          return renderer;
        }
      }
    }
  }
  return undefined;
}
