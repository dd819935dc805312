/**
 * The path of a URL as it may appear in logs and error messages: no query string (it can hold a
 * patient id or a code) and resource ids replaced by `{id}`.
 */
export function safePath(url: string | URL): string {
  let pathname: string;
  try {
    pathname = (typeof url === 'string' ? new URL(url, 'http://x') : url).pathname;
  } catch {
    return '(invalid URL)';
  }
  return pathname
    .replace(/(\/fhir\/[A-Za-z]+\/)[^/]+/, '$1{id}')
    .replace(/\/-?\d{6,}(?=\/|$)/g, '/{id}');
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
