import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

const PAGES = 262144; // 1 GiB
const WIRE = 4104; // page + its pfn in the batch
const LINK = 1.25e9;

/** A linear writer dirtying L x (link rate in pages/s) new pages per second: round i has PAGES x L^i pages. */
const linear = (L: number, kind: string, extra: Record<string, unknown> = {}) =>
  basic({ ram: GiB, workload: { kind: 'linear', dirtyRate: ((L * LINK) / WIRE) * 4096 }, bandwidth: LINK, policy: [{ kind, ...extra }] });

const rounds = (L: number, n: number) => Array.from({ length: n }, (_, i) => PAGES * L ** i);

describe('xen-v2 (simple_precopy_policy: < 50 dirty pages or 5 rounds)', () => {
  test('L = 0.1: round 5 has 26 pages (< 50): it is still sent live, then the final round', () => {
    const r = simulate(linear(0.1, 'xen-v2'));
    // rounds: 262144, 26214, 2621, 262, 26.2 (< 50 after CLEAN: stop after sending it); final: 2.6 pages
    assert.equal(r.stopReason, 'xen-few-pages');
    assert.equal(r.passes, 5);
    const sent = [...rounds(0.1, 5), PAGES * 0.1 ** 5];
    assertClose(r.totalTimeMs, ((sent.reduce((a, b) => a + b) * WIRE) / LINK) * 1000, 1e-12, 'total');
    assertClose(r.downtimeMs, ((PAGES * 0.1 ** 5 * WIRE) / LINK) * 1000, 1e-9, 'downtime');
  });

  test('L = 0.9: five rounds, then the pages of the fifth', () => {
    const r = simulate(linear(0.9, 'xen-v2'));
    assert.equal(r.stopReason, 'xen-max-iters');
    assert.equal(r.passes, 5);
    assertClose(r.downtimeMs, ((PAGES * 0.9 ** 5 * WIRE) / LINK) * 1000, 1e-12, 'downtime');
    assertClose(r.transferredBytes, [...rounds(0.9, 5), PAGES * 0.9 ** 5].reduce((a, b) => a + b) * 4096, 1e-12, 'bytes');
  });
});

describe('xen (legacy xc_domain_save: 29 iterations, < 50 pages, 3 x RAM)', () => {
  test('L = 0.9: more than 3 x RAM pages sent after pass 4 (1 + 0.9 + 0.81 + 0.729 = 3.439)', () => {
    const r = simulate(linear(0.9, 'xen'));
    assert.equal(r.stopReason, 'xen-max-factor');
    assert.equal(r.passes, 4);
    assertClose(r.downtimeMs, ((PAGES * 0.9 ** 4 * WIRE) / LINK) * 1000, 1e-12, 'downtime');
  });

  test('an idle guest: the second pass has nothing to send (< 50 pages) and the final round is empty', () => {
    const r = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: LINK, policy: [{ kind: 'xen' }] }));
    assert.equal(r.stopReason, 'xen-few-pages');
    assert.equal(r.passes, 2);
    assertClose(r.totalTimeMs, ((PAGES * WIRE) / LINK) * 1000, 1e-12, 'one full pass');
  });

  test('a small working set rewritten as fast as the link sends keeps it going to the 29th iteration', () => {
    // linear writes (never to a pending page, so nothing is skipped) at the link's page rate over 1000
    // pages: every pass resends 1000 pages (>= 50), and 262144 + 28 x 1000 pages stay under 3 x RAM
    const r = simulate(basic({ ram: GiB, workload: { kind: 'linear', dirtyRate: (LINK / WIRE) * 4096, workingSet: '4000KiB' }, bandwidth: LINK, policy: [{ kind: 'xen' }] }));
    assert.equal(r.stopReason, 'xen-max-iters');
    assert.equal(r.passes, 29);
    assertClose(r.transferredBytes, (PAGES + 29 * 1000) * 4096, 1e-9, '28 resends and the final 1000 pages');
  });

  test('a pass that skips everything is short, so little is dirtied during it, and Xen stops (< 50 pages)', () => {
    const r = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '1GiB/s', workingSet: '4000KiB' }, bandwidth: LINK, policy: [{ kind: 'xen' }] }));
    assert.equal(r.stopReason, 'xen-few-pages');
    assert.ok(r.passes < 29);
  });

  test('skipping pages written again during the pass shortens passes: fewer bytes than without', () => {
    const w = { kind: 'uniform', dirtyRate: '2GiB/s', workingSet: '128MiB' };
    const legacy = simulate(basic({ ram: 256 * MiB, workload: w, bandwidth: LINK, policy: [{ kind: 'xen', maxIters: 5 }] }));
    const noSkip = simulate(basic({ ram: 256 * MiB, workload: w, bandwidth: LINK, policy: [{ kind: 'xen-v2', targetDirtyCount: 0 }] }));
    assert.equal(legacy.passes, 5);
    assert.equal(noSkip.passes, 5);
    assert.ok(legacy.transferredBytes < noSkip.transferredBytes * 0.9, `${legacy.transferredBytes} vs ${noSkip.transferredBytes}`);
  });

  test('the fluid skip model agrees with page-level replicates', () => {
    const mk = (fidelity: 'fluid' | 'page', seed: number) =>
      basic({ ram: 256 * MiB, workload: { kind: 'uniform', dirtyRate: '2GiB/s', workingSet: '128MiB' }, bandwidth: LINK, policy: [{ kind: 'xen', maxIters: 6 }], fidelity, seed });
    const fluid = simulate(mk('fluid', 1));
    const pages = Array.from({ length: 6 }, (_, i) => simulate(mk('page', i + 1)).transferredBytes);
    const mean = pages.reduce((a, b) => a + b) / pages.length;
    assertClose(mean, fluid.transferredBytes, 5e-3, 'bytes');
  });
});
