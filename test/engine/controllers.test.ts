import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { POLICIES } from '../../src/engine/policies/index.js';
import { kubevirtDataGB } from '../../src/engine/policies/kubevirt.js';
import { rampLimitsMs } from '../../src/engine/policies/kubevirt-downtime-ramp.js';
import { exponentialDowntime, OVIRT_SCHEDULES } from '../../src/engine/policies/ovirt.js';
import type { Scenario, TimelinePoint } from '../../src/engine/types.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

/** 16 GiB, 300 MiB/s of writes over 4 GiB, 1 Gbit/s: pre-copy alone never ends (the VEP 291 kind of guest, heavier). */
const busy16 = (rules: Record<string, unknown>[], horizon = 7200): Scenario =>
  basic({
    ram: 16 * GiB,
    workload: { kind: 'uniform', dirtyRate: '300MiB/s', workingSet: '4GiB' },
    bandwidth: 125e6,
    policy: [{ kind: 'qemu', maxBandwidth: 0 }, ...rules],
    horizon,
  });

function timeline(s: Scenario): { result: ReturnType<typeof simulate>; tl: TimelinePoint[] } {
  const tl: TimelinePoint[] = [];
  const result = simulate(s, { timeline: tl });
  return { result, tl };
}

/** The downtime limit (ms) in force just after time tMs, from the timeline's events. */
const limitAfter = (tl: TimelinePoint[], tMs: number) => (tl.filter((p) => p.tMs <= tMs + 1e-6).at(-1) as TimelinePoint).downtimeLimitMs;
/** Times (ms) at which the limit changed, with the new value. */
const limitChanges = (tl: TimelinePoint[]) => tl.filter((p) => p.event === 'limit').map((p) => [p.tMs, p.downtimeLimitMs] as const);
/** Time (ms) of the sync that made dirty-sync-count n. */
const syncTime = (tl: TimelinePoint[], n: number) => (tl.find((p) => p.event === 'sync' && p.syncs === n) as TimelinePoint).tMs;

describe('kubevirt: the migration monitor (live-migration-source.go, legacy path)', () => {
  test('the size is guest memory plus volumes in decimal GB rounded up: 8 GiB -> 9, 16 GiB -> 18, 16 GiB + 1 GB -> 19', () => {
    assert.equal(kubevirtDataGB(8 * GiB, 0), 9);
    assert.equal(kubevirtDataGB(16 * GiB, 0), 18);
    assert.equal(kubevirtDataGB(16 * GiB, 1e9), 19);
    assert.equal(kubevirtDataGB(4e9, 0), 4, 'exactly 4 GB stays 4');
  });

  test('a 16 GiB guest that never converges: budget 150 s x 18 = 2700 s, aborted at the first 400 ms poll with more than 2700 whole seconds, 2701.2 s', () => {
    const r = simulate(busy16([{ kind: 'kubevirt' }]));
    assert.equal(r.outcome, 'aborted');
    assert.equal(r.stopReason, 'kubevirt-completion-timeout');
    // polls at k x 0.4 s; trunc(t) > 2700 first at t = 2701.2 (k = 6753)
    assertClose(r.totalTimeMs, 2_701_200, 1e-12, 'abort time');
    assert.ok(Number.isNaN(r.downtimeMs), 'the guest stays on the source');
  });

  test('workload disruption without post-copy: paused at 2701.2 s, the budget doubles to 5400 s, and the paused guest completes', () => {
    const r = simulate(busy16([{ kind: 'kubevirt', allowWorkloadDisruption: true }]));
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'kubevirt-pause');
    assertClose(r.totalTimeMs - r.downtimeMs, 2_701_200, 1e-9, 'the pause');
    assert.ok(r.totalTimeMs < 5_400_000, 'finished before the doubled budget');
  });

  test('allowPostCopy (and so workload disruption): post-copy at the same poll', () => {
    const r = simulate(busy16([{ kind: 'kubevirt', allowPostCopy: true }]));
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'kubevirt-postcopy');
    assert.ok(r.postcopyMs > 0);
    assert.ok(r.totalTimeMs - r.postcopyMs >= 2_701_200 && r.totalTimeMs - r.postcopyMs < 2_701_200 + 400, 'post-copy starts at the 2701.2 s poll or the decision right after it');
  });

  test('a guest that converges on its own is left alone', () => {
    const r = simulate(
      basic({
        ram: 4 * GiB,
        workload: { kind: 'uniform', dirtyRate: '10MiB/s', workingSet: '1GiB' },
        bandwidth: 125e6,
        policy: [{ kind: 'qemu', maxBandwidth: 0 }, { kind: 'kubevirt' }],
      }),
    );
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'downtime-met');
  });

  test('defaults are those of pkg/virt-config/virt-config.go (completionTimeoutPerGiB 150, progressTimeout 150 s, post-copy and auto-converge off)', () => {
    const p = POLICIES['kubevirt']!.params;
    assert.equal(p.completionTimeoutPerGiB!.default, 150);
    assert.equal(p.progressTimeout!.default, 150);
    assert.equal(p.allowPostCopy!.default, false);
    assert.equal(p.allowAutoConverge!.default, false);
    assert.equal(p.allowWorkloadDisruption!.default, null, 'unset: follows allowPostCopy');
  });

  test('allowAutoConverge throttles the guest as QEMU auto-converge does', () => {
    const r = simulate(busy16([{ kind: 'kubevirt', allowAutoConverge: true }]));
    assert.ok(r.maxThrottlePct >= 20, `throttled (max ${r.maxThrottlePct}%)`);
  });
});

