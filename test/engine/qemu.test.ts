import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICIES, simulate } from '../../src/engine/index.js';
import type { MigrationView } from '../../src/engine/view.js';
import type { Rule } from '../../src/engine/policy.js';
import type { TimelinePoint } from '../../src/engine/types.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

const PAGE = 4096;
const WIRE = 4096 + 8; // ram.c save_page_header + page

describe('qemu (modern QEMU): sync only below the threshold, unthrottled final copy', () => {
  test('an idle 1 GiB guest switches over inside the first pass, at t = 7.8 s, with 3 syncs', () => {
    // 128 MiB/s: a 100 ms window lets 13421772.8 wire bytes through = 3270.4 pages. From t = 0.1 s the
    // window bandwidth is 134217728 B/s, so threshold = 0.3 s x that = 9830.4 pages of 4096 bytes.
    // Before window k, 262144 - 3270.4 k pages are pending; below the threshold first at k = 78 (t = 7.8 s):
    // sync (dirty-sync-count 2), nothing new, complete; ram_save_complete syncs again (3).
    const r = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 1.25e9, policy: [{ kind: 'qemu' }] }));
    const perWindow = (128 * MiB * 0.1) / WIRE;
    const thresholdPages = (0.3 * 128 * MiB) / PAGE;
    const k = Math.floor((262144 - thresholdPages) / perWindow) + 1;
    assert.equal(k, 78);
    const left = 262144 - perWindow * k;
    assert.equal(r.outcome, 'completed');
    assert.equal(r.syncs, 3);
    assert.equal(r.passes, 0, 'switched over inside the first pass');
    // plus the last bitmap sync with the guest stopped: 9 us per GiB (finalSyncPerGiB's default)
    assertClose(r.downtimeMs, ((left * WIRE) / 1.25e9) * 1000 + 0.009, 1e-9, 'the final sync and the final copy at the link speed: 23.2 ms');
    assertClose(r.expectedDowntimeMs, ((left * PAGE) / (128 * MiB)) * 1000, 1e-9, 'QEMU expects 215 ms (at max-bandwidth)');
    assertClose(r.totalTimeMs, 7800 + r.downtimeMs, 1e-12, 'total');
    assertClose(r.transferredBytes, 262144 * WIRE, 1e-12, 'headers are counted');
    assert.ok(r.downtimeMs < r.expectedDowntimeMs / 9, 'far below the promise');
  });

  test('zero pages cost 9 bytes (save_zero_page)', () => {
    const r = simulate(basic({ ram: GiB, zeroShare: 1, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 1.25e9, policy: [{ kind: 'qemu' }] }));
    // 262144 x 9 bytes = 2.36 MB: below the 40 MB threshold at the first decision with a threshold (t = 0.1 s)
    assertClose(r.transferredBytes, 262144 * 9, 1e-12, 'bytes');
    assert.ok(r.totalTimeMs < 200, `total ${r.totalTimeMs}`);
  });

  test('avail-switchover-bandwidth replaces the measured bandwidth in the threshold', () => {
    // with 1 GB/s declared, threshold = 300 MB: before window k, 262144 - 3270.4 k pages < 73242.2 at k = 58
    const r = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 1.25e9, policy: [{ kind: 'qemu', availSwitchoverBandwidth: 1e9 }] }));
    const perWindow = (128 * MiB * 0.1) / WIRE;
    const k = Math.floor((262144 - 0.3e9 / PAGE) / perWindow) + 1;
    assert.equal(k, 58);
    assertClose(r.totalTimeMs - r.downtimeMs, k * 100, 1e-9, 'switch time');
  });

  test('a guest dirtying faster than the limit keeps iterating (no iteration limit in QEMU)', () => {
    const r = simulate(
      basic({
        ram: 256 * MiB,
        workload: { kind: 'uniform', dirtyRate: '64MiB/s', workingSet: '64MiB' },
        bandwidth: 1.25e9,
        policy: [{ kind: 'qemu', maxBandwidth: '32MiB/s' }],
        horizon: 120,
      }),
    );
    assert.equal(r.outcome, 'unfinished');
    // QEMU's expected-downtime stays around seconds: the whole 64 MiB working set at 32 MiB/s
    assert.ok(r.expectedDowntimeMs > 1000 && r.expectedDowntimeMs < 2100, `${r.expectedDowntimeMs}`);
  });
});

