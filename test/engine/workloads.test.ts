import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

/**
 * A second implementation of textbook precopy for saturating workloads:
 * the pass recurrence written directly from the occupancy formula of
 * docs/engine-model.md#workloads, one class of pages at a time.
 *   V_0 = RAM;  V_{i+1} = sum_c S_c (1 - exp(-w_c T_i / S_c)),  T_i = V_i / R
 * Stop after pass i when V_{i+1} <= R x downtime.
 */
function recurrence(ram: number, classes: { size: number; rate: number }[], r: number, downtimeS: number, maxPasses = 10_000) {
  let v = ram;
  let t = 0;
  let sent = 0;
  for (let pass = 1; pass <= maxPasses; pass++) {
    const tPass = v / r;
    t += tPass;
    sent += v;
    v = classes.reduce((acc, c) => acc + c.size * (1 - Math.exp((-c.rate * tPass) / c.size)), 0);
    if (v <= r * downtimeS || pass === maxPasses) return { passes: pass, totalS: t + v / r, downtimeS: v / r, sent: sent + v };
  }
  throw new Error('unreachable');
}

describe('uniform workload: unique dirty bytes W (1 - exp(-r t / W))', () => {
  test('converging run matches the occupancy recurrence', () => {
    // 4 GiB guest, 1 GiB working set written at 50 MiB/s, 1 Gbit/s: pass 0 takes 34.4 s, by then
    // 1 - e^(-1.68) = 81% of the working set is dirty; each later pass is shorter (50 MiB/s < 125 MB/s).
    const s = basic({
      ram: 4 * GiB,
      workload: { kind: 'uniform', dirtyRate: '50MiB/s', workingSet: '1GiB' },
      bandwidth: 125e6,
      policy: [{ kind: 'precopy', downtimeLimit: '300ms' }],
    });
    const r = simulate(s);
    const ref = recurrence(4 * GiB, [{ size: GiB, rate: 50 * MiB }], 125e6, 0.3);
    assert.equal(r.outcome, 'completed');
    assert.ok(ref.passes >= 4, `a multi-pass case (${ref.passes})`);
    assert.equal(r.passes, ref.passes);
    assertClose(r.totalTimeMs, ref.totalS * 1000, 1e-12, 'total time');
    assertClose(r.downtimeMs, ref.downtimeS * 1000, 1e-10, 'downtime');
    assertClose(r.transferredBytes, ref.sent, 1e-12, 'bytes');
  });

  test('a saturated working set is resent whole each pass and never converges (the 2011 case)', () => {
    // 1 GiB/s of random writes over 512 MiB at 1 Gbit/s: each pass lasts >= 4.3 s, during which
    // 1 - e^(-8.4) of the working set is rewritten.
    const s = basic({
      ram: 2 * GiB,
      workload: { kind: 'uniform', dirtyRate: '1GiB/s', workingSet: '512MiB' },
      bandwidth: 125e6,
      policy: [{ kind: 'precopy' }, { kind: 'max-passes', passes: 6 }],
    });
    const r = simulate(s);
    const ref = recurrence(2 * GiB, [{ size: 512 * MiB, rate: GiB }], 125e6, 0.03, 6);
    assert.equal(r.stopReason, 'max-passes');
    assert.equal(r.passes, 6);
    assertClose(r.totalTimeMs, ref.totalS * 1000, 1e-12, 'total time');
    assertClose(r.transferredBytes, ref.sent, 1e-12, 'bytes');
    // the pending set after a 4.3 s pass: 512 MiB x (1 - exp(-1 GiB/s x 4.3 s / 512 MiB)) > 511.8 MiB
    assert.ok(r.downtimeMs > 4290, `downtime ${r.downtimeMs}`);
  });

  test('a page written twice before it is sent counts once: dirty bytes saturate below rate x time', () => {
    // In one 8.59 s pass (1 GiB at 125 MB/s) the guest writes 100 MiB/s x 8.59 s = 859 MiB of pages over a
    // 256 MiB working set: the pending set is 256 MiB x (1 - e^(-3.36)) = 247.3 MiB, not 859 MiB.
    const s = basic({
      ram: GiB,
      workload: { kind: 'uniform', dirtyRate: '100MiB/s', workingSet: '256MiB' },
      bandwidth: 125e6,
      policy: [{ kind: 'precopy' }, { kind: 'max-passes', passes: 1 }],
    });
    const r = simulate(s);
    const t0 = GiB / 125e6;
    const pending = 256 * MiB * (1 - Math.exp((-100 * MiB * t0) / (256 * MiB)));
    assertClose(r.downtimeMs, (pending / 125e6) * 1000, 1e-12, 'downtime = pending / R');
    assertClose(pending / MiB, 247.3, 1e-3, 'hand figure');
  });
});