describe('kubevirt-downtime-ramp (VEP 291, tuneDowntime)', () => {
  test('the limits: 150 ms, then + (900 - 150) / 7 = 107 ms (integer division) up to 900: 257, 364, 471, 578, 685, 792, 899, 900', () => {
    assert.deepEqual(rampLimitsMs(150, 900, 7), [150, 257, 364, 471, 578, 685, 792, 899, 900]);
    assert.deepEqual(rampLimitsMs(150, 1050, 7), [150, 278, 406, 534, 662, 790, 918, 1046, 1050], 'the VEP benchmark ceiling');
    assert.deepEqual(rampLimitsMs(899, 900, 7), [899, 900], 'a step of at least 1 ms');
  });

  test('first poll (0.4 s) sets 150 ms; raises start at the first poll after the 3rd sync and come every 25 polls (10 s)', () => {
    const { tl } = timeline(busy16([{ kind: 'kubevirt-downtime-ramp' }, { kind: 'kubevirt' }]));
    const changes = limitChanges(tl);
    assert.deepEqual(
      changes.map((c) => c[1]),
      [150, 257, 364, 471, 578, 685, 792, 899, 900],
    );
    assertClose(changes[0]![0], 400, 1e-12, 'first poll');
    assert.equal(limitAfter(tl, 399), 300, "QEMU's default before");
    const t3 = syncTime(tl, 3);
    const firstRaise = (Math.floor(t3 / 400) + 1) * 400; // the sync lands just after the 172.0 s poll
    assertClose(changes[1]![0], firstRaise, 1e-9, 'the first raise');
    for (let i = 2; i < changes.length; i++) assertClose(changes[i]![0] - changes[i - 1]![0], 10_000, 1e-9, `raise ${i}`);
  });

  test('initial above maxDowntime is refused with both values named', () => {
    const module = POLICIES['kubevirt-downtime-ramp']!;
    assert.equal(module.role, 'rule');
    if (module.role !== 'rule') return;
    assert.match(
      module.check!({ initial: 1, maxDowntime: 0.9, steps: 7, startAfterIteration: 3, cooldown: 10 }, 'qemu') ?? '',
      /initial \(1000 ms\) exceeds maxDowntime \(900 ms\)/,
    );
    assert.throws(
      () => basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '1MiB/s' }, bandwidth: 1e8, policy: [{ kind: 'qemu' }, { kind: 'kubevirt-downtime-ramp', initial: '1s' }] }),
      /exceeds maxDowntime/,
    );
  });
});

