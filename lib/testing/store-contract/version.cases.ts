import assert from 'node:assert/strict';
import type { ContractContext } from './store-contract.js';

/** `set` and `delete` with a `version`: a stale writer never replaces or removes a newer entry. */
export const versionCases = {
  set({ runner: { it }, store, ttlMs, withinTtl, untilExpired }: ContractContext): void {
    it('writes a newer version and refuses an older or equal one, keeping the newer value', async () => {
      assert.equal(await store().set('ver', 'v2', { version: 2 }), true);
      assert.equal(await store().set('ver', 'v1', { version: 1 }), false);
      assert.equal(await store().set('ver', 'v2-again', { version: 2 }), false);
      assert.equal(await store().get('ver'), 'v2');
      assert.equal(await store().set('ver', 'v3', { version: 3 }), true);
      assert.equal(await store().get('ver'), 'v3');
    });

    it('writes when there is no entry, or the entry has no version', async () => {
      assert.equal(await store().set('ver-new', 'a', { version: 5 }), true);
      await store().set('ver-plain', 'unversioned');
      assert.equal(await store().set('ver-plain', 'b', { version: 1 }), true);
      assert.equal(await store().get('ver-plain'), 'b');
    });

    it('compares timestamp-sized versions exactly (login = Date.now(), refresh = +1)', async () => {
      const login = Date.now();
      assert.equal(await store().set('ver-ts', 'login', { version: login }), true);
      assert.equal(await store().set('ver-ts', 'refresh', { version: login + 1 }), true);
      assert.equal(await store().set('ver-ts', 'stale refresh', { version: login + 1 }), false);
      assert.equal(await store().set('ver-ts', 'older login', { version: login - 1 }), false);
      assert.equal(await store().get('ver-ts'), 'refresh');
    });

    it('a write without version overwrites a versioned entry', async () => {
      await store().set('ver-force', 'v9', { version: 9 });
      assert.equal(await store().set('ver-force', 'forced'), true);
      assert.equal(await store().get('ver-force'), 'forced');
    });

    it('applies the TTL of a versioned write, and an expired entry no longer blocks older versions', async () => {
      const fresh = withinTtl();
      assert.equal(await store().set('ver-ttl', 'v5', { version: 5, ttlMs }), true);
      const early = await store().get('ver-ttl');
      if (fresh()) assert.equal(early, 'v5');
      await untilExpired(
        'a versioned value written with ttlMs',
        async () => (await store().get('ver-ttl')) === undefined,
      );
      assert.equal(await store().set('ver-ttl', 'v1', { version: 1 }), true);
      assert.equal(await store().get('ver-ttl'), 'v1');
    });

    it('lets exactly one of many concurrent writers of the same version win', async () => {
      await store().set('ver-race', 'v1', { version: 1 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().set('ver-race', `writer-${i}`, { version: 2 }),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store().get('ver-race'), `writer-${results.indexOf(true)}`);
    });

    it('rejects a version that is not a finite number, and a ttlMs that is not a number', async () => {
      await assert.rejects(store().set('ver-bad', 'x', { version: NaN }), RangeError);
      await assert.rejects(store().set('ver-bad', 'x', { version: Infinity }), RangeError);
      await assert.rejects(store().set('ver-bad', 'x', { ttlMs: NaN }), RangeError);
      assert.equal(await store().get('ver-bad'), undefined);
    });
  },

  delete({ runner: { it }, store }: ContractContext): void {
    it('deletes an entry of that version or older, or without one, but never a newer one', async () => {
      await store().set('vdel', 'login-2', { version: 2 });
      await store().delete('vdel', { version: 1 });
      assert.equal(await store().get('vdel'), 'login-2');
      await store().delete('vdel', { version: 2 });
      assert.equal(await store().get('vdel'), undefined);
      await store().set('vdel-plain', 'unversioned');
      await store().delete('vdel-plain', { version: 1 });
      assert.equal(await store().get('vdel-plain'), undefined);
      await store().delete('vdel-absent', { version: 1 });
    });

    it('rejects a version that is not a finite number', async () => {
      await assert.rejects(store().delete('vdel', { version: NaN }), RangeError);
    });
  },
};