describe('auto-converge', () => {
  const scenario = (extra: Record<string, unknown> = {}, cpuShare = 0.01) =>
    basic({
      ram: 256 * MiB,
      workload: { kind: 'uniform', dirtyRate: '64MiB/s', workingSet: '64MiB', cpuShare },
      bandwidth: 1.25e9,
      policy: [
        { kind: 'qemu', maxBandwidth: '32MiB/s' },
        { kind: 'auto-converge', periodicSync: false, ...extra },
      ],
      horizon: 300,
    });

  test('throttle 20, 30, 40 ... 90, 99 on a workload that keeps triggering; first at the 4th sync, then every 2nd', () => {
    // cpuShare 0.01: the writer needs 1% of the vCPU, so throttling below 99% does not slow it and the
    // trigger keeps firing. Syncs: 1 at setup; 2 when the bulk pass (256 MiB at 32 MiB/s) is nearly done:
    // its period (~7.7 s) saw 64 MiB dirtied vs ~246 MiB sent (< 50%); from then on every sync comes
    // after resending the 64 MiB working set (~2 s): dirtied 64 MiB > 50% of 64 MiB sent, so the count
    // reaches 2 at syncs 4, 6, 8, ...
    const tl: TimelinePoint[] = [];
    const r = simulate(scenario(), { timeline: tl });
    const steps = tl.filter((p) => p.event === 'throttle');
    assert.deepEqual(
      steps.map((p) => Math.round(p.throttlePct)),
      [20, 30, 40, 50, 60, 70, 80, 90, 99],
    );
    assert.deepEqual(steps.map((p) => p.syncs).slice(0, 4), [4, 6, 8, 10]);
    assert.equal(r.maxThrottlePct, 99);
    // guest CPU time taken: the throttle integrated over time (vCPUs = 1), up to the stop
    const stopMs = r.outcome === 'unfinished' ? r.totalTimeMs : r.totalTimeMs - r.downtimeMs;
    let cpu = 0;
    steps.forEach((p, i) => {
      const until = i + 1 < steps.length ? steps[i + 1]!.tMs : stopMs;
      cpu += (p.throttlePct / 100) * ((until - p.tMs) / 1000);
    });
    assertClose(r.throttleCpuSeconds, cpu, 1e-9, 'throttleCpuSeconds');
  });

  test('a writer that follows run time slows with the throttle, and the migration converges', () => {
    const r = simulate(scenario({}, 1));
    assert.equal(r.outcome, 'completed');
    // at throttle p the guest writes (1 - p) x 64 MiB/s; it must fall below what 32 MiB/s can absorb
    assert.ok(r.maxThrottlePct >= 40 && r.maxThrottlePct <= 80, `${r.maxThrottlePct}`);
  });

  test('a larger increment converges sooner (guestperf auto-converge-step 5 / 10 / 20)', () => {
    const t = (increment: number) => simulate(scenario({ increment }, 1)).totalTimeMs;
    assert.ok(t(20) < t(10) && t(10) < t(5), `${t(5)} ${t(10)} ${t(20)}`);
  });

  test('tail-slow raises the throttle only as far as the dirty/transfer ratio asks', () => {
    // Drive the rule with chosen periods (a stand-in for the migration: time, bytes sent, throttle).
    // Periods of 2 s with 100 MiB sent: threshold 50 MiB. Two periods dirtying 100 MiB: throttle 20%.
    // Two dirtying 55 MiB: cpu_now 80, cpu_ideal = 80 x 50/55 = 72.73, increment 7.27 (not 10): 27.27%.
    const fake = {
      t: 0,
      transferredBytes: 0,
      throttle: 0,
      setThrottle(x: number) {
        this.throttle = x;
      },
    };
    const rule = POLICIES['auto-converge']!.create({ initial: 20, increment: 10, max: 99, triggerThreshold: 50, tailslow: true, periodicSync: false });
    const period = (dirtyMiB: number) => {
      fake.t += 2;
      fake.transferredBytes += 100 * MiB;
      (rule as Rule).onSync(fake as unknown as MigrationView, dirtyMiB * MiB);
    };
    period(100);
    assert.equal(fake.throttle, 0, 'the first high period only counts');
    period(100);
    assertClose(fake.throttle, 0.2, 1e-12, 'initial');
    period(55);
    period(55);
    assertClose(fake.throttle, (20 + (80 - (80 * 50) / 55)) / 100, 1e-12, 'tail-slow step');
    // without tail-slow the same periods add the full increment
    const plain = POLICIES['auto-converge']!.create({ initial: 20, increment: 10, max: 99, triggerThreshold: 50, tailslow: false, periodicSync: false });
    Object.assign(fake, { t: 0, transferredBytes: 0, throttle: 0 });
    for (const d of [100, 100, 55, 55]) {
      fake.t += 2;
      fake.transferredBytes += 100 * MiB;
      (plain as Rule).onSync(fake as unknown as MigrationView, d * MiB);
    }
    assertClose(fake.throttle, 0.3, 1e-12, '20 + 10');
  });

  test('the 5 s forced sync (QEMU >= 9.2) lets the throttle rise inside a long pass', () => {
    // 8 GiB guest at 32 MiB/s: the bulk pass takes 256 s (the timer does nothing while dirty-sync-count is
    // 1), then the 4 GiB working set is resent for another 128 s with no sync of QEMU's own. With the
    // timer, syncs every 5 s close periods in which far more than half the bytes sent were dirtied.
    const mk = (periodicSync: boolean) =>
      simulate(
        basic({
          ram: 8 * GiB,
          workload: { kind: 'uniform', dirtyRate: '256MiB/s', workingSet: '4GiB' },
          bandwidth: 1.25e9,
          policy: [
            { kind: 'qemu', maxBandwidth: '32MiB/s' },
            { kind: 'auto-converge', periodicSync },
          ],
          horizon: 350,
        }),
      );
    assert.equal(mk(false).maxThrottlePct, 0);
    assert.ok(mk(true).maxThrottlePct >= 20);
    assert.ok(mk(true).syncs > 10);
  });
});

