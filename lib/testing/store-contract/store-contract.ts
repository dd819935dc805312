import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlueButtonStore } from '../../store/bluebutton.store.js';
import { expiryHelpers } from './expiry.js';
import { lockCases, takeCases } from './take-and-lock.cases.js';
import { ttlCases, valueCases } from './value.cases.js';
import { versionCases } from './version.cases.js';

/**
 * The test-registration functions of the caller's test framework: vitest's, jest's, mocha's or
 * `node:test`'s `describe`, `it` and `beforeEach` all fit. The suite takes them from the caller
 * instead of importing a framework, so loading `nestjs-bluebutton/testing` never loads one.
 */
export interface StoreContractRunner {
  /** Groups cases. */
  describe(name: string, fn: () => void): void;
  /** Registers one case; it fails by rejecting (the suite asserts with `node:assert`). */
  it(name: string, fn: () => Promise<void>): void;
  /** Runs before each case of the enclosing group. */
  beforeEach(fn: () => Promise<void>): void;
}

/** Options of {@link blueButtonStoreContract}. */
export interface StoreContractOptions {
  /** The TTL the expiry cases write, in ms; default 30. */
  ttlMs?: number;
  /**
   * How long past `ttlMs` the expiry cases keep polling before they fail, in ms; default 1000. A
   * store that expires late (a coarse timer) passes as long as it expires within this grace.
   */
  graceMs?: number;
  /**
   * Lets `ms` pass between two polls of the expiry cases; default a real timer, since a store's own
   * TTLs (Redis') cannot be moved by a fake clock. A store that reads an injectable clock can
   * advance it here, and the whole suite then takes no real time.
   */
  wait?: (ms: number) => Promise<void>;
}

/** What every group of cases reads: the store of the running case, and how to outlive a TTL. */
export interface ContractContext {
  readonly runner: StoreContractRunner;
  /** The store `makeStore` made for the running case. */
  store(): BlueButtonStore;
  readonly ttlMs: number;
  /**
   * Starts a timer; the function it returns tells whether less than `ttlMs` has passed since. A
   * case asserts that an entry is still there only then: a machine that stalled for longer than
   * the TTL between a write and a read proves nothing either way.
   */
  withinTtl(): () => boolean;
  /** Polls `done` until it resolves true; rejects once `ttlMs` + grace have passed without. */
  untilExpired(what: string, done: () => Promise<boolean>): Promise<void>;
  /**
   * Resolves once every entry written so far with `ttlMs` has expired: writes a probe entry with
   * that TTL and polls until it is gone, so a case can check what must outlive the TTL.
   */
  pastTtl(): Promise<void>;
}

/**
 * Registers the `BlueButtonStore` contract: the behaviour the module relies on (copies on `get`,
 * TTLs, versioned writes and deletes, an atomic `take`, exclusive locks, argument checks), so a
 * custom store behaves like the memory and Redis stores. `makeStore` runs before each case and
 * must return an empty store (a fresh key prefix per call does, on a shared server).
 *
 * Call it inside a `describe` of your test file and pass your framework's `describe`, `it` and
 * `beforeEach`; the cases assert with `node:assert`, so any framework that fails a case on a
 * rejected promise reports them. The expiry cases write 30 ms TTLs and poll until they have
 * expired, so no case waits more than about 50 ms on a store that expires on time.
 *
 * @example
 * ```ts
 * // my-store.spec.ts, run by vitest (with jest, use its globals; with node:test, import them)
 * import { randomUUID } from 'node:crypto';
 * import { beforeEach, describe, it } from 'vitest';
 * import { blueButtonStoreContract } from 'nestjs-bluebutton/testing';
 *
 * describe('MyStore', () => {
 *   blueButtonStoreContract(() => new MyStore(client, { prefix: `${randomUUID()}:` }), {
 *     describe,
 *     it,
 *     beforeEach,
 *   });
 * });
 * ```
 */
export function blueButtonStoreContract(
  makeStore: () => BlueButtonStore | Promise<BlueButtonStore>,
  runner: StoreContractRunner,
  options: StoreContractOptions = {},
): void {
  const ttlMs = options.ttlMs ?? 30;
  let current: BlueButtonStore | undefined;
  runner.beforeEach(async () => {
    current = await makeStore();
  });
  const store = (): BlueButtonStore => {
    if (!current) throw new Error('the store contract ran a case before makeStore');
    return current;
  };
  const expiry = expiryHelpers({
    ttlMs,
    graceMs: options.graceMs ?? 1000,
    wait: options.wait ?? (ms => sleep(ms)),
    writeProbe: async () => {
      const key = `contract-probe:${randomUUID()}`;
      await store().set(key, 'probe', { ttlMs });
      return async () => (await store().get(key)) === undefined;
    },
  });
  const ctx: ContractContext = { runner, ttlMs, store, ...expiry };
  runner.describe('get / set / delete', () => valueCases(ctx));
  runner.describe('TTL', () => ttlCases(ctx));
  runner.describe('versioned set', () => versionCases.set(ctx));
  runner.describe('versioned delete', () => versionCases.delete(ctx));
  runner.describe('take', () => takeCases(ctx));
  runner.describe('locks', () => lockCases(ctx));
}
