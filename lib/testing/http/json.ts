/**
 * Serialises like Python's `json.dumps` with default settings (`", "` and `": "` separators,
 * non-ASCII escaped). Django's `JsonResponse` and oauthlib produce this shape, and some clients and
 * tests compare those bodies byte for byte (e.g. `{"error": "invalid_grant"}`).
 */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) parts.push(`${pyString(k)}: ${pyJson(v)}`);
  }
  return `{${parts.join(', ')}}`;
}

function pyString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python `repr()` of a list of strings, as BB2 embeds it in some messages (`['a', 'b']`). */
export function pyListRepr(items: readonly string[]): string {
  return `[${items.map(s => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

/** Python `repr()` of a float (`86400.0`, `0.5`). */
export function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}