describe('hotcold workload: hot and cold classes add up', () => {
  test('matches the two-class occupancy recurrence', () => {
    // 8 GiB guest, 2 GiB working set; 64 MiB hot set takes 90% of 300 MiB/s of writes.
    const s = basic({
      ram: 8 * GiB,
      workload: { kind: 'hotcold', dirtyRate: '300MiB/s', workingSet: '2GiB', hotSet: '64MiB', hotShare: 0.9 },
      bandwidth: 1.25e9,
      policy: [
        { kind: 'precopy', downtimeLimit: '100ms' },
        { kind: 'max-passes', passes: 30 },
      ],
    });
    const r = simulate(s);
    const ref = recurrence(
      8 * GiB,
      [
        { size: 64 * MiB, rate: 0.9 * 300 * MiB },
        { size: 2 * GiB - 64 * MiB, rate: 0.1 * 300 * MiB },
      ],
      1.25e9,
      0.1,
      30,
    );
    assert.equal(r.passes, ref.passes);
    assertClose(r.totalTimeMs, ref.totalS * 1000, 1e-12, 'total time');
    assertClose(r.transferredBytes, ref.sent, 1e-12, 'bytes');
  });

  test('a hot set written faster than the link is a floor: 100 ms fits, 10 ms never does', () => {
    // 90% of 1.6 GiB/s go to a 64 MiB hot set: 1.546 GB/s > 1.25 GB/s. The pending set converges to the
    // fixed point of V = S (1 - exp(-w V / (R S))) + cold part, about 23 MiB, i.e. ~20 ms of downtime.
    const workload = { kind: 'hotcold', dirtyRate: '1.6GiB/s', workingSet: '2GiB', hotSet: '64MiB', hotShare: 0.9 };
    const classes = [
      { size: 64 * MiB, rate: 0.9 * 1.6 * GiB },
      { size: 2 * GiB - 64 * MiB, rate: 0.1 * 1.6 * GiB },
    ];
    let v = 8 * GiB;
    for (let i = 0; i < 10_000; i++) v = classes.reduce((a, c) => a + c.size * (1 - Math.exp((-c.rate * (v / 1.25e9)) / c.size)), 0);
    const floorMs = (v / 1.25e9) * 1000;
    assert.ok(floorMs > 10 && floorMs < 100, `floor ${floorMs} ms`);
    const mk = (limit: string) => simulate(basic({ ram: 8 * GiB, workload, bandwidth: 1.25e9, policy: [{ kind: 'precopy', downtimeLimit: limit }], horizon: 600 }));
    const ok = mk('100ms');
    assert.equal(ok.outcome, 'completed');
    assert.ok(ok.downtimeMs > floorMs && ok.downtimeMs <= 100, `downtime ${ok.downtimeMs} between the floor and the limit`);
    const stuck = mk('10ms');
    assert.equal(stuck.outcome, 'unfinished');
    assertClose(stuck.expectedDowntimeMs, floorMs, 1e-6, 'it keeps resending the floor');
  });
});

