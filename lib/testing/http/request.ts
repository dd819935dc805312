import type { IncomingHttpHeaders } from 'node:http';

/** The parsed request every route receives. */
export interface EmuRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Raw query string including `?`, or empty. */
  search: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed `application/x-www-form-urlencoded` body, when there is one. */
  form: URLSearchParams | undefined;
  rawBody: Buffer;
  cookies: Record<string, string>;
  /** `scheme://host[:port]` as the client addressed us, for absolute links. */
  origin: string;
}

/** Lower-cased header value (first one when repeated). */
export function header(req: EmuRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Cookie header → record. */
export function parseCookies(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `Authorization: Basic` credentials, URL-decoded as oauthlib does, or undefined. */
export function basicAuth(req: EmuRequest): { id: string; secret: string } | undefined {
  const auth = header(req, 'authorization');
  if (!auth) return undefined;
  const m = /^Basic\s+(.+)$/i.exec(auth.trim());
  if (!m) return undefined;
  let decoded: string;
  try {
    decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
}

/** A parameter from the query (GET) or the form (POST), as Django's `request.GET`/`POST` would give. */
export function param(req: EmuRequest, name: string): string | undefined {
  return (req.method === 'POST' ? req.form?.get(name) : req.query.get(name)) ?? undefined;
}
