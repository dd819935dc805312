import type { EmulatorContext } from '../core/context.js';
import type { TokenResponse } from './token-response.js';
import { DEFAULT_SCOPES, parseScopes } from '../core/scopes.js';
import { addMonths, type ApiVersion } from '../core/oauth-store.js';
import { tokenBody } from './token.routes.js';

/** Options of `emu.issueToken()`. */
export interface IssueTokenOptions {
  /** Sandbox login; default `BBUser00000`. */
  user?: string;
  /** Default: `emu.client`. */
  clientId?: string;
  /** Default `v2`. */
  version?: ApiVersion;
  /**
   * Space-separated scopes, taken as given (no consent page, no app allow-list), so this is the
   * way to a `patient/AuditEvent.rs` token. Default: BB2's default scopes.
   */
  scope?: string;
  /** The v3 SAMHSA consent choice; default true. */
  shareSamhsa?: boolean;
}

/**
 * Mints a token pair in-process, as a completed authorization (or BB2's CMS Aligned Networks
 * `client_credentials` flow) would: the pair's earlier tokens are deleted, the grant is created
 * or renewed, and a token with `patient/AuditEvent.rs` records the patient match as an AuditEvent.
 * No HTTP round trip, so a bench can enrol thousands of beneficiaries quickly.
 */
export function issueToken(
  ctx: EmulatorContext,
  defaultClientId: string,
  opts: IssueTokenOptions = {},
): TokenResponse {
  const client = ctx.clients.get(opts.clientId ?? defaultClientId);
  if (!client) throw new Error(`issueToken: unknown client ${opts.clientId}`);
  const bene = ctx.beneficiaries.get(opts.user ?? 'BBUser00000');
  if (!bene || bene.notFound) throw new Error(`issueToken: unknown beneficiary ${opts.user}`);
  const version = opts.version ?? 'v2';
  const scopes = opts.scope ? parseScopes(opts.scope) : [...DEFAULT_SCOPES];
  const now = ctx.clock.now();
  ctx.store.deleteTokensFor(client.clientId, bene.username);
  ctx.store.upsertGrant(
    client.clientId,
    bene.username,
    client.accessType === 'THIRTEEN_MONTH' ? addMonths(now, 13) : null,
  );
  const { access } = ctx.store.issueTokens(
    {
      clientId: client.clientId,
      username: bene.username,
      scopes,
      version,
      shareSamhsa: version !== 'v3' || (opts.shareSamhsa ?? true),
      partDEobOnly: client.partDEobOnly,
    },
    ctx.expiresIn,
  );
  if (scopes.some(s => s.startsWith('patient/AuditEvent.'))) {
    ctx.auditEvents.record(bene, now, client.name);
  }
  return tokenBody(ctx, client, bene, access);
}
