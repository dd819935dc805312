import assert from 'node:assert/strict';
import type { ContractContext } from './store-contract.js';

/** A token-shaped value with every JSON type in it. */
const TOKEN = {
  accessToken: 'contract-access-token-0123456789',
  refreshToken: 'contract-refresh-token-0123456789',
  expiresAt: '2026-11-23T13:00:00.000Z',
  scope: ['patient/Patient.rs', 'profile'],
  patient: '-19990000000001',
  accessGrantExpiration: null,
  nested: { list: [1, 2.5, -3, true, false, null, 'ünïcödé ✓'], empty: {} },
};

const SCALARS: [string, unknown][] = [
  ['a string', 'plain string'],
  ['a number', 42.5],
  ['zero', 0],
  ['false', false],
  ['null', null],
  ['an array', [1, 'two', { three: 3 }]],
];

/** `get`, `set` and `delete` without options: JSON values, copies, overwrites, separate keys. */
export function valueCases({ runner: { it }, store }: ContractContext): void {
  it('returns undefined for a key never written', async () => {
    assert.equal(await store().get('never:written'), undefined);
  });

  it('round-trips a JSON value and reports the write', async () => {
    assert.equal(await store().set('token:a', TOKEN), true);
    assert.deepEqual(await store().get('token:a'), TOKEN);
  });

  for (const [name, value] of SCALARS) {
    it(`round-trips ${name}`, async () => {
      await store().set('scalar', value);
      assert.deepEqual(await store().get('scalar'), value);
    });
  }

  it('keeps what was stored when the caller mutates its object afterwards', async () => {
    const value = { list: [1] };
    await store().set('copy', value);
    value.list.push(2);
    assert.deepEqual(await store().get('copy'), { list: [1] });
  });

  it('overwrites an existing value when no version is given', async () => {
    await store().set('over', 'first');
    assert.equal(await store().set('over', 'second'), true);
    assert.equal(await store().get('over'), 'second');
  });

  it('deletes a value, and deleting an absent key is not an error', async () => {
    await store().set('del', 'x');
    await store().delete('del');
    assert.equal(await store().get('del'), undefined);
    assert.equal(await store().delete('del'), undefined);
  });

  it('keeps keys apart', async () => {
    await store().set('k:1', 'one');
    await store().set('k:2', 'two');
    await store().delete('k:1');
    assert.equal(await store().get('k:1'), undefined);
    assert.equal(await store().get('k:2'), 'two');
  });
}

/** `set`'s `ttlMs`: entries expire, rewrites replace or restart the TTL. */
export function ttlCases(ctx: ContractContext): void {
  const {
    runner: { it },
    store,
    ttlMs,
    withinTtl,
    untilExpired,
    pastTtl,
  } = ctx;

  it('keeps a value until its TTL, then it is gone', async () => {
    const fresh = withinTtl();
    await store().set('ttl', 'short-lived', { ttlMs });
    const early = await store().get('ttl');
    if (fresh()) assert.equal(early, 'short-lived');
    await untilExpired(
      'a value written with ttlMs',
      async () => (await store().get('ttl')) === undefined,
    );
    assert.equal(await store().take('ttl'), undefined);
  });

  it('keeps a value without TTL', async () => {
    await store().set('forever', 'stays');
    await pastTtl();
    assert.equal(await store().get('forever'), 'stays');
  });

  it('a rewrite without TTL replaces the old TTL', async () => {
    await store().set('re', 'v1', { ttlMs });
    await store().set('re', 'v2');
    await pastTtl();
    assert.equal(await store().get('re'), 'v2');
  });

  it('a rewrite with a new TTL restarts the clock', async () => {
    await store().set('re2', 'v1', { ttlMs });
    await store().set('re2', 'v2', { ttlMs: 5_000 });
    await pastTtl();
    assert.equal(await store().get('re2'), 'v2');
  });
}