/**
 * VDSM's monitor replayed independently from the engine's syncs: polls every
 * 10 s, the first records the iteration, a later one with a new iteration
 * runs the head step if its limit < iterations since the first poll.
 */
function vdsmReplay(tl: TimelinePoint[], stalling: { limit: number; action: string | number }[], pollMs: number, endMs: number) {
  const syncsAt = (tMs: number) => (tl.filter((p) => p.event === 'sync' && p.tMs <= tMs).at(-1) as TimelinePoint).syncs;
  const queue = [...stalling];
  const actions: [number, string | number][] = [];
  let initial = -1;
  let last = -1;
  for (let t = pollMs; t <= endMs && queue.length > 0; t += pollMs) {
    const it = syncsAt(t);
    if (initial < 0) {
      initial = last = it;
      continue;
    }
    if (it <= last) continue;
    last = it;
    if (queue[0]!.limit < it - initial) actions.push([t, queue.shift()!.action]);
  }
  return actions;
}

describe('ovirt: VDSM convergence schedules', () => {
  test("the engine's minimal-downtime schedule: 100 ms, then 150, 200, 300, 400 after 1-4 new iterations, 500 after 6, then abort", () => {
    assert.deepEqual(OVIRT_SCHEDULES['minimal-downtime']!.initMs, 100);
    assert.deepEqual(
      OVIRT_SCHEDULES['minimal-downtime']!.stalling.map((s) => [s.limit, s.action]),
      [
        [1, 150],
        [2, 200],
        [3, 300],
        [4, 400],
        [6, 500],
        [-1, 'abort'],
      ],
    );
  });

  test('VDSM without a schedule: exponential_downtime(500, 5) = 101, 104, 120, 189, 500', () => {
    // offset 100, base 400^(1/4) = 4.4721: 100 + 1, + 4.47, + 20, + 89.4, + 400
    assert.deepEqual(exponentialDowntime(500, 5), [101, 104, 120, 189, 500]);
    assert.equal(OVIRT_SCHEDULES['vdsm-default']!.initMs, 101);
  });

  test('minimal-downtime on a guest that never converges: one step per 10 s poll with a new iteration, as a replay of the syncs predicts, then abort', () => {
    const s = busy16([{ kind: 'ovirt', autoConverge: false }]);
    const { result, tl } = timeline(s);
    assert.equal(result.outcome, 'aborted');
    assert.equal(result.stopReason, 'ovirt-abort');
    const expected = vdsmReplay(tl, OVIRT_SCHEDULES['minimal-downtime']!.stalling, 10_000, result.totalTimeMs);
    assert.equal(expected.length, 6);
    const changes = limitChanges(tl);
    assert.deepEqual(changes[0], [0, 100], 'the init action at the start');
    assert.deepEqual(
      changes.slice(1),
      expected.slice(0, 5).map(([t, ms]) => [t, ms]),
    );
    assert.equal(result.totalTimeMs, expected[5]![0], 'aborted at the poll the replay names');
  });
});

