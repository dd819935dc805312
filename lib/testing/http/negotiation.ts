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
    const trimmed = params.map(p => p.trim()).filter(Boolean);
    const q = trimmed.find(p => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    const hasParams = trimmed.some(p => !p.startsWith('q='));
    const precedence = type === '*' ? 0 : subtype === '*' ? 1 : hasParams ? 3 : 2;
    out.push({ type, subtype, precedence });
  }
  return out;
}

/**
 * DRF content negotiation over BB2's FHIR renderers (fhir+json first, then json): media ranges
 * are grouped by specificity, and within a group the first renderer that any range matches wins
 * (so `application/json, application/fhir+json` still gets fhir+json). Undefined means 406.
 */
export function negotiate(accept: string | undefined): string | undefined {
  if (!accept || !accept.trim()) return FHIR_JSON;
  const ranges = parseAccept(accept);
  for (const precedence of [3, 2, 1, 0]) {
    const group = ranges.filter(r => r.precedence === precedence);
    for (const renderer of RENDERERS) {
      const [type, subtype] = renderer.split('/');
      const hit = group.some(
        r => (r.type === '*' || r.type === type) && (r.subtype === '*' || r.subtype === subtype),
      );
      if (hit) return renderer;
    }
  }
  return undefined;
}
