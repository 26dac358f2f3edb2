import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migration } from '../../src/engine/migration.js';
import { FluidMemory } from '../../src/engine/memory/fluid.js';
import { RuleBase, type Base, type Rule } from '../../src/engine/policy.js';
import type { MigrationView } from '../../src/engine/view.js';
import { WORKLOADS } from '../../src/engine/workloads/index.js';
import type { RunResult } from '../../src/engine/types.js';
import { assertClose, basic, GiB } from './scenario-builder.js';

/**
 * The Migration's methods as a base drives them and its requests as a rule
 * makes them (docs/engine-api.md), on an idle 1 GiB guest (nothing is
 * dirtied, so the numbers are plain arithmetic) over a 1 GB/s link.
 * A scripted base plays the part of a real one.
 */
const RAM = 1 * GiB;
const LINK = 1e9;
/** all of RAM at the link's rate: 1.073741824 s */
const COPY_ALL_S = RAM / LINK;

function run(script: (m: Migration) => void, opts: { rules?: Rule[]; latencyS?: number; deviceStateBytes?: number; horizonS?: number } = {}): { m: Migration; r: RunResult } {
  const s = basic({ ram: RAM, workload: { kind: 'linear', dirtyRate: 0 }, bandwidth: LINK, policy: [{ kind: 'precopy' }] });
  const base: Base = {
    kind: 'scripted',
    defaultEstimator: 'wire',
    downtimeLimitS: 0.03,
    maxBandwidthBytesPerSec: Infinity,
    costs: (page) => ({ normalWire: page, zeroWire: page, normalAccounted: page, zeroAccounted: page }),
    iterations: (v) => v.passes,
    run: script,
  };
  const m = new Migration({
    mem: new FluidMemory(RAM, s.vm.pageSize, WORKLOADS.linear!.classes(s)),
    base,
    rules: opts.rules ?? [],
    linkBytesPerSec: LINK,
    latencyS: opts.latencyS ?? 0,
    linkJitter: 0,
    seed: 1,
    horizonS: opts.horizonS ?? 3600,
    vcpus: 1,
    deviceStateBytes: opts.deviceStateBytes ?? 0,
    cpuShare: 1,
    estimator: { kind: 'wire', bufferRate: 0, factor: 1 },
    timeline: null,
  });
  base.run(m);
  return { m, r: m.result() };
}

/** A rule whose only act is one request at a given time. */
class At extends RuleBase {
  readonly kind = 'at';
  private done = false;
  constructor(
    private readonly atS: number,
    private readonly act: (v: MigrationView) => void,
  ) {
    super();
  }
  override nextTimerS(): number {
    return this.done ? Infinity : this.atS;
  }
  override onTimer(v: MigrationView): void {
    this.done = true;
    this.act(v);
  }
}