describe('proxmox: QemuMigrate.pm', () => {
  test('100 ms at the start; the limit doubles after the 6th poll on which the remaining data grew (one per pass here: the sync at its end)', () => {
    const { result, tl } = timeline(busy16([{ kind: 'proxmox', autoConverge: false }], 1800));
    // no timeout, no abort: the doublings go on until the limit covers what is left (25.6 s here)
    assert.equal(result.outcome, 'completed');
    assert.equal(result.stopReason, 'proxmox-downtime');
    const changes = limitChanges(tl);
    assert.deepEqual(changes[0], [0, 100]);
    // the remaining data grows once per pass (at the sync ending it: syncs 2, 3, ...), so the k-th doubling
    // comes at the first 1 s poll after sync 1 + 6k
    for (let k = 1; k < changes.length; k++) {
      const [t, ms] = changes[k]!;
      assert.equal(ms, 100 * 2 ** k);
      const sync = syncTime(tl, 1 + 6 * k);
      assert.ok(t > sync && t <= sync + 1000 + 1e-6, `doubling ${k} at ${t} ms, within a poll after sync ${1 + 6 * k} at ${sync} ms`);
    }
    assert.equal(changes.length, 9, 'doubled 8 times, to 25.6 s');
    // the final copy also carries what the last sync found: a little over the 25.6 s limit (25.64 s)
    assert.ok(result.downtimeMs > 12_800 && result.downtimeMs < 26_000, `downtime ${result.downtimeMs} ms`);
  });

  test('auto-converge is on unless turned off', () => {
    assert.ok(simulate(busy16([{ kind: 'proxmox' }], 1800)).maxThrottlePct >= 20);
    assert.equal(simulate(busy16([{ kind: 'proxmox', autoConverge: false }], 1800)).maxThrottlePct, 0);
  });
});

describe('cloudstack: the KVM agent loop', () => {
  test('all off by default: the base alone decides (its 100 ms ticks only split the closed-form steps)', () => {
    const a = simulate(busy16([{ kind: 'cloudstack' }], 600));
    const b = simulate(busy16([], 600));
    assert.equal(a.outcome, b.outcome);
    assert.equal(a.syncs, b.syncs);
    assertClose(a.transferredBytes, b.transferredBytes, 1e-12, 'bytes');
    assertClose(a.expectedDowntimeMs, b.expectedDowntimeMs, 1e-12, 'expected downtime');
  });

  test('downtime set at the 10th 100 ms tick (1 s); pauseafter 30 s: paused at the tick after 30 s (30.1 s); wait 60 s aborts at 60.1 s', () => {
    const { result, tl } = timeline(busy16([{ kind: 'cloudstack', downtime: '500ms' }], 60));
    assert.deepEqual(
      limitChanges(tl).map(([t, ms]) => [Math.round(t), ms]),
      [[1000, 500]],
    );
    assert.equal(result.outcome, 'unfinished');
    const paused = simulate(busy16([{ kind: 'cloudstack', pauseAfter: '30s' }]));
    assert.equal(paused.stopReason, 'cloudstack-pause');
    assertClose(paused.totalTimeMs - paused.downtimeMs, 30_100, 1e-9, 'pause time');
    const aborted = simulate(busy16([{ kind: 'cloudstack', wait: '60s' }]));
    assert.equal(aborted.stopReason, 'cloudstack-wait');
    assertClose(aborted.totalTimeMs, 60_100, 1e-9, 'abort time');
  });
});

void MiB;

