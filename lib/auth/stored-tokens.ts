import { Injectable } from '@nestjs/common';
import { BlueButtonConfig } from '../config/bluebutton-config.js';
import { BlueButtonStore } from '../store/bluebutton.store.js';
import { AuthorizationToken, type AuthorizationTokenJSON } from './authorization-token.js';

interface TokenRecord {
  token: AuthorizationTokenJSON;
  version: number;
}

/**
 * Per-user token persistence on the {@link BlueButtonStore}, keyed by a session or user id.
 * Tokens loaded here are remembered (weakly) with their key and version, so that when one of them
 * is refreshed the new token is written back under the same key — once, and never over a newer one.
 */
@Injectable()
export class StoredTokens {
  private readonly bindings = new WeakMap<AuthorizationToken, { key: string; version: number }>();

  /** Created by Nest. */
  constructor(
    private readonly store: BlueButtonStore,
    private readonly config: BlueButtonConfig,
  ) {}

  /** The token stored under `key`, or undefined. */
  async load(key: string): Promise<AuthorizationToken | undefined> {
    const record = await this.store.get<TokenRecord>(storeKey(key));
    if (!record) return undefined;
    // Tokens stored by version 0.1 have no version: the app then served its configured one only.
    const token = AuthorizationToken.fromJSON(record.token, {
      defaultVersion: this.config.version,
    });
    this.bindings.set(token, { key, version: record.version });
    return token;
  }

  /** Stores a newly obtained token (a login) under `key`, replacing whatever was there. */
  async save(key: string, token: AuthorizationToken): Promise<void> {
    // A login's version is a timestamp, so it outranks the small increments of earlier refreshes.
    const version = Date.now();
    await this.store.set<TokenRecord>(
      storeKey(key),
      { token: token.toJSON(), version },
      { ttlMs: this.config.session.ttlMs, version },
    );
    this.bindings.set(token, { key, version });
  }

  /** Deletes the token stored under `key`. */
  async remove(key: string): Promise<void> {
    await this.store.delete(storeKey(key));
  }

  /** The key a loaded token is stored under, if it came from here. */
  keyOf(token: AuthorizationToken): string | undefined {
    return this.bindings.get(token)?.key;
  }

  /** After a refresh: writes `fresh` where `previous` was stored (if it was), at the next version. */
  async replace(previous: AuthorizationToken, fresh: AuthorizationToken): Promise<void> {
    const binding = this.bindings.get(previous);
    if (!binding || previous === fresh) return;
    const version = binding.version + 1;
    // Rejected when another instance already wrote this version: its token is the same rotation.
    await this.store.set<TokenRecord>(
      storeKey(binding.key),
      { token: fresh.toJSON(), version },
      { ttlMs: this.config.session.ttlMs, version },
    );
    this.bindings.set(fresh, { key: binding.key, version });
  }

  /** After a refresh said re-authorization is required: removes the dead token from the store. */
  async discard(token: AuthorizationToken): Promise<void> {
    const binding = this.bindings.get(token);
    if (!binding) return;
    // Only the dead token's own record, in one atomic step: a newer login under the same key survives.
    await this.store.delete(storeKey(binding.key), { version: binding.version });
  }
}

function storeKey(key: string): string {
  return `token:${key}`;
}
