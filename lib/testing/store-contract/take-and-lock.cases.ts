import assert from 'node:assert/strict';
import type { ContractContext } from './store-contract.js';

/** `take`: returns and deletes, and only one of many concurrent takes gets the value. */
export function takeCases({ runner: { it }, store }: ContractContext): void {
  it('returns the value and deletes it', async () => {
    await store().set('pending:s1', { codeVerifier: 'v'.repeat(43) });
    assert.deepEqual(await store().take('pending:s1'), { codeVerifier: 'v'.repeat(43) });
    assert.equal(await store().get('pending:s1'), undefined);
    assert.equal(await store().take('pending:s1'), undefined);
  });

  it('gives the value to exactly one of 50 concurrent takes', async () => {
    await store().set('pending:race', 'the-verifier', { ttlMs: 10_000 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store().take('pending:race')),
    );
    assert.deepEqual(
      results.filter(r => r !== undefined),
      ['the-verifier'],
    );
  });
}

/** Locks: exclusive, released only by their holder, expiring, apart from values. */
export function lockCases(ctx: ContractContext): void {
  const {
    runner: { it },
    store,
    ttlMs,
    withinTtl,
    untilExpired,
  } = ctx;

  it('gives the lock to exactly one of 50 concurrent acquirers', async () => {
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () => store().acquireLock('refresh:race', 5_000)),
    );
    const winners = tokens.filter(t => t !== undefined);
    assert.equal(winners.length, 1);
    assert.equal(typeof winners[0], 'string');
    assert.ok(winners[0]!.length >= 16, `a lock token of ${winners[0]!.length} characters`);
  });

  it('refuses a release by the wrong token and keeps the lock held', async () => {
    const token = await store().acquireLock('refresh:wrong', 5_000);
    assert.notEqual(token, undefined);
    assert.equal(await store().releaseLock('refresh:wrong', 'not-the-token'), false);
    assert.equal(await store().acquireLock('refresh:wrong', 5_000), undefined);
    assert.equal(await store().releaseLock('refresh:wrong', token!), true);
    assert.equal(await store().releaseLock('refresh:wrong', token!), false);
    assert.notEqual(await store().acquireLock('refresh:wrong', 5_000), undefined);
  });

  it('releasing a lock that is not held returns false', async () => {
    assert.equal(await store().releaseLock('refresh:none', 'whatever'), false);
  });

  it('expires after its TTL; the old holder can then not release the new holder’s lock', async () => {
    const fresh = withinTtl();
    const first = await store().acquireLock('refresh:ttl', ttlMs);
    assert.notEqual(first, undefined);
    const early = await store().acquireLock('refresh:ttl', ttlMs);
    if (fresh()) assert.equal(early, undefined);
    let second: string | undefined;
    await untilExpired('a lock taken with ttlMs', async () => {
      second = await store().acquireLock('refresh:ttl', 5_000);
      return second !== undefined;
    });
    assert.notEqual(second, first);
    assert.equal(await store().releaseLock('refresh:ttl', first!), false);
    assert.equal(await store().acquireLock('refresh:ttl', 5_000), undefined);
  });

  it('locks live apart from values under the same key', async () => {
    await store().set('refresh:shared', { token: 'outcome' });
    const lock = await store().acquireLock('refresh:shared', 5_000);
    assert.notEqual(lock, undefined);
    assert.deepEqual(await store().get('refresh:shared'), { token: 'outcome' });
    assert.deepEqual(await store().take('refresh:shared'), { token: 'outcome' });
    await store().delete('refresh:shared');
    assert.equal(await store().acquireLock('refresh:shared', 5_000), undefined);
    assert.equal(await store().releaseLock('refresh:shared', lock!), true);
    assert.equal(await store().get('refresh:shared'), undefined);
  });

  it('locks on different keys are independent', async () => {
    assert.notEqual(await store().acquireLock('refresh:a', 5_000), undefined);
    assert.notEqual(await store().acquireLock('refresh:b', 5_000), undefined);
  });

  it('refuses a lock without a positive, finite TTL (it could outlive a crashed holder)', async () => {
    for (const ttl of [0, -1, NaN, Infinity]) {
      await assert.rejects(store().acquireLock('refresh:bad', ttl), RangeError, `ttlMs ${ttl}`);
    }
    assert.notEqual(await store().acquireLock('refresh:bad', 5_000), undefined);
  });
}
