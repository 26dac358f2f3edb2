import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

describe('convergence-timeout (Liguori 2011): the downtime limit doubles every period after the timeout', () => {
  test('a 100 MiB working set resent every 1 s pass converges once the limit reaches 1.92 s', () => {
    // Pass 0: 1 GiB at 100 MiB/s = 10.24 s. Linear writes at 150 MiB/s cap at the 100 MiB working set, so
    // every later pass sends 100 MiB in 1 s; decisions at t = 10.24 + j. Needed: limit >= 1 s.
    // d(t) = 30 ms x 2^(floor((t - 60) / 60) + 1): 960 ms for t in [300, 360), 1920 ms from 360 s.
    // First decision at or after 360 s: j = 350, t = 360.24 s; then 1 s of downtime.
    const r = simulate(
      basic({
        ram: GiB,
        workload: { kind: 'linear', dirtyRate: '150MiB/s', workingSet: '100MiB' },
        bandwidth: 100 * MiB,
        policy: [
          { kind: 'precopy', downtimeLimit: '30ms' },
          { kind: 'convergence-timeout', timeout: '60s', period: '60s', factor: 2 },
        ],
      }),
    );
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'convergence-timeout');
    assert.equal(r.passes, 351);
    assertClose(r.totalTimeMs, 361240, 1e-12, 'total time');
    assertClose(r.downtimeMs, 1000, 1e-12, 'downtime');
    assertClose(r.transferredBytes, GiB + 351 * 100 * MiB, 1e-12, 'bytes');
  });

  test("the ramp follows Liguori's mail: 60, 120, 240, 480 ms at 1, 2, 3, 4 minutes", () => {
    // pending fixed at 100 MiB (1 s passes as above) and a 300 MiB/s link: needs 333 ms -> the 480 ms step
    // (t >= 240 s). Pass 0 takes 3.41 s, then 1/3 s passes: decision times 3.413 + j/3.
    const r = simulate(
      basic({
        ram: GiB,
        workload: { kind: 'linear', dirtyRate: '400MiB/s', workingSet: '100MiB' },
        bandwidth: 300 * MiB,
        policy: [{ kind: 'precopy', downtimeLimit: '30ms' }, { kind: 'convergence-timeout' }],
      }),
    );
    const pass0 = 1024 / 300;
    const j = Math.ceil((240 - pass0) * 3);
    assertClose(r.totalTimeMs, (pass0 + j / 3 + 1 / 3) * 1000, 1e-9, 'switch at the first decision after 4 minutes');
    assertClose(r.downtimeMs, 1000 / 3, 1e-9, '100 MiB at 300 MiB/s');
  });
});

describe('pause-after (Bonzini, libvirt --timeout): the guest is paused and the migration converges', () => {
  test('paused at 5 s inside the first pass: one more pass of the 5 s of dirt, then nothing left', () => {
    // 1 GiB, linear 50 MiB/s, 100 MiB/s link. Pass 0 ends at 10.24 s with the 250 MiB written before the
    // pause pending; pass 1 sends it in 2.5 s (t = 12.74) with no new dirt: switch over with 0 bytes.
    // Downtime counts from the pause: 12.74 - 5 = 7.74 s.
    const r = simulate(
      basic({ ram: GiB, workload: { kind: 'linear', dirtyRate: '50MiB/s' }, bandwidth: 100 * MiB, policy: [{ kind: 'precopy' }, { kind: 'pause-after', timeout: '5s' }] }),
    );
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'timeout-pause');
    assert.equal(r.passes, 2);
    assertClose(r.totalTimeMs, 12740, 1e-12, 'total time');
    assertClose(r.downtimeMs, 7740, 1e-12, 'downtime from the pause');
    assertClose(r.transferredBytes, GiB + 250 * MiB, 1e-12, 'bytes');
  });

  test('with qemu-2011 the pause turns the never-converging case into a completed one', () => {
    const w = { kind: 'uniform', dirtyRate: '1GiB/s', workingSet: '512MiB' };
    const never = simulate(basic({ ram: GiB, workload: w, bandwidth: 125e6, policy: [{ kind: 'qemu-2011' }], horizon: 600 }));
    assert.equal(never.outcome, 'unfinished');
    const paused = simulate(basic({ ram: GiB, workload: w, bandwidth: 125e6, policy: [{ kind: 'qemu-2011' }, { kind: 'pause-after', timeout: '60s' }], horizon: 600 }));
    assert.equal(paused.outcome, 'completed');
    assert.equal(paused.stopReason, 'timeout-pause');
    // after the pause the limiter drains the pending set at 32 MiB/s until 75 MB remain (30 ms at 2.5 GB/s):
    // at most 512 MiB / 32 MiB/s = 16 s more, then the final copy
    assert.ok(paused.totalTimeMs > 60000 && paused.totalTimeMs < 60000 + 16000 + 1000, `total ${paused.totalTimeMs}`);
    assertClose(paused.downtimeMs, paused.totalTimeMs - 60000, 1e-12, 'downtime = time since the pause');
  });
});

describe('rules compose', () => {
  test('the first rule to fire names the stop; the base rule is checked first', () => {
    // worked example: max-passes 10 and transfer-factor 3 together: transfer-factor fires first (pass 4)
    const r = simulate(
      basic({
        ram: GiB,
        workload: { kind: 'linear', dirtyRate: '150MiB/s' },
        bandwidth: 100 * MiB,
        policy: [{ kind: 'precopy' }, { kind: 'max-passes', passes: 10 }, { kind: 'transfer-factor', factor: 3 }],
      }),
    );
    assert.equal(r.stopReason, 'transfer-factor');
    assert.equal(r.passes, 4);
  });
});
