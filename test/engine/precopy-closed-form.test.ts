import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { assertClose, basic, GiB, MiB, testRandom } from './scenario-builder.js';

/**
 * Liu et al. (HPDC 2011) / Clark et al. closed form, written out here
 * independently of the engine (docs/engine-model.md#the-event-driven-closed-form):
 *   V_i = V_mem L^i, L = D / R;  n = first round i >= 1 with V_i <= R x downtime
 *   V_mig = V_mem (1 - L^(n+1)) / (1 - L);  T_mig = V_mig / R;  T_down = V_n / R.
 * The textbook decides after each full pass, so the first pass is always
 * live: n >= 1.
 */
function closedForm(vMem: number, r: number, d: number, downtimeS: number) {
  const L = d / r;
  const vThd = r * downtimeS;
  const n = Math.max(1, Math.ceil(Math.log(vThd / vMem) / Math.log(L)));
  const vMig = (vMem * (1 - L ** (n + 1))) / (1 - L);
  return { n, vMig, tMig: vMig / r, tDown: (vMem * L ** n) / r, vN: vMem * L ** n, vThd };
}

describe('precopy reproduces the closed-form pre-copy model', () => {
  test('over 500 random linear scenarios, to floating-point precision', () => {
    const rnd = testRandom(2011);
    let checked = 0;
    for (let k = 0; k < 500; k++) {
      const ram = Math.round(64 + rnd() * 65536) * MiB; // 64 MiB .. 64 GiB
      const bw = 10e6 * 1000 ** rnd(); // 10 MB/s .. 10 GB/s
      const L = 0.01 + 0.94 * rnd();
      const downtimeS = 0.001 * 1000 ** rnd(); // 1 ms .. 1 s
      const cf = closedForm(ram, bw, L * bw, downtimeS);
      // skip scenarios that sit on the threshold (floating point decides either way)
      const edge = Math.abs(cf.vN - cf.vThd) / cf.vThd < 1e-9 || Math.abs(cf.vN / L - cf.vThd) / cf.vThd < 1e-9;
      if (edge) continue;
      const r = simulate(basic({ ram, workload: { kind: 'linear', dirtyRate: L * bw }, bandwidth: bw, policy: [{ kind: 'precopy', downtimeLimit: downtimeS }], horizon: 1e9 }));
      assert.equal(r.outcome, 'completed');
      assert.equal(r.passes, cf.n, `passes for ram=${ram} bw=${bw} L=${L} d=${downtimeS}`);
      assertClose(r.transferredBytes, cf.vMig, 1e-11, 'V_mig');
      assertClose(r.totalTimeMs, cf.tMig * 1000, 1e-11, 'T_mig');
      assertClose(r.downtimeMs, cf.tDown * 1000, 1e-11, 'T_down');
      assertClose(r.expectedDowntimeMs, cf.tDown * 1000, 1e-11, 'expected downtime (the estimate is exact here)');
      checked++;
    }
    assert.ok(checked > 480, `only ${checked} scenarios checked`);
  });

  test('a worked case: 8 GiB at 1 GB/s, L = 0.5, 30 ms: n = 9 rounds', () => {
    // V_thd = 30 MB; V_i = 8 GiB / 2^i: V_8 = 33.55 MB > 30 MB, V_9 = 16.8 MB <= 30 MB
    const r = simulate(basic({ ram: 8 * GiB, workload: { kind: 'linear', dirtyRate: 0.5e9 }, bandwidth: 1e9, policy: [{ kind: 'precopy', downtimeLimit: '30ms' }] }));
    assert.equal(r.passes, 9);
    const vMig = (8 * GiB * (1 - 0.5 ** 10)) / 0.5;
    assertClose(r.transferredBytes, vMig, 1e-12, 'V_mig');
    assertClose(r.downtimeMs, ((8 * GiB) / 512 / 1e9) * 1000, 1e-12, 'T_down = V_9 / R');
    assert.equal(r.syncs, 10, 'one sync to start and one per pass');
    assert.equal(r.stopReason, 'downtime-met');
  });
});

describe('the worked example of the engine issue (1 GiB, linear 150 MiB/s, 100 MiB/s link, 30 ms)', () => {
  const workload = { kind: 'linear', dirtyRate: '150MiB/s' };
  const run = (policy: Record<string, unknown>[], horizon = 3600) =>
    simulate(basic({ ram: GiB, workload, bandwidth: 100 * MiB, policy: [{ kind: 'precopy', downtimeLimit: '30ms' }, ...policy], horizon }));

  test('never converges: every pass resends 1 GiB (10.24 s) until the horizon', () => {
    const r = run([]);
    assert.equal(r.outcome, 'unfinished');
    assert.equal(r.stopReason, 'horizon');
    assert.equal(r.totalTimeMs, 3_600_000);
    assert.equal(r.passes, Math.floor(3600 / 10.24)); // 351 full passes
    assertClose(r.transferredBytes, 3600 * 100 * MiB, 1e-12, 'bytes sent in an hour at 100 MiB/s');
    assert.ok(Number.isNaN(r.downtimeMs), 'no downtime when it never switched over');
  });

  test('max-passes 10 stops after the 10th pass: 112640 ms, 10240 ms downtime, 11 GiB', () => {
    const r = run([{ kind: 'max-passes', passes: 10 }]);
    assert.equal(r.outcome, 'completed');
    assert.equal(r.passes, 10);
    assert.equal(r.stopReason, 'max-passes');
    assertClose(r.totalTimeMs, 112640, 1e-13, 'totalTimeMs');
    assertClose(r.downtimeMs, 10240, 1e-13, 'downtimeMs');
    assert.equal(r.transferredBytes, 11 * GiB);
    assert.equal(r.transferFactor, 11);
  });

  test('transfer-factor 3 stops after pass 4 (4 GiB > 3 GiB): 51200 ms, 5 GiB', () => {
    const r = run([{ kind: 'transfer-factor', factor: 3 }]);
    assert.equal(r.passes, 4);
    assert.equal(r.stopReason, 'transfer-factor');
    assertClose(r.totalTimeMs, 51200, 1e-13, 'totalTimeMs');
    assert.equal(r.transferredBytes, 5 * GiB);
  });

  test('transfer-factor is strictly greater: factor 4 does not fire at exactly 4 GiB, but after pass 5', () => {
    const r = run([{ kind: 'transfer-factor', factor: 4 }]);
    assert.equal(r.passes, 5);
    assertClose(r.totalTimeMs, 6 * 10240, 1e-13, 'totalTimeMs');
  });

  test('the hour-long unfinished run is cheap: one event per pass, no time step', () => {
    const r = run([], 100 * 3600);
    assert.equal(r.passes, Math.floor((100 * 3600) / 10.24));
    assert.equal(r.syncs, r.passes + 1);
  });
});
