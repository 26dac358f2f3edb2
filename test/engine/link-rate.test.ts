import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

/**
 * The engine under a link whose rate changes at given instants (what a fleet
 * driver does when a migration sharing the link starts or ends). The numbers
 * are worked out by hand from the textbook model (docs/engine-api.md):
 * pass i sends what was dirtied during pass i - 1, V_i = D T_(i-1).
 */
describe('a link-rate change at a given instant', () => {
  // 8 GiB, linear 250 MB/s, 1 GB/s, 30 ms; at t0 = 4 s the link halves to 500 MB/s
  const M = 8 * GiB;
  const D = 0.25e9;
  const R = 1e9;
  const t0 = 4;
  const precopy = () => basic({ ram: M, workload: { kind: 'linear', dirtyRate: D }, bandwidth: R, policy: [{ kind: 'precopy', downtimeLimit: '30ms' }] });

  test('halving the bandwidth in the first pass gives the hand-worked textbook result', () => {
    // pass 1: R t0 bytes by t0, the rest at R/2: T1 = t0 + (M - R t0) / (R/2) = 2M/R - t0 = 13.179869184 s
    const T1 = t0 + (M - R * t0) / (R / 2);
    // measured over pass 1: M / T1 = 651.8 MB/s; V1 = D T1 = 3.295 GB > 651.8 MB/s x 30 ms
    const V1 = D * T1;
    // from pass 2 on everything runs at R/2: L = D / (R/2) = 0.5, V_i = V1 / 2^(i-1), threshold (R/2) x 30 ms = 15 MB:
    // V8 = 25.7 MB > 15 MB, V9 = 12.9 MB <= 15 MB: nine passes, then V9 is the stop-and-copy
    const V = (i: number) => V1 / 2 ** (i - 1);
    assert.ok(V(8) > (R / 2) * 0.03 && V(9) <= (R / 2) * 0.03);
    let sent = M;
    for (let i = 1; i <= 9; i++) sent += V(i);
    const r = simulate(precopy(), { linkRateChanges: [{ atS: t0, bytesPerSec: R / 2 }] });
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'downtime-met');
    assert.equal(r.passes, 9);
    assertClose(r.transferredBytes, sent, 1e-12, 'M + V1 + ... + V9');
    assertClose(r.totalTimeMs, (T1 + (sent - M) / (R / 2)) * 1000, 1e-12, 'T1 + (V1 + ... + V9) / (R/2)');
    assertClose(r.downtimeMs, (V(9) / (R / 2)) * 1000, 1e-12, 'V9 at R/2');
  });

  test('a change during the stop-and-copy stretches the downtime by hand: bytes before it at the old rate, the rest at the new', () => {
    // without a change: 9 passes (the worked case of precopy-closed-form), stop at ts, V9 = 8 GiB / 512 at 1 GB/s
    const plain = simulate(basic({ ram: M, workload: { kind: 'linear', dirtyRate: 0.5e9 }, bandwidth: R, policy: [{ kind: 'precopy', downtimeLimit: '30ms' }] }));
    const V9 = M / 512;
    const ts = (plain.totalTimeMs - plain.downtimeMs) / 1000;
    // the rate drops to a quarter 5 ms into the copy: 5 MB go at 1 GB/s, the other V9 - 5 MB at 250 MB/s
    const r = simulate(basic({ ram: M, workload: { kind: 'linear', dirtyRate: 0.5e9 }, bandwidth: R, policy: [{ kind: 'precopy', downtimeLimit: '30ms' }] }), {
      linkRateChanges: [{ atS: ts + 0.005, bytesPerSec: R / 4 }],
    });
    assert.equal(r.passes, 9);
    assertClose(r.downtimeMs, (0.005 + (V9 - 0.005 * R) / (R / 4)) * 1000, 1e-9, '5 ms + (V9 - 5 MB) / 250 MB/s');
  });

  test('with no change in the run, every figure is identical to the constant link', () => {
    for (const policy of [[{ kind: 'precopy' }], [{ kind: 'qemu' }, { kind: 'auto-converge' }], [{ kind: 'qemu-2011' }, { kind: 'max-passes', passes: 10 }], [{ kind: 'xen' }]]) {
      const s = basic({ ram: 2 * GiB, workload: { kind: 'uniform', dirtyRate: 60 * MiB }, bandwidth: 125e6, policy, horizon: 600 });
      const plain = simulate(s);
      assert.deepEqual(simulate(s, { linkRateChanges: [] }), plain, `${policy[0]!.kind}: an empty list`);
      // a change after the end never applies
      assert.deepEqual(simulate(s, { linkRateChanges: [{ atS: 1e6, bytesPerSec: 1 }] }), plain, `${policy[0]!.kind}: a change after the end`);
    }
  });

  test('a "change" to the same rate splits the pass without changing the numbers beyond rounding', () => {
    const s = precopy();
    const plain = simulate(s);
    const split = simulate(s, {
      linkRateChanges: [
        { atS: 1.5, bytesPerSec: R },
        { atS: 7.25, bytesPerSec: R },
      ],
    });
    assert.equal(split.passes, plain.passes);
    assertClose(split.totalTimeMs, plain.totalTimeMs, 1e-12, 'total time');
    assertClose(split.transferredBytes, plain.transferredBytes, 1e-12, 'bytes');
  });

  test('changes out of time order or to a rate <= 0 are refused', () => {
    assert.throws(
      () =>
        simulate(precopy(), {
          linkRateChanges: [
            { atS: 5, bytesPerSec: R },
            { atS: 4, bytesPerSec: R },
          ],
        }),
      /linkRateChanges\[1\]/,
    );
    assert.throws(() => simulate(precopy(), { linkRateChanges: [{ atS: 5, bytesPerSec: 0 }] }), /linkRateChanges\[0\]/);
  });
});
