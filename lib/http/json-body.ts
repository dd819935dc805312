/**
 * Deepest JSON nesting accepted. FHIR resources nest about 15 levels (Bundle › entry › resource ›
 * item › adjudication › amount, plus extensions); V8 parses any depth, but JSON.stringify,
 * structuredClone and every recursive walk after it overflow the stack a few thousand levels down,
 * far from the code that accepted the body. 128 leaves ample room and keeps all of them safe.
 */
export const MAX_JSON_DEPTH = 128;

/** A body as parsed: the JSON value, or why there is none. */
export interface ParsedBody {
  /** The JSON value; undefined when the body is empty, not JSON, or unusable. */
  json: unknown;
  /** Set when the body claimed to be (or looked like) JSON and could not be used. */
  problem?: string;
}

/** Parses a body that is JSON by its `Content-Type` or looks like it, refusing excessive nesting. */
export function parseJsonBody(text: string, contentType: string): ParsedBody {
  const trimmed = text.trimStart();
  if (!/json/i.test(contentType) && !trimmed.startsWith('{') && !trimmed.startsWith('['))
    return { json: undefined };
  if (!trimmed) return { json: undefined };
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH))
    return { json: undefined, problem: `the JSON nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { json: undefined, problem: 'the JSON is truncated or malformed' };
  }
}

/**
 * Whether brackets in `text` nest deeper than `max`, outside strings. One linear pass that jumps
 * over strings with `indexOf`; malformed text is left for JSON.parse to reject.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}