describe('zero pages', () => {
  test('precopy sends zero pages whole unless zeroPageBytes says otherwise', () => {
    const run = (zeroPageBytes?: number) =>
      simulate(
        basic({
          ram: GiB,
          zeroShare: 0.5,
          workload: { kind: 'linear', dirtyRate: 0 },
          bandwidth: 100 * MiB,
          policy: [{ kind: 'precopy', ...(zeroPageBytes !== undefined ? { zeroPageBytes } : {}) }],
        }),
      );
    // idle guest: one live pass, nothing dirty after it, a zero-byte stop-and-copy
    assertClose(run().totalTimeMs, 10240, 1e-13, 'whole pages: 1 GiB at 100 MiB/s');
    assertClose(run(0).totalTimeMs, 5120, 1e-13, 'free zero pages: only 512 MiB of data');
    assert.equal(run(0).downtimeMs, 0);
  });

  test('the working set defaults to all RAM that does not hold zero pages', () => {
    // linear writes at 50 MiB/s cap at 768 MiB (RAM minus a 25% zero share), not at 1 GiB
    const r = simulate(
      basic({
        ram: GiB,
        zeroShare: 0.25,
        workload: { kind: 'linear', dirtyRate: '500MiB/s' },
        bandwidth: 100 * MiB,
        policy: [{ kind: 'precopy' }, { kind: 'max-passes', passes: 1 }],
      }),
    );
    assertClose(r.downtimeMs, 7680, 1e-13, '768 MiB at 100 MiB/s');
  });
});

describe('latency and the estimator', () => {
  test('latency adds once to downtime and total time', () => {
    const base = { ram: 8 * GiB, workload: { kind: 'linear', dirtyRate: 0.5e9 }, bandwidth: 1e9, policy: [{ kind: 'precopy', downtimeLimit: '30ms' }] };
    const a = simulate(basic(base));
    const b = simulate(basic({ ...base, latency: 0.002 }));
    assertClose(b.downtimeMs - a.downtimeMs, 2, 1e-9, 'downtime + 2 ms');
    assertClose(b.totalTimeMs - a.totalTimeMs, 2, 1e-6, 'total + 2 ms');
  });

  test('a biased estimate moves the decision, the real downtime comes from the link', () => {
    // bias 4: the policy believes the link is 4 GB/s, so it stops when pending <= 120 MB (V_7 = 67 MB)
    // instead of 30 MB (V_9); real downtime V_7 / 1 GB/s = 67.1 ms, expected = V_7 / 4 GB/s.
    const r = simulate(
      basic({
        ram: 8 * GiB,
        workload: { kind: 'linear', dirtyRate: 0.5e9 },
        bandwidth: 1e9,
        policy: [{ kind: 'precopy', downtimeLimit: '30ms' }],
        estimator: { kind: 'bias', factor: 4 },
      }),
    );
    const v7 = (8 * GiB) / 128;
    assert.equal(r.passes, 7);
    assertClose(r.downtimeMs, (v7 / 1e9) * 1000, 1e-12, 'real downtime');
    assertClose(r.expectedDowntimeMs, (v7 / 4e9) * 1000, 1e-12, 'what the policy believed');
  });

  test('link jitter: replicates differ, the mean stays near the jitter-free run, seeds repeat exactly', () => {
    const mk = (seed: number, jitter: number) =>
      simulate(
        basic({
          ram: 4 * GiB,
          workload: { kind: 'uniform', dirtyRate: '50MiB/s', workingSet: '1GiB' },
          bandwidth: 125e6,
          policy: [{ kind: 'precopy', downtimeLimit: '300ms' }],
          seed,
          jitter,
        }),
      );
    const plain = mk(1, 0);
    const runs = Array.from({ length: 200 }, (_, i) => mk(i + 1, 0.1));
    const totals = runs.map((r) => r.totalTimeMs);
    assert.ok(new Set(totals).size > 150, 'replicates differ');
    const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
    // the pass time is wire / rate with a mean-1 rate factor: E[1/X] = exp(sigma^2) = 1.01, so within ~2%
    assertClose(mean, plain.totalTimeMs, 0.03, 'mean total time');
    assert.deepEqual(mk(7, 0.1), mk(7, 0.1));
  });
});
