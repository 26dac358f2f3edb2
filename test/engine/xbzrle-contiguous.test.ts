/**
 * XBZRLE in the fluid model when the written pages lie in one block of
 * addresses (`workload.layout: contiguous`, docs/wire.md#xbzrle): the block
 * fills min(W, N) slots of QEMU's direct-mapped cache, so min(1, N/W) of its
 * pages own a slot; and a sequential writer's pages miss exactly once, on
 * their first look-up after XBZRLE starts. Checked against the page engine,
 * which holds QEMU's cache (page_cache.c) page by page.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { xbzrleLifetimeShare, xbzrleSteadyHitRate } from '../../src/engine/wire/xbzrle.js';
import { assertClose, GiB, MiB, scenario } from './scenario-builder.js';

/** A guest rewriting 64 MiB at 1 GiB/s on a 1 Gbit/s link for 30 s (it never converges). */
function busy(kind: 'cyclic' | 'uniform', cache: string, fidelity: 'fluid' | 'page') {
  return scenario({
    vm: { ram: 256 * MiB, zeroShare: 0 },
    workload: { kind, dirtyRate: GiB, workingSet: 64 * MiB, deltaBytes: 512, layout: 'contiguous' },
    link: { bandwidth: 125e6, latency: 0, jitter: 0 },
    policy: [{ kind: 'qemu', maxBandwidth: 0, xbzrleCacheSize: cache }],
    horizon: 30,
    seed: 1,
    fidelity,
  });
}

describe('XBZRLE on a working set in one block (layout: contiguous)', () => {
  test('the steady hit rate is the share of the block owning a slot: min(1, slots / pages)', () => {
    assert.equal(xbzrleSteadyHitRate(1024, 2048, true), 1, 'a cache twice the block: no slot shared');
    assert.equal(xbzrleSteadyHitRate(2048, 2048, true), 1);
    assert.equal(xbzrleSteadyHitRate(16384, 2048, true), 0.125, '8 pages a slot, one owns it');
    assert.equal(xbzrleSteadyHitRate(16384, 8192, true), 0.5);
    // scattered pages share slots even when the cache is larger: (1 - e^-1/2) / (1/2)
    assertClose(xbzrleSteadyHitRate(1024, 2048), 2 * -Math.expm1(-0.5), 1e-15, 'scattered');
  });

  test('a sequential writer over 4 MiB, cache 8 MiB: each working-set page misses once, every later look-up hits', () => {
    // the wire-feature grid's xbzrle-large: 32 MiB guest, 1024 working-set pages rewritten at 341 pages/s, 4 MiB/s
    const s = scenario({
      vm: { ram: 32 * MiB, zeroShare: 0.05 },
      workload: { kind: 'cyclic', workingSet: 4 * MiB, dirtyRate: 341 * 4096, deltaBytes: 16, layout: 'contiguous' },
      link: { bandwidth: 1.3e8, latency: 0, jitter: 0 },
      policy: [{ kind: 'qemu', maxBandwidth: 4 * MiB, downtimeLimit: 0.3, xbzrleCacheSize: 8 * MiB }],
      horizon: 20,
      seed: 1,
      fidelity: 'fluid',
    });
    let c = { lookups: NaN, hits: NaN };
    const r = simulate(s, { afterRun: (mem) => (c = { lookups: mem.xbzrleLookups, hits: mem.xbzrleHits }) });
    assert.equal(r.outcome, 'completed');
    assert.ok(c.lookups > 1024, `${c.lookups} look-ups: the migration went on past the first XBZRLE round`);
    // QEMU 7.2 measured 1025 misses on this guest (docs/calibration.md#the-wire-feature-grid)
    assertClose(c.lookups - c.hits, 1024, 1e-9, 'misses');
    assertClose(r.xbzrleHitRate, (c.lookups - 1024) / c.lookups, 1e-12, 'hit rate');
  });

  test("a slot's owner comes back the owner only if its 2-sync protection outlasts the other pages' arrivals", () => {
    // 1024 pages on 256 slots, back once a second: the other three arrive 0.25, 0.5 and 0.75 s after the owner;
    // the protection ends between 1 and 2 sync intervals after it (uniformly over where in its interval it came)
    assert.equal(xbzrleLifetimeShare(1024, 256, 1, 0.25), 0, 'syncs every 0.25 s: gone after at most 0.5 s');
    assert.equal(xbzrleLifetimeShare(1024, 256, 1, 0.375), 0, 'at most 0.75 s: replaced by the last one');
    assert.equal(xbzrleLifetimeShare(1024, 256, 1, 0.5), 0.5, 'between 0.5 and 1 s: half outlast 0.75 s');
    assert.equal(xbzrleLifetimeShare(1024, 256, 1, 0.75), 1);
    assert.equal(xbzrleLifetimeShare(256, 256, 1, 0.01), 1, 'a block no larger than the cache shares no slot');
  });

  for (const [name, rate, ram, workingSet, cache, horizon, what] of [
    ['xbzrle-small', 4, 32, 4, 1, 20, 'syncs 0.2-0.3 s apart: the cache thrashes'],
    ['xbzrle-small-1m', 1, 16, 2, 0.5, 30, 'syncs seconds apart: each slot keeps its owner'],
  ] as const)
    test(`${name}'s guest, a sequential writer over ${workingSet} MiB, a ${cache} MiB cache, ${rate} MiB/s (${what}): the fluid hit rate is within 6 points of the page engine's`, () => {
      // as the wire-feature grid's runs of that name (docs/calibration.md#the-wire-feature-grid)
      const run = (fidelity: 'fluid' | 'page') =>
        simulate(
          scenario({
            vm: { ram: ram * MiB, zeroShare: 0.05 },
            workload: { kind: 'cyclic', workingSet: workingSet * MiB, dirtyRate: 4 * MiB, deltaBytes: 16, layout: 'contiguous' },
            link: { bandwidth: 4e8, latency: 0, jitter: 0 },
            policy: [{ kind: 'qemu', maxBandwidth: rate * MiB, downtimeLimit: 0.3, xbzrleCacheSize: cache * MiB }],
            horizon,
            seed: 1,
            fidelity,
          }),
        ).xbzrleHitRate;
      const fluid = run('fluid');
      const page = run('page');
      assert.ok(Math.abs(page - fluid) < 0.06, `page ${page} vs fluid ${fluid}`);
      if (rate === 4) assert.ok(page < 0.05 && fluid < 0.08, `page ${page}, fluid ${fluid}: thrashing`);
      else assert.ok(page > 0.15 && fluid > 0.15, `page ${page}, fluid ${fluid}: owners kept`);
    });

  for (const kind of ['cyclic', 'uniform'] as const)
    for (const [cache, slots] of [
      ['8MiB', 2048],
      ['32MiB', 8192],
      ['128MiB', 32768],
    ] as const) {
      test(`${kind} writes, a ${cache} cache (${slots} slots): the fluid hit rate is within 6 points of the page engine's`, () => {
        const fluid = simulate(busy(kind, cache, 'fluid')).xbzrleHitRate;
        const page = simulate(busy(kind, cache, 'page')).xbzrleHitRate;
        // at most the steady rate min(1, slots / 16,384): the first look-ups miss
        assert.ok(fluid <= Math.min(1, slots / 16384) + 1e-12, `fluid ${fluid}`);
        // where they part: syncs more frequent than a page's return let QEMU's cache thrash (docs/wire.md#xbzrle)
        assert.ok(Math.abs(page - fluid) < 0.06, `page ${page} vs fluid ${fluid}`);
      });
    }
});
