import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlueButtonVersion } from '../config/bluebutton-options.interface.js';

/** What an authorization needs to remember between the redirect and the callback. */
export interface AuthData {
  /** Anti-CSRF value echoed back on the callback (43 chars, CSPRNG). */
  state: string;
  /** PKCE code verifier (RFC 7636: 43 chars of unpadded base64url from 32 CSPRNG bytes). */
  codeVerifier: string;
  /** base64url(SHA-256(codeVerifier)), unpadded. */
  codeChallenge: string;
  /** Always `S256`; Blue Button rejects `plain`. */
  codeChallengeMethod: 'S256';
  /**
   * The API version this login is for: the authorize URL and the code exchange use its
   * endpoints, and the token is of this version. Absent (AuthData of version 0.1): the configured one.
   */
  version?: BlueButtonVersion;
}

/** 32 CSPRNG bytes as unpadded base64url: 43 characters from the RFC 7636 unreserved set. */
export function randomUrlSafe(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The S256 code challenge of a verifier. */
export function s256Challenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** Fresh state and PKCE pair. */
export function createAuthData(): AuthData {
  const codeVerifier = randomUrlSafe();
  return {
    state: randomUrlSafe(),
    codeVerifier,
    codeChallenge: s256Challenge(codeVerifier),
    codeChallengeMethod: 'S256',
  };
}

/** Compares two secrets in constant time (for equal lengths), so timing reveals nothing. */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  // Hashing first makes the lengths equal, so even the length check cannot leak.
  return timingSafeEqual(x, y);
}
