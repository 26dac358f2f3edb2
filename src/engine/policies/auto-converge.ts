import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';
import { ThrottleTrigger } from './throttle-trigger.js';

/** cpu-throttle.c CPU_THROTTLE_DIRTY_SYNC_TIMESLICE_MS: the forced sync timer. */
const DIRTY_SYNC_PERIOD_S = 5;

/**
 * QEMU auto-converge (capability since 1.6; docs/policies.md#auto-converge, ram.c
 * mig_throttle_guest_down, cpu-throttle.c). When the trigger fires, the
 * vCPUs are throttled to `initial`% the first time, then `increment`% more
 * each time (tail-slow: only as much as the dirty/transfer ratio asks), up
 * to `max`%; a throttled vCPU runs 1 - pct of the time, which slows the
 * guest's writes as its workload's cpuShare says. Since QEMU 9.2 a timer
 * forces a bitmap sync every 5 s when none happened since the last tick
 * (after the first iteration), so the throttle can rise inside a long pass;
 * `periodicSync: false` models older QEMU (e.g. 7.2).
 */
class AutoConverge extends RuleBase {
  readonly kind = 'auto-converge';
  private readonly trigger: ThrottleTrigger;
  private readonly initial: number;
  private readonly increment: number;
  private readonly max: number;
  private readonly tailslow: boolean;
  private readonly periodicSync: boolean;
  private nextSyncTickS = DIRTY_SYNC_PERIOD_S;
  private syncsAtLastTick = 0;

  constructor(p: ParamValues) {
    super();
    this.trigger = new ThrottleTrigger(p.triggerThreshold as number);
    this.initial = p.initial as number;
    this.increment = p.increment as number;
    this.max = p.max as number;
    this.tailslow = p.tailslow as boolean;
    this.periodicSync = p.periodicSync as boolean;
  }

  override onSync(m: MigrationView, newlyDirtyBytes: number): void {
    if (!this.trigger.onSync(m, newlyDirtyBytes)) return;
    const now = m.throttle * 100;
    let pct: number;
    if (now === 0) pct = this.initial;
    else if (!this.tailslow) pct = now + this.increment;
    else {
      // cpu-throttle-tailslow: cpu_ideal = cpu_now x (threshold / dirty); inc = min(cpu_now - cpu_ideal, increment)
      const cpuNow = 100 - now;
      const cpuIdeal = cpuNow * (this.trigger.lastThresholdBytes / this.trigger.lastDirtyBytes);
      pct = now + Math.min(cpuNow - cpuIdeal, this.increment);
    }
    m.setThrottle(Math.min(pct, this.max) / 100);
  }

  override nextTimerS(_m: MigrationView): number {
    return this.periodicSync ? this.nextSyncTickS : Infinity;
  }

  override onTimer(m: MigrationView): void {
    this.nextSyncTickS += DIRTY_SYNC_PERIOD_S;
    // cpu_throttle_dirty_sync_timer_tick: only after the first iteration, and only if no sync happened since the last tick
    if (m.syncs > 1 && m.syncs === this.syncsAtLastTick && !m.paused) m.forceSync();
    this.syncsAtLastTick = m.syncs;
  }
}

export const autoConverge: RuleModule = {
  kind: 'auto-converge',
  role: 'rule',
  requires: ['qemu'],
  summary: 'throttle the vCPUs 20% then +10% per trigger (dirtied > 50% of sent in a >= 1 s sync period, twice), up to 99%',
  source: 'QEMU ram.c migration_trigger_throttle, mig_throttle_guest_down; cpu-throttle.c; options.c (docs/policies.md#auto-converge)',
  params: {
    initial: { kind: 'number', default: 20, min: 1, max: 99, doc: 'cpu-throttle-initial (%)' },
    increment: { kind: 'number', default: 10, min: 1, max: 99, doc: 'cpu-throttle-increment (%)' },
    max: { kind: 'number', default: 99, min: 1, max: 99, doc: 'max-cpu-throttle (%)' },
    triggerThreshold: { kind: 'number', default: 50, min: 1, max: 100, doc: 'throttle-trigger-threshold (% of bytes transferred)' },
    tailslow: { kind: 'bool', default: false, doc: 'cpu-throttle-tailslow' },
    periodicSync: { kind: 'bool', default: true, doc: 'force a bitmap sync every 5 s (QEMU >= 9.2)' },
  },
  create: (p) => new AutoConverge(p),
};
