import type { IncomingMessage } from 'node:http';

/** The largest request body Django's default `DATA_UPLOAD_MAX_MEMORY_SIZE` lets through. */
export const MAX_BODY = 1024 * 1024;

/** A parsed POST body, as Django's `request.POST` would hold it, or why it could not be parsed. */
export type FormResult =
  { form: URLSearchParams | undefined } | { error: 'bad-multipart'; message: string };

/** Reads the whole body, or undefined when it is larger than `MAX_BODY`. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Parses a multipart/form-data body with the runtime's own parser (undici's `Response.formData()`,
 * the one Node's `fetch` uses), so no dependency is added. Parts with a filename are uploads, which
 * Django keeps in `request.FILES`, not `request.POST`, so they are dropped here.
 */
async function parseMultipart(contentType: string, body: Buffer): Promise<FormResult> {
  // Django's MultiPartParser: no usable boundary is a MultiPartParserError (400); an empty body
  // is an empty POST; a body in which the boundary never appears is an empty POST as well.
  if (!boundaryOf(contentType)) {
    return { error: 'bad-multipart', message: 'Invalid boundary in multipart: None' };
  }
  const form = new URLSearchParams();
  if (body.length === 0) return { form };
  let parsed: Awaited<ReturnType<Response['formData']>>;
  try {
    parsed = await new Response(new Uint8Array(body), {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    return { form };
  }
  for (const [name, value] of parsed) if (typeof value === 'string') form.append(name, value);
  return { form };
}

/**
 * `request.POST` for a POST request: an urlencoded or multipart/form-data body becomes form fields
 * (repeated names kept in order); any other content type, or another method, gives no form.
 */
export async function parseForm(
  method: string,
  contentType: string,
  body: Buffer,
): Promise<FormResult> {
  if (method !== 'POST') return { form: undefined };
  const type = contentType.toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    return { form: new URLSearchParams(body.toString('utf8')) };
  }
  if (type.startsWith('multipart/form-data')) return parseMultipart(contentType, body);
  return { form: undefined };
}