describe('kubevirt-stall-detector (VEP 248, stall-detector.go)', () => {
  /**
   * The first sync (not the setup's: no bandwidth sample yet) whose remaining
   * data is >= (1 - 4 %) x the smallest remaining of the syncs more than 40 s
   * older: where the detector first sees a stall (the remaining data falls
   * here, so that sync is also the best so far, a local minimum).
   */
  function firstStall(tl: TimelinePoint[]): TimelinePoint {
    const syncs = tl.filter((p) => p.event === 'sync' && p.tMs > 0);
    for (const s of syncs) {
      const older = syncs.filter((o) => s.tMs - o.tMs >= 40_000);
      if (older.length > 0 && s.pendingBytes >= Math.trunc(Math.min(...older.map((o) => o.pendingBytes)) * 0.96)) return s;
    }
    throw new Error('no stall');
  }

  test('defaults on a guest whose remaining data plateaus near 3.8 GB: at the first stalled sync the estimated downtime (~31 s) is far above 1.5 x 900 ms, so it aborts there', () => {
    const { result, tl } = timeline(busy16([{ kind: 'kubevirt-stall-detector' }]));
    const stall = firstStall(tl);
    assert.equal(stall.syncs, 5, 'syncs 2-4 were still shrinking by more than 4 % over 40 s');
    assert.equal(result.outcome, 'aborted');
    assert.equal(result.stopReason, 'kubevirt-stall-abort');
    assertClose(result.totalTimeMs, stall.tMs, 1e-12, 'abort time');
  });

  test('workload disruption allowed: a hard switch-over there (limit 2,000,000 ms), the downtime being the ~31 s copy of what is left', () => {
    const { result, tl } = timeline(busy16([{ kind: 'kubevirt-stall-detector', allowWorkloadDisruption: true }]));
    const stall = firstStall(tl);
    assert.deepEqual(limitChanges(tl), [[stall.tMs, 2_000_000]]);
    assert.equal(result.stopReason, 'kubevirt-stall-hard');
    // what is left after the sync, at the link's 125 MB/s
    assertClose(result.downtimeMs, (stall.pendingBytes / 125e6) * 1000, 0.01, 'downtime');
  });

  test('post-copy allowed: post-copy at the stall instead, with the switch as the only downtime', () => {
    const r = simulate(busy16([{ kind: 'kubevirt-stall-detector', allowPostCopy: true }]));
    assert.equal(r.stopReason, 'kubevirt-stall-postcopy');
    assert.ok(r.postcopyMs > 0 && r.downtimeMs < 1);
  });

  test('the limit starts at min(maxDowntime, 300 ms); a guest that converges is not touched', () => {
    const calm = (rules: Record<string, unknown>[]) =>
      basic({ ram: 4 * GiB, workload: { kind: 'uniform', dirtyRate: '10MiB/s', workingSet: '1GiB' }, bandwidth: 125e6, policy: [{ kind: 'qemu', maxBandwidth: 0 }, ...rules] });
    const { result, tl } = timeline(calm([{ kind: 'kubevirt-stall-detector', maxDowntime: '200ms' }]));
    assert.deepEqual(limitChanges(tl)[0]?.[1], 200);
    assert.equal(result.stopReason, 'downtime-met');
    assert.deepEqual(
      timeline(calm([{ kind: 'kubevirt-stall-detector' }])).tl.filter((p) => p.event === 'limit'),
      [],
      '300 ms is already QEMU default',
    );
  });

  test('defaults match pkg/virt-config/virt-config.go: margin 4 %, window 40 s, switch-over 60 s, alpha 0.4, factor 1.5, decay 0.5, local minima, completion factor 2', () => {
    const p = POLICIES['kubevirt-stall-detector']!.params;
    const d = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.default]));
    assert.equal(d.stallMargin, 0.04);
    assert.equal(d.stallProgressTimeout, 40);
    assert.equal(d.switchoverTimeout, 60);
    assert.equal(d.ewmaAlpha, 0.4);
    assert.equal(d.precopyPossibleFactor, 1.5);
    assert.equal(d.patienceWindowDecayFactor, 0.5);
    assert.equal(d.searchLocalMinima, true);
    assert.equal(d.completionTimeoutFactor, 2);
    assert.equal(d.maxDowntime, 0.9);
  });
});

describe("controllers' bad input", () => {
  const withRule = (rule: Record<string, unknown>) => () =>
    basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '1MiB/s' }, bandwidth: 1e8, policy: [{ kind: 'qemu' }, rule] });
  test('a misspelt oVirt schedule names the nearest one', () => {
    assert.throws(withRule({ kind: 'ovirt', schedule: 'minimal-downtim' }), /policy\[1\]\.schedule: expected one of .*found 'minimal-downtim'; did you mean 'minimal-downtime'\?/);
  });
  test('a negative timeout and a stall margin of 1 are refused at their paths', () => {
    assert.throws(withRule({ kind: 'kubevirt', progressTimeout: '-5s' }), /policy\[1\]\.progressTimeout: expected a duration >= 0, found '-5s'/);
    assert.throws(withRule({ kind: 'kubevirt-stall-detector', stallMargin: 1 }), /policy\[1\]\.stallMargin: .*found 1/);
    assert.throws(withRule({ kind: 'cloudstack', wait: '0s' }), /policy\[1\]\.wait: expected a positive duration/);
  });
});
