import { ClaimStore } from './claims/claim-store.js';
import { ClientRegistry, defaultClient, type RegisteredClient } from './core/clients.js';
import type { EmulatorClock } from './core/clock.js';
import type { EmulatorContext } from './core/context.js';
import { OAuthStore } from './core/oauth-store.js';
import { TokenRateLimiter } from './core/rate-limit.js';
import { AuditEventLog } from './data/audit-event.builder.js';
import { BeneficiaryRegistry } from './data/beneficiaries.js';
import { loadClaimCountsCsv, totalClaims } from './data/claim-counts.js';
import { DEFAULT_REDIRECT_URI, type BlueButtonEmulatorOptions } from './emulator.options.js';

/** One emulator's shared state, built from its options, and the client `emu.client` names. */
export function createContext(
  options: BlueButtonEmulatorOptions,
  clock: EmulatorClock,
): { ctx: EmulatorContext; client: RegisteredClient } {
  const seed = String(options.seed ?? 'bluebutton');
  const { clients, first } = registerClients(options, seed);
  const ctx: EmulatorContext = {
    seed,
    clock,
    clients,
    store: new OAuthStore(clock),
    beneficiaries: new BeneficiaryRegistry({
      seed,
      configured: options.beneficiaries ?? [],
      csvCounts: options.claimCountsCsv ? loadClaimCountsCsv(options.claimCountsCsv) : undefined,
    }),
    limiter: new TokenRateLimiter(options.rateLimit ?? '100000/s'),
    sessions: new Map(),
    approvals: new Map(),
    expiresIn: options.expiresIn ?? 3600,
    v3Enabled: options.v3Enabled ?? false,
    expireGrantEndpoint: options.expireGrantEndpoint ?? true,
    corsStrict: options.corsStrict ?? false,
    strictV3TokenBody: options.strictV3TokenBody ?? false,
    claims: new ClaimStore(seed),
    auditEvents: new AuditEventLog(seed),
  };
  indexHeavyUsers(ctx);
  return { ctx, client: first };
}

/** The configured clients (or the seeded default one), registered; `first` is `emu.client`. */
function registerClients(
  options: BlueButtonEmulatorOptions,
  seed: string,
): { clients: ClientRegistry; first: RegisteredClient } {
  const clients = new ClientRegistry();
  const configured = options.clients ?? [
    defaultClient(seed, options.redirectUris ?? [DEFAULT_REDIRECT_URI]),
  ];
  if (configured.length === 0) throw new Error('clients must list at least one client');
  return { clients, first: configured.map(c => clients.register(c))[0] as RegisteredClient };
}

/** Heavy users get their claim headers now, so the first page is as fast as the next ones. */
function indexHeavyUsers(ctx: EmulatorContext): void {
  for (const name of ctx.beneficiaries.configuredUsernames()) {
    const b = ctx.beneficiaries.get(name);
    if (b && totalClaims(b.claimCounts) >= 1000) ctx.claims.index(b);
  }
}
