/** What a scrubbed secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Shorter values are not scrubbed: replacing every "ab" in a message would destroy it, and no
 * credential Blue Button issues or accepts is that short.
 */
const MIN_SECRET_LENGTH = 4;
/** Far deeper than any error body; answers nested deeper are refused before they are parsed. */
const MAX_DEPTH = 200;

/**
 * Removes the values one request sent (client secret, code, PKCE verifier, tokens) from anything
 * built out of the answer: an upstream that echoes the request (a proxy's debug page, an
 * `error_description` quoting the form) must not put a credential into an error or a log line.
 * Each secret is also looked for in the forms an echo takes: percent-encoded, form-encoded,
 * JSON-escaped and HTML-escaped.
 */
export class Scrubber {
  #needles: string[] | undefined;

  /** Takes the secrets; their search forms are computed on first use (most requests never need them). */
  constructor(private readonly secrets: Iterable<string | undefined>) {}

  private get needles(): string[] {
    if (!this.#needles) {
      const forms = new Set<string>();
      for (const secret of this.secrets) {
        if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
        for (const form of echoForms(secret)) forms.add(form);
      }
      // Longest first, so a secret is replaced whole before a shorter one inside it.
      this.#needles = [...forms].sort((a, b) => b.length - a.length);
    }
    return this.#needles;
  }

  /** Whether `text` contains any of the secrets, in any form. */
  found(text: string): boolean {
    return this.needles.some(n => text.includes(n));
  }

  /** `text` with every secret replaced by `[redacted]`. */
  text(text: string): string {
    let out = text;
    for (const needle of this.needles)
      if (out.includes(needle)) out = out.replaceAll(needle, REDACTED);
    return out;
  }

  /**
   * A JSON-like value with every string (keys included) scrubbed: the value itself when nothing
   * needed scrubbing, else a copy. Objects other than plain ones and arrays are left as they are.
   */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (!isPlainOrArray(value)) return value;
    if (depth >= MAX_DEPTH) return REDACTED;
    let changed = false;
    const scrub = (v: unknown) => {
      const clean = this.value(v, depth + 1);
      if (clean !== v) changed = true;
      return clean;
    };
    if (Array.isArray(value)) {
      const out = value.map(scrub);
      return changed ? out : value;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrub(k) as string] = scrub(v);
    return changed ? out : value;
  }

  /**
   * Scrubs an error in place — message, stack, every own field and its `cause`, recursively — and
   * returns it. The last net under every error that leaves a request, whoever built it.
   */
  error<E>(error: E, seen = new Set<unknown>()): E {
    if (!(error instanceof Error) || seen.has(error)) return error;
    seen.add(error);
    const fields = error as unknown as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(error)) {
      const v = fields[key];
      const clean = v instanceof Error ? this.error(v, seen) : this.value(v);
      if (clean !== v) {
        const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
        if (descriptor.writable || descriptor.configurable) {
          Object.defineProperty(error, key, { ...descriptor, value: clean });
        }
      }
    }
    return error;
  }
}

function isPlainOrArray(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (!value || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The forms a secret takes when an upstream echoes it back. */
function echoForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    secret.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`),
    secret
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;'),
  ].filter(form => form.length >= MIN_SECRET_LENGTH);
}
