import { MemoryBlueButtonStore, type StoreSetOptions } from 'nestjs-bluebutton';
import { blueButtonStoreContract, type StoreContractRunner } from 'nestjs-bluebutton/testing';

// The Redis store runs the same suite in test/redis/store.contract.spec.ts.
describe('BlueButtonStore contract — MemoryBlueButtonStore', () => {
  blueButtonStoreContract(() => new MemoryBlueButtonStore(), { describe, it, beforeEach });
});

/** A memory store on a clock the contract's `wait` moves, so a whole run takes no real time. */
class ClockedStore extends MemoryBlueButtonStore {
  constructor(time: { now: number }) {
    super({ now: () => time.now });
  }
}

/** Stores with one defect each, which the contract must catch. */
const BROKEN = {
  'ignores versions': class extends ClockedStore {
    override set<T>(key: string, value: T, options: StoreSetOptions = {}): Promise<boolean> {
      return super.set(key, value, { ttlMs: options.ttlMs });
    }
  },
  'takes without deleting': class extends ClockedStore {
    override take<T>(key: string): Promise<T | undefined> {
      return this.get<T>(key);
    }
  },
  'skips the argument checks': class extends ClockedStore {
    protected override checkSetOptions(): void {}
    protected override checkLockTtl(): void {}
  },
  'lets a lock outlive its TTL': class extends ClockedStore {
    override acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
      return super.acquireLock(key, ttlMs * 1000);
    }
  },
  'never expires a value': class extends ClockedStore {
    override set<T>(key: string, value: T, options: StoreSetOptions = {}): Promise<boolean> {
      return super.set(key, value, { version: options.version });
    }
  },
};

/**
 * Runs the contract with a runner of no test framework (which proves the suite needs none) and
 * returns the full names of the cases that failed.
 */
async function failingCases(
  Store: new (clock: { now: number }) => ClockedStore,
): Promise<string[]> {
  const clock = { now: 0 };
  const cases: { name: string; hooks: (() => Promise<void>)[]; fn: () => Promise<void> }[] = [];
  const path: string[] = [];
  const hooks: (() => Promise<void>)[] = [];
  const runner: StoreContractRunner = {
    describe: (name, fn) => {
      path.push(name);
      fn();
      path.pop();
    },
    it: (name, fn) => cases.push({ name: [...path, name].join(' > '), hooks: [...hooks], fn }),
    beforeEach: fn => void hooks.push(fn),
  };
  blueButtonStoreContract(() => new Store(clock), runner, {
    wait: async ms => void (clock.now += ms),
  });
  const failed: string[] = [];
  for (const c of cases) {
    try {
      for (const hook of c.hooks) await hook();
      await c.fn();
    } catch {
      failed.push(c.name);
    }
  }
  expect(cases.length).toBeGreaterThan(25);
  return failed;
}

describe('the shipped store contract, run without a test framework', () => {
  it('passes a correct store', async () => {
    expect(await failingCases(ClockedStore)).toEqual([]);
  });

  it.each(Object.entries(BROKEN))('catches a store that %s', async (defect, Broken) => {
    const failed = await failingCases(Broken);
    const expected: Record<keyof typeof BROKEN, string[]> = {
      'ignores versions': [
        'versioned set > writes a newer version and refuses an older or equal one, keeping the newer value',
        'versioned set > compares timestamp-sized versions exactly (login = Date.now(), refresh = +1)',
        'versioned set > lets exactly one of many concurrent writers of the same version win',
        'versioned set > rejects a version that is not a finite number, and a ttlMs that is not a number',
        'versioned delete > deletes an entry of that version or older, or without one, but never a newer one',
      ],
      'takes without deleting': [
        'take > returns the value and deletes it',
        'take > gives the value to exactly one of 50 concurrent takes',
      ],
      'skips the argument checks': [
        'versioned set > rejects a version that is not a finite number, and a ttlMs that is not a number',
        'locks > refuses a lock without a positive, finite TTL (it could outlive a crashed holder)',
      ],
      'lets a lock outlive its TTL': [
        'locks > expires after its TTL; the old holder can then not release the new holder’s lock',
      ],
      // The cases that must outlive a TTL time out on the probe: they cannot pass by accident.
      'never expires a value': [
        'TTL > keeps a value until its TTL, then it is gone',
        'TTL > keeps a value without TTL',
        'TTL > a rewrite without TTL replaces the old TTL',
        'TTL > a rewrite with a new TTL restarts the clock',
        'versioned set > applies the TTL of a versioned write, and an expired entry no longer blocks older versions',
        'versioned set > rejects a version that is not a finite number, and a ttlMs that is not a number',
      ],
    };
    expect(failed).toEqual(expected[defect as keyof typeof BROKEN]);
  });
});