describe('Migration: how a migration ends (one sequence for every ending)', () => {
  test('the base marks all RAM at the start; the marking counts as the first sync unless the base syncs after it', () => {
    assert.equal(run((m) => m.begin(false)).m.syncs, 1);
    const { m } = run((m) => m.begin(true));
    assert.equal(m.syncs, 1);
    assert.equal(m.mem.pendingBytes(), RAM);
  });

  test('a switch-over copies what is pending at the link rate from the stop: an idle guest at t = 2 s ends at 2 + 1.0737 s', () => {
    const { r } = run((m) => {
      m.begin(false);
      assert.equal(m.advance(2, 0), true);
      assert.equal(m.switchOverIfDue('downtime-met', 0.5, 0, null), true);
    });
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'downtime-met');
    assertClose(r.totalTimeMs, (2 + COPY_ALL_S) * 1000, 1e-15, 'stop + copy');
    assertClose(r.downtimeMs, COPY_ALL_S * 1000, 1e-15, 'the copy');
    assert.equal(r.expectedDowntimeMs, 500);
    assert.equal(r.transferredBytes, RAM);
  });

  test('a backlog the base queued before the stop crosses the link first, and latency adds once', () => {
    const { r } = run(
      (m) => {
        m.begin(false);
        m.switchOverIfDue('downtime-met', 0, 0.25e9, null);
      },
      { latencyS: 0.001, deviceStateBytes: 1e6 },
    );
    // (250 MB + 1 GiB + 1 MB device state) / 1 GB/s + 1 ms
    assertClose(r.downtimeMs, (0.25 + COPY_ALL_S + 0.001 + 0.001) * 1000, 1e-14, 'backlog + RAM + device state + latency');
  });

  test("the base's own reason comes before a rule's request; a rule's request alone ends it under the rule's name", () => {
    const own = run((m) => {
      m.begin(false);
      m.requestSwitchover('rule-asked');
      m.switchOverIfDue('downtime-met', 0, 0, null);
    });
    assert.equal(own.r.stopReason, 'downtime-met');
    const ruled = run((m) => {
      m.begin(false);
      m.requestSwitchover('rule-asked');
      m.requestSwitchover('second-request'); // the first request's reason wins
      m.switchOverIfDue(null, 0, 0, null);
    });
    assert.equal(ruled.r.stopReason, 'rule-asked');
  });

  test('with neither the base test met nor a request, nothing ends', () => {
    const { m, r } = run((m) => {
      m.begin(false);
      assert.equal(m.switchOverIfDue(null, 0, 0, null), false);
    });
    assert.equal(m.ended, false);
    assert.equal(r.outcome, 'unfinished');
  });

  test('a completion under a limit a rule raised is credited to that rule; lowered back, to the base', () => {
    const raised = run((m) => {
      m.begin(false);
      m.setDowntimeLimit(0.06, 'ramp');
      m.switchOverIfDue('downtime-met', 0, 0, null);
    });
    assert.equal(raised.r.stopReason, 'ramp');
    const back = run((m) => {
      m.begin(false);
      m.setDowntimeLimit(0.06, 'ramp');
      m.setDowntimeLimit(0.03, 'ramp');
      m.switchOverIfDue('downtime-met', 0, 0, null);
    });
    assert.equal(back.r.stopReason, 'downtime-met');
  });

  test("a guest paused at 2 s and switched over at 3 s is down 1 s + the copy, under the pause's reason; the throttle is lifted", () => {
    const { m, r } = run((m) => {
      m.begin(false);
      m.setThrottle(0.4);
      m.advance(2, 0);
      m.pauseGuest('timeout-pause');
      m.advance(1, 0);
      m.switchOverIfDue('downtime-met', 0, 0, null);
    });
    assert.equal(r.stopReason, 'timeout-pause');
    assertClose(r.downtimeMs, (1 + COPY_ALL_S) * 1000, 1e-15, 'from the pause');
    assertClose(r.totalTimeMs, (3 + COPY_ALL_S) * 1000, 1e-15, 'end');
    // throttled while the guest ran (2 s x 0.4 x 1 vCPU), none while paused; 0 on the destination
    assertClose(r.throttleCpuSeconds, 0.8, 1e-15, 'throttle CPU seconds');
    assert.equal(r.maxThrottlePct, 40);
    assert.equal(m.throttle, 0);
  });

  test('post-copy ends the same way: the guest resumes when the device state has arrived; the pages follow', () => {
    const { m, r } = run(
      (m) => {
        m.begin(false);
        m.advance(1, 0);
        m.startPostcopy('postcopy-after', Infinity, NaN);
        m.abort('too-late'); // post-copy cannot be cancelled
      },
      { latencyS: 0.001, deviceStateBytes: 1e6 },
    );
    assert.equal(m.inPostcopy, true);
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'postcopy-after');
    // switch: 1 MB / 1 GB/s + 1 ms = 2 ms; then 1 GiB at 1 GB/s; an idle guest never faults
    assertClose(r.downtimeMs, 2, 1e-12, 'device state + latency');
    assertClose(r.postcopyMs, COPY_ALL_S * 1000, 1e-15, 'the pages');
    assertClose(r.totalTimeMs, (1 + 0.002 + COPY_ALL_S) * 1000, 1e-15, 'end');
    assert.equal(r.postcopyFaults, 0);
  });

  test('an abort leaves the guest on the source: aborted at the time of the abort, no downtime', () => {
    const { r } = run(
      (m) => {
        m.begin(false);
        assert.equal(m.advance(10, 0), false);
        assert.equal(m.switchOverIfDue(null, 0, 0, null), true, 'an ended migration reports ended');
      },
      { rules: [new At(4, (v) => v.abort('abort-timeout'))] },
    );
    assert.equal(r.outcome, 'aborted');
    assert.equal(r.stopReason, 'abort-timeout');
    assert.equal(r.totalTimeMs, 4000);
    assert.ok(Number.isNaN(r.downtimeMs));
  });

  test('at the horizon a migration is unfinished; a guest paused at 4 s has been down 6 s by a 10 s horizon', () => {
    const { r } = run(
      (m) => {
        m.begin(false);
        assert.equal(m.advance(100, 0), false);
      },
      { horizonS: 10, rules: [new At(4, (v) => v.pauseGuest('timeout-pause'))] },
    );
    assert.equal(r.outcome, 'unfinished');
    assert.equal(r.stopReason, 'horizon');
    assert.equal(r.totalTimeMs, 10000);
    assert.equal(r.downtimeMs, 6000);
  });

  test("advance stops at a rule's timer that asks for a switch-over, with the rest unsent", () => {
    const { m, r } = run(
      (m) => {
        m.begin(false);
        assert.equal(m.send(RAM), -1, 'interrupted');
        assert.equal(m.t, 0.5);
        assertClose(m.mem.pendingBytes(), RAM - 0.5 * LINK, 1e-15, 'half a second sent');
        m.switchOverIfDue(null, 0, 0, null);
      },
      { rules: [new At(0.5, (v) => v.requestSwitchover('max-passes'))] },
    );
    assert.equal(m.ended, true);
    assert.equal(r.stopReason, 'max-passes');
    assertClose(r.totalTimeMs, COPY_ALL_S * 1000, 1e-14, 'the whole of RAM crossed the link once');
  });
});

/** Compile-time part of the specification: a rule cannot write the migration's state. */
export function rulesSeeAReadOnlyView(v: MigrationView): void {
  // @ts-expect-error t is read-only in the view
  v.t = 1;
  // @ts-expect-error the guest is paused through pauseGuest(), not by assignment
  v.paused = true;
  // @ts-expect-error the downtime limit changes through setDowntimeLimit()
  v.downtimeLimitS = 2;
}
