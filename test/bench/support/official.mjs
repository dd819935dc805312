// The official Node SDK (npm `cms-bluebutton-sdk`, installed under test/bench/node_modules only).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sdk from 'cms-bluebutton-sdk';

/** The installed version (its `X-BLUEBUTTON-SDK-VERSION` header says one release less). */
export const officialVersion = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('cms-bluebutton-sdk/package.json'), 'utf8'),
).version;

/**
 * A `BlueButton` pointed at `emu`. Its environments are fixed URLs (LOCAL is
 * `http://localhost:8000`); `baseUrl` is a plain public field that every request is built from,
 * so we set it to the emulator's port rather than compete for port 8000.
 */
export function officialSdk(emu) {
  const bb = new sdk.BlueButton({
    environment: 'LOCAL',
    clientId: emu.client.clientId,
    clientSecret: emu.client.clientSecret,
    callbackUrl: emu.client.redirectUris[0],
  });
  bb.baseUrl = emu.baseUrl;
  return bb;
}

/** The SDK's token from BB2's token JSON (`expires_at` in ms, as the SDK reads it). */
export function officialToken(json, { expired = false } = {}) {
  return new sdk.AuthorizationToken({
    ...json,
    expires_at: expired ? Date.now() - 1000 : Date.now() + json.expires_in * 1000,
  });
}
