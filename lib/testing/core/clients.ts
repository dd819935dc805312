import { Rng } from '../data/random.js';
import { ALL_SCOPES } from './scopes.js';

/** BB2 `data_access_type`. */
export type AccessType = 'ONE_TIME' | 'THIRTEEN_MONTH' | 'RESEARCH_STUDY';

/** A registered application, as configured by a test. */
export interface EmulatorClient {
  /** 40 alphanumerics on the real server (the emulator does not enforce the format). */
  clientId: string;
  clientSecret: string;
  /** Allowed redirect URIs (DOT matching: exact scheme/host/port/path, loopback port-agnostic). */
  redirectUris: string[];
  /** Default `THIRTEEN_MONTH`. */
  accessType?: AccessType;
  /** Shown on the consent page and in error messages. Default `"Emulator Test App"`. */
  name?: string;
  /** Default true; an inactive app gets BB2's "temporarily inactive" answers. */
  active?: boolean;
  /** Default true: the consent page offers the "share demographic data" choice. */
  requireDemographicScopes?: boolean;
  /** Needed for every v3 endpoint (flag `v3_early_adopter`). Default false. */
  v3EarlyAdopter?: boolean;
  /** Scopes the app may be granted. Default: all patient/*, profile, openid, launch/patient. */
  allowedScopes?: string[];
  /**
   * BB2's `part_d_eob_only` app setting: v3 EOB searches are forced to `_source=DDPS`, non-Part-D
   * reads answer 404 and v1/v2 EOB calls 403. Default false.
   */
  partDEobOnly?: boolean;
}

/** A client with every default applied. */
export type RegisteredClient = Required<EmulatorClient>;

/** Applies the defaults of a BB2 app registration. */
export function resolveClient(c: EmulatorClient): RegisteredClient {
  if (!c.clientId || !c.clientSecret) throw new Error('a client needs clientId and clientSecret');
  if (!Array.isArray(c.redirectUris) || c.redirectUris.length === 0) {
    throw new Error(`client ${c.clientId}: redirectUris must list at least one URI`);
  }
  return {
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    redirectUris: [...c.redirectUris],
    accessType: c.accessType ?? 'THIRTEEN_MONTH',
    name: c.name ?? 'Emulator Test App',
    active: c.active ?? true,
    requireDemographicScopes: c.requireDemographicScopes ?? true,
    v3EarlyAdopter: c.v3EarlyAdopter ?? false,
    allowedScopes: [...(c.allowedScopes ?? ALL_SCOPES)],
    partDEobOnly: c.partDEobOnly ?? false,
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A string of alphanumerics drawn from a seeded generator. */
export function seededAlnum(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[Math.floor(rng.next() * ALNUM.length)];
  return s;
}

/** The ready-made client: stable for a given seed, so a CLI restart keeps the same credentials. */
export function defaultClient(seed: string, redirectUris: string[]): EmulatorClient {
  const rng = new Rng(`${seed}|default-client`);
  return {
    clientId: seededAlnum(rng, 40),
    clientSecret: seededAlnum(rng, 128),
    redirectUris,
    accessType: 'THIRTEEN_MONTH',
    name: 'Emulator Test App',
    active: true,
    requireDemographicScopes: true,
    v3EarlyAdopter: true,
  };
}

/** DOT's `redirect_to_uri_allowed`: same scheme, host, port and path; allowed query ⊆ given query. */
export function redirectUriAllowed(uri: string, allowed: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  return allowed.some(a => {
    let r: URL;
    try {
      r = new URL(a);
    } catch {
      return false;
    }
    const loopback = ['127.0.0.1', '[::1]'].includes(r.hostname);
    const sameHost = loopback ? r.hostname === u.hostname : r.host === u.host;
    if (r.protocol !== u.protocol || !sameHost || r.pathname !== u.pathname) return false;
    for (const [k, v] of r.searchParams) if (!u.searchParams.getAll(k).includes(v)) return false;
    return true;
  });
}

/** The registry of applications. */
export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();

  /** Adds or replaces a client. */
  register(c: EmulatorClient): RegisteredClient {
    const resolved = resolveClient(c);
    this.clients.set(resolved.clientId, resolved);
    return resolved;
  }

  /** A client by id. */
  get(clientId: string | undefined | null): RegisteredClient | undefined {
    return clientId ? this.clients.get(clientId) : undefined;
  }

  /** Changes fields of a registered client. */
  update(clientId: string, patch: Partial<EmulatorClient>): RegisteredClient {
    const current = this.clients.get(clientId);
    if (!current) throw new Error(`unknown client ${clientId}`);
    return this.register({ ...current, ...patch, clientId });
  }

  /** All clients. */
  all(): RegisteredClient[] {
    return [...this.clients.values()];
  }
}
