/**
 * The path of a URL as it may appear in logs, error messages and telemetry: no query string (it
 * can hold a patient id or a code) and every id replaced by `{id}`, so it is also the low-cardinality
 * route template of the call (`/v2/fhir/ExplanationOfBenefit/{id}`).
 */
export function safePath(url: string | URL): string {
  let pathname: string;
  try {
    pathname = (typeof url === 'string' ? new URL(url, 'http://x') : url).pathname;
  } catch {
    return '(invalid URL)';
  }
  const segments = pathname.split('/');
  const fhir = segments.indexOf('fhir');
  let previous = '';
  return segments
    .map((segment, i) => {
      previous =
        fhir >= 0 && i > fhir ? fhirSegment(segment, i - fhir, previous) : plainSegment(segment);
      return previous;
    })
    .join('/');
}

/** Words, `v2`, `.well-known`, `revoke_token`: kept. Anything with a digit or an escape is an id. */
function plainSegment(segment: string): string {
  return /^(?:v\d+|[A-Za-z_.$-]*)$/.test(segment) ? segment : '{id}';
}

/**
 * A segment `position` places after `fhir/`: the resource type first, then an id, unless it is an
 * operation (`$generate-insurance-card`), a keyword (`_history`, `_search`) or, right after an id,
 * a compartment's resource type (`Patient/{id}/ExplanationOfBenefit`). Ids can be words too, so
 * any other segment is an id, whatever it looks like.
 */
function fhirSegment(segment: string, position: number, previous: string): string {
  if (segment === '' || /^(?:\$[A-Za-z][\w-]*|_[a-z]+)$/.test(segment)) return segment;
  if (position === 1) return /^[A-Za-z]+$/.test(segment) ? segment : '{id}';
  return previous === '{id}' && /^[A-Z][A-Za-z]+$/.test(segment) ? segment : '{id}';
}

/** A short, tag-free excerpt of a non-JSON body, for error messages. */
export function excerpt(text: string, max = 200): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}
