import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { ContractContext } from './store-contract.js';

/** Between two polls of an expiring entry: short, so a case ends a few ms after the TTL. */
const POLL_MS = 5;

/** What the expiry helpers need: the TTL, the grace past it, how to wait, how to write a probe. */
interface ExpirySettings {
  ttlMs: number;
  graceMs: number;
  wait: (ms: number) => Promise<void>;
  /** Writes an entry with `ttlMs`; resolves to a check that it is gone. */
  writeProbe: () => Promise<() => Promise<boolean>>;
}

/**
 * The contract's ways of outliving a TTL without sleeping a fixed, generous time: poll until the
 * store says the entry expired, and fail only when it is still there long after its TTL.
 */
export function expiryHelpers(
  settings: ExpirySettings,
): Pick<ContractContext, 'withinTtl' | 'untilExpired' | 'pastTtl'> {
  const { ttlMs, graceMs, wait, writeProbe } = settings;

  const untilExpired = async (what: string, done: () => Promise<boolean>): Promise<void> => {
    // Counted in waited ms, not wall time, so a `wait` that moves a fake clock ends the same way.
    for (let waited = 0; waited <= ttlMs + graceMs; waited += POLL_MS) {
      if (await done()) return;
      await wait(POLL_MS);
    }
    assert.fail(`${what} still there ${graceMs} ms after its TTL of ${ttlMs} ms`);
  };

  return {
    withinTtl: () => {
      const start = performance.now();
      return () => performance.now() - start < ttlMs;
    },
    untilExpired,
    pastTtl: async () => {
      // Written after the case's entries with the same TTL: once it is gone, so are they.
      const gone = await writeProbe();
      await untilExpired('a probe entry written with ttlMs', gone);
    },
  };
}
