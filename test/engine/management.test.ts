import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { dataGiB, downtimeSteps } from '../../src/engine/policies/nova.js';
import type { TimelinePoint } from '../../src/engine/types.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

/** A guest QEMU at 32 MiB/s never finishes on its own: 64 MiB rewritten at 64 MiB/s. */
const stuck = (policy: Record<string, unknown>[], ram = 256 * MiB, horizon = 3 * 3600) =>
  basic({
    ram,
    workload: { kind: 'uniform', dirtyRate: '64MiB/s', workingSet: '64MiB' },
    bandwidth: 1.25e9,
    policy: [{ kind: 'qemu', maxBandwidth: '32MiB/s' }, ...policy],
    horizon,
  });

describe('nova: downtime steps and the completion timeout', () => {
  test("Nova's documented example: 10 steps, 30 s delay, 3 GiB, 400 ms -> 40, 76, 112, ... 400 ms every 90 s", () => {
    const steps = downtimeSteps(400, 10, 30, 3);
    assert.deepEqual(steps, [
      [0, 40],
      [90, 76],
      [180, 112],
      [270, 148],
      [360, 184],
      [450, 220],
      [540, 256],
      [630, 292],
      [720, 328],
      [810, 364],
      [900, 400],
    ]);
  });

  test('defaults for a 4 GiB guest: (0, 50), (300, 95), ... (3000, 500); data_gb is at least 2', () => {
    const steps = downtimeSteps(500, 10, 75, dataGiB(4 * GiB, 0));
    assert.deepEqual(steps[0], [0, 50]);
    assert.deepEqual(steps[1], [300, 95]);
    assert.deepEqual(steps[10], [3000, 500]);
    assert.equal(dataGiB(256 * MiB, 0), 2);
    assert.equal(dataGiB(4 * GiB, 1 * GiB), 6, 'a 1 GiB disk counts as 2');
  });

  test('the monitor (every 0.5 s) sets each step at the first poll after its time', () => {
    const tl: TimelinePoint[] = [];
    simulate(stuck([{ kind: 'nova', downtime: '400ms', downtimeDelay: '30s' }], 3 * GiB, 1000), { timeline: tl });
    const limitAt = (tMs: number) => (tl.filter((p) => p.tMs <= tMs).at(-1) as TimelinePoint).downtimeLimitMs;
    assert.equal(limitAt(400), 300, "QEMU's default until the first poll with elapsed > 0");
    assert.equal(limitAt(600), 40);
    assert.equal(limitAt(90_000), 40, 'elapsed must be strictly greater than the step time');
    assert.equal(limitAt(90_600), 76);
    assert.equal(limitAt(901_000), 400);
  });

  test('completion timeout 800 s/GiB with action abort: a 3 GiB guest is cancelled at the poll after 2400 s', () => {
    const r = simulate(stuck([{ kind: 'nova' }], 3 * GiB));
    assert.equal(r.outcome, 'aborted');
    assert.equal(r.stopReason, 'completion-timeout');
    assertClose(r.totalTimeMs, 2_400_500, 1e-12, 'first poll with elapsed > 2400 s');
    assert.ok(Number.isNaN(r.downtimeMs), 'the guest stays on the source, running');
  });

  test('force_complete queues a pause for the next poll; with post-copy permitted it switches to post-copy', () => {
    const paused = simulate(stuck([{ kind: 'nova', completionTimeout: '100s', timeoutAction: 'force_complete' }]));
    assert.equal(paused.stopReason, 'completion-timeout-pause');
    // 256 MiB -> data_gb 2 -> 200 s; queued at the 200.5 s poll, paused at 201.0 s
    assertClose(paused.totalTimeMs - paused.downtimeMs, 201_000, 1e-12, 'paused at 201 s');
    const pc = simulate(stuck([{ kind: 'nova', completionTimeout: '100s', timeoutAction: 'force_complete', permitPostCopy: true }]));
    assert.equal(pc.stopReason, 'completion-timeout-postcopy');
    assert.ok(pc.postcopyMs > 0);
    assert.ok(pc.downtimeMs < 1, 'post-copy downtime is the switch itself');
  });
});

describe('libvirt --timeout and the guestperf rules', () => {
  test('libvirt-timeout suspend: paused at 30 s, downtime from then on', () => {
    const r = simulate(stuck([{ kind: 'libvirt-timeout', timeout: '30s' }]));
    assert.equal(r.stopReason, 'timeout-pause');
    assertClose(r.downtimeMs, r.totalTimeMs - 30_000, 1e-9, 'downtime');
  });

  test('libvirt-timeout postcopy switches at the first iteration after 30 s', () => {
    const r = simulate(stuck([{ kind: 'libvirt-timeout', timeout: '30s', action: 'postcopy' }]));
    assert.equal(r.stopReason, 'timeout-postcopy');
    const switchMs = r.totalTimeMs - r.postcopyMs - r.downtimeMs;
    assert.ok(switchMs >= 30_000 && switchMs <= 30_100 + 1e-6, `switch at ${switchMs}`);
  });

  test('abort-after passes 30 (guestperf max_iters): cancelled when dirty-sync-count passes 30', () => {
    const r = simulate(stuck([{ kind: 'abort-after', passes: 30 }]));
    assert.equal(r.outcome, 'aborted');
    assert.equal(r.stopReason, 'abort-passes');
    assert.equal(r.syncs, 31);
  });

  test('abort-after timeout 300 s (guestperf max_time)', () => {
    const r = simulate(stuck([{ kind: 'abort-after', timeout: '300s' }]));
    assert.equal(r.stopReason, 'abort-timeout');
    assert.equal(r.totalTimeMs, 300_000);
  });

  test('pause-after-passes 4 (guestperf pause_iters 5): paused at the sync that makes dirty-sync-count 5', () => {
    const tl: TimelinePoint[] = [];
    const r = simulate(stuck([{ kind: 'pause-after-passes', passes: 4 }]), { timeline: tl });
    assert.equal(r.stopReason, 'pause-after-passes');
    const pause = tl.find((p) => p.event === 'pause') as TimelinePoint;
    assert.equal(pause.syncs, 5);
    const fifthSync = tl.find((p) => p.event === 'sync' && p.syncs === 5) as TimelinePoint;
    assert.equal(pause.tMs, fifthSync.tMs);
    assertClose(r.downtimeMs, r.totalTimeMs - pause.tMs, 1e-9, 'downtime from the pause');
  });
});

describe('rules that need a particular base are refused elsewhere', () => {
  test('post-copy needs qemu', () => {
    assert.throws(
      () => basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 1e9, policy: [{ kind: 'qemu-2011' }, { kind: 'postcopy-after', passes: 1 }] }),
      /'postcopy-after' needs the base qemu/,
    );
    assert.throws(
      () =>
        basic({
          ram: GiB,
          workload: { kind: 'uniform', dirtyRate: 0 },
          bandwidth: 1e9,
          policy: [{ kind: 'precopy' }, { kind: 'libvirt-timeout', timeout: 10, action: 'postcopy' }],
        }),
      /action postcopy needs the base qemu/,
    );
    assert.throws(
      () => basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 1e9, policy: [{ kind: 'qemu' }, { kind: 'abort-after' }] }),
      /give passes or timeout/,
    );
  });
});
