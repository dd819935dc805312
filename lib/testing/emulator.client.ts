import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_REDIRECT_URI } from './emulator.options.js';
import type { AuthorizeOptions, AuthorizeResult, TokenResponse } from './emulator.types.js';
import type { ClientRegistry } from './core/clients.js';

const b64url = (buf: Buffer) => buf.toString('base64url');

/**
 * The authorize step over HTTP with the emulator-only consent shortcut; returns the code from the
 * callback redirect, with the PKCE verifier that exchanges it.
 */
export async function authorizeOverHttp(
  baseUrl: string,
  clients: ClientRegistry,
  defaultClientId: string,
  opts: AuthorizeOptions,
): Promise<AuthorizeResult> {
  const clientId = opts.clientId ?? defaultClientId;
  const client = clients.get(clientId);
  const redirectUri = opts.redirectUri ?? client?.redirectUris[0] ?? DEFAULT_REDIRECT_URI;
  const codeVerifier = opts.codeVerifier ?? b64url(randomBytes(48));
  const codeChallenge = b64url(createHash('sha256').update(codeVerifier).digest());
  const state = opts.state ?? b64url(randomBytes(24));
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    state,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    emulator_user: opts.user ?? 'BBUser00000',
    emulator_decision: 'allow',
    emulator_share_demographics: String(opts.shareDemographics ?? true),
    emulator_share_samhsa: String(opts.shareSamhsa ?? true),
  });
  if (opts.scope) q.set('scope', opts.scope);
  const version = opts.version ?? 'v2';
  const res = await fetch(`${baseUrl}/${version}/o/authorize/?${q}`, { redirect: 'manual' });
  const location = res.headers.get('location') ?? '';
  await res.arrayBuffer();
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (res.status !== 302 || !code) {
    throw new Error(
      `authorize did not return a code (HTTP ${res.status}${location ? `, ${location}` : ''})`,
    );
  }
  return { code, state, codeVerifier, codeChallenge, redirectUri, clientId, location };
}

/** The code exchange over HTTP (urlencoded, secret in the body); returns BB2's token JSON. */
export async function exchangeOverHttp(
  baseUrl: string,
  clients: ClientRegistry,
  a: AuthorizeResult,
  version: string,
): Promise<TokenResponse> {
  const client = clients.get(a.clientId);
  if (!client) throw new Error(`unknown client ${a.clientId}`);
  const res = await fetch(`${baseUrl}/${version}/o/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: a.code,
      redirect_uri: a.redirectUri,
      code_verifier: a.codeVerifier,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token exchange failed: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as TokenResponse;
}
