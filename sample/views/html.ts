/**
 * A tiny, dependency-free HTML template helper. Every interpolated value is escaped unless it is
 * itself the output of `html` (or `raw`), so Medicare data — names, drug names, provider ids —
 * can never inject markup into the page.
 */

/** A string that is already safe HTML (the result of {@link html}). */
export class SafeHtml {
  /** Wraps markup that was built safely. */
  constructor(readonly value: string) {}

  /** The markup. */
  toString(): string {
    return this.value;
  }
}

/** Escapes text for HTML element content and (quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Marks trusted, constant markup as safe; never pass data from Blue Button or the request here. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Renders one interpolated value: safe HTML as is, arrays item by item, the rest escaped. */
function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<td>${name}</td>\`` escapes `name`. Attribute values must be quoted. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}