describe('dirty-limit', () => {
  test('on the trigger every vCPU is capped at the vcpu-dirty-limit and the migration converges', () => {
    const tl: TimelinePoint[] = [];
    const r = simulate(
      basic({
        ram: 256 * MiB,
        workload: { kind: 'uniform', dirtyRate: '64MiB/s', workingSet: '64MiB' },
        bandwidth: 1.25e9,
        policy: [
          { kind: 'qemu', maxBandwidth: '32MiB/s' },
          { kind: 'dirty-limit', vcpuLimit: '1MiB/s' },
        ],
        horizon: 300,
      }),
      { timeline: tl },
    );
    assert.equal(r.outcome, 'completed');
    const last = tl.filter((p) => p.event === 'sync').at(-1) as TimelinePoint;
    assertClose(last.dirtyRateBytesPerSec, 1 * MiB, 1e-12, 'capped at 1 MiB/s x 1 vCPU');
  });
});

describe('qemu: the hidden downtime of the last bitmap sync', () => {
  const big = (finalSyncPerGiB: string) =>
    basic({ ram: 16 * GiB, workload: { kind: 'uniform', dirtyRate: '10MiB/s', workingSet: '1GiB' }, bandwidth: 1.25e9, policy: [{ kind: 'qemu', finalSyncPerGiB }] });

  test('1 ms per GiB on a 16 GiB guest adds exactly 16 ms to the real downtime and nothing to what QEMU expected', () => {
    const without = simulate(big('0s'));
    const with16 = simulate(big('1ms'));
    assertClose(with16.downtimeMs - without.downtimeMs, 16, 1e-9, 'the sync inside the downtime');
    assert.equal(with16.expectedDowntimeMs, without.expectedDowntimeMs, "QEMU's expected-downtime does not count it");
    assertClose(with16.totalTimeMs - with16.downtimeMs, without.totalTimeMs - without.downtimeMs, 1e-12, 'the stop comes at the same time');
  });

  test('the default is the 9 us/GiB measured here with KVM: 0.144 ms on a 16 GiB guest', () => {
    assertClose(simulate(big('9us')).downtimeMs, simulate(big('0s')).downtimeMs + 0.144, 1e-9, 'explicit 9 us');
    assert.equal(
      simulate(basic({ ram: 16 * GiB, workload: { kind: 'uniform', dirtyRate: '10MiB/s', workingSet: '1GiB' }, bandwidth: 1.25e9, policy: [{ kind: 'qemu' }] })).downtimeMs,
      simulate(big('9us')).downtimeMs,
    );
  });
});
