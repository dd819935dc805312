/** Options of {@link BlueButtonStore.set}. */
export interface StoreSetOptions {
  /** Time to live in ms; the entry disappears afterwards. No TTL when omitted or `Infinity`; ≤ 0 means already expired; NaN throws `RangeError`. */
  ttlMs?: number;
  /**
   * Write only if there is no entry or the stored entry's version is lower than this one — so a
   * slow (stale) writer can never overwrite a newer token written by another instance. Must be
   * finite (`RangeError` otherwise).
   */
  version?: number;
}

/** Options of {@link BlueButtonStore.delete}. */
export interface StoreDeleteOptions {
  /**
   * Delete only if the stored entry's version is this one or lower (or it has none): removing a
   * dead token can then never remove a newer login written meanwhile by another request.
   */
  version?: number;
}

/**
 * Where the module keeps short-lived shared state: pending authorizations (state + PKCE verifier),
 * per-user tokens, refresh results and refresh locks. An abstract class so it doubles as the DI token:
 * provide your own with `{ provide: BlueButtonStore, useClass: MyStore }` (e.g. `RedisBlueButtonStore`
 * from `nestjs-bluebutton/redis` when the app runs as several instances). Values are JSON-serializable;
 * `get` returns a copy (mutating it never changes what is stored). Locks live in their own namespace,
 * apart from values. Store failures reject with `BlueButtonStoreError`. Implementations must honour
 * the `version` options of `set` and `delete` atomically: the token write-back relies on them.
 * Check an implementation with `blueButtonStoreContract` from `nestjs-bluebutton/testing`, and
 * reject bad arguments as the built-in stores do with the `check…` helpers below.
 */
export abstract class BlueButtonStore {
  /** Returns the value under `key`, or undefined when absent or expired. */
  abstract get<T = unknown>(key: string): Promise<T | undefined>;

  /** Stores `value`; returns false when a `version` was given and a newer entry already exists. */
  abstract set<T = unknown>(key: string, value: T, options?: StoreSetOptions): Promise<boolean>;

  /** Atomically returns and deletes the value: two concurrent takes never both get it. */
  abstract take<T = unknown>(key: string): Promise<T | undefined>;

  /** Deletes the value under `key` (no error when absent); with `version`, only an entry that is not newer. */
  abstract delete(key: string, options?: StoreDeleteOptions): Promise<void>;

  /** Tries to take the lock `key` for `ttlMs` (positive, finite); returns a lock token, or undefined when held by someone else. */
  abstract acquireLock(key: string, ttlMs: number): Promise<string | undefined>;

  /** Releases the lock if `lockToken` still owns it (never another holder's); returns whether it did. */
  abstract releaseLock(key: string, lockToken: string): Promise<boolean>;

  /** Throws `RangeError` for a `ttlMs` that is not a number or a `version` that is not finite. */
  protected checkSetOptions({ ttlMs, version }: StoreSetOptions): void {
    if (ttlMs !== undefined && (typeof ttlMs !== 'number' || Number.isNaN(ttlMs))) {
      throw new RangeError('BlueButtonStore.set: ttlMs must be a number of milliseconds');
    }
    checkVersion('set', version);
  }

  /** Throws `RangeError` for a `version` that is not finite. */
  protected checkDeleteOptions({ version }: StoreDeleteOptions): void {
    checkVersion('delete', version);
  }

  /**
   * Throws `RangeError` unless `ttlMs` is positive and finite: a lock without one could outlive a
   * crashed holder forever.
   */
  protected checkLockTtl(ttlMs: number): void {
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new RangeError('BlueButtonStore.acquireLock: ttlMs must be a positive finite number');
    }
  }
}

function checkVersion(method: string, version: number | undefined): void {
  if (version !== undefined && (typeof version !== 'number' || !Number.isFinite(version))) {
    throw new RangeError(`BlueButtonStore.${method}: version must be a finite number`);
  }
}
