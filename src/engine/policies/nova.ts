import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';

/** driver.py _live_migration_monitor sleeps 0.5 s between polls. */
const POLL_S = 0.5;
const GiB = 1024 ** 3;

/**
 * OpenStack Nova's libvirt driver (docs/policies.md#nova; nova/virt/libvirt/
 * migration.py downtime_steps, update_downtime, should_trigger_timeout_action;
 * driver.py _live_migration_monitor, _live_migration_data_gb).
 *
 * data_gb = max(ram_gb, 2) + sum over disks of max(disk_gb, 2). The
 * downtime limit follows downtime_steps: delay = int(downtime_delay x
 * data_gb); base = downtime / steps; offset = (downtime - base) / steps;
 * step i = (int(delay x i) s, int(base + offset x i) ms), i = 0..steps. Every
 * 0.5 s the monitor sets the last step with elapsed > its time. Once
 * elapsed > int(completion_timeout x data_gb) (and not in post-copy) the
 * timeout action runs: `abort` cancels the job (the guest stays on the
 * source), `force_complete` queues a task that the next poll runs: post-copy
 * when permitted, else pause the guest.
 */
export function downtimeSteps(downtimeMs: number, steps: number, delayPerGiBS: number, dataGiB: number): [number, number][] {
  const delay = Math.trunc(delayPerGiBS * dataGiB);
  const base = downtimeMs / steps;
  const offset = (downtimeMs - base) / steps;
  const out: [number, number][] = [];
  for (let i = 0; i <= steps; i++) out.push([Math.trunc(delay * i), Math.trunc(base + offset * i)]);
  return out;
}

export function dataGiB(ramBytes: number, diskBytes: number): number {
  const disk = diskBytes > 0 ? Math.max(diskBytes / GiB, 2) : 0;
  return Math.max(ramBytes / GiB, 2) + disk;
}

class Nova extends RuleBase {
  readonly kind = 'nova';
  private readonly p: ParamValues;
  private steps: [number, number][] | null = null;
  private completionTimeoutS = 0;
  private nextPollS = 0;
  private current: number | null = null;
  private forceQueued = false;

  constructor(p: ParamValues) {
    super();
    this.p = p;
  }

  override nextTimerS(m: MigrationView): number {
    return m.inPostcopy ? Infinity : this.nextPollS;
  }

  override onTimer(m: MigrationView): void {
    const p = this.p;
    if (this.steps === null) {
      const gib = dataGiB(m.ramBytes, p.disk as number);
      this.steps = downtimeSteps((p.downtime as number) * 1000, p.steps as number, p.downtimeDelay as number, gib);
      this.completionTimeoutS = Math.trunc((p.completionTimeout as number) * gib);
    }
    this.nextPollS += POLL_S;
    const elapsed = m.t;
    // 1. run_tasks: a force-complete queued by the previous poll
    if (this.forceQueued) {
      this.forceQueued = false;
      if (p.permitPostCopy) m.requestPostcopy('completion-timeout-postcopy');
      else m.pauseGuest('completion-timeout-pause');
    }
    // 2. should_trigger_timeout_action
    if (this.completionTimeoutS > 0 && !m.inPostcopy && elapsed > this.completionTimeoutS && !this.forceQueued && !m.paused && m.postcopyReason === null) {
      if (p.timeoutAction === 'abort') {
        m.abort('completion-timeout');
        return;
      }
      this.forceQueued = true;
    }
    // 3. update_downtime: the last step whose time has passed
    let value: number | null = null;
    for (const [at, ms] of this.steps) if (elapsed > at) value = ms;
    if (value !== null && value !== this.current) {
      this.current = value;
      m.setDowntimeLimit(value / 1000, 'nova-downtime');
    }
  }
}

export const nova: RuleModule = {
  kind: 'nova',
  role: 'rule',
  summary: 'OpenStack Nova: stepwise downtime ramp to 500 ms over 10 steps of 75 s/GiB; completion timeout 800 s/GiB -> abort or force',
  source: 'nova/virt/libvirt/migration.py downtime_steps, update_downtime; driver.py _live_migration_monitor; nova/conf/libvirt.py',
  params: {
    downtime: { kind: 'time', default: 0.5, min: 0.1, doc: 'live_migration_downtime (ms in nova.conf; >= 100)' },
    steps: { kind: 'count', default: 10, min: 3, doc: 'live_migration_downtime_steps (>= 3)' },
    downtimeDelay: { kind: 'time', default: 75, min: 3, doc: 'live_migration_downtime_delay, seconds per GiB of data (>= 3)' },
    completionTimeout: { kind: 'time', default: 800, min: 0, doc: 'live_migration_completion_timeout, seconds per GiB (0 = off)' },
    timeoutAction: { kind: 'enum', default: 'abort', choices: ['abort', 'force_complete'], doc: 'live_migration_timeout_action' },
    permitPostCopy: { kind: 'bool', default: false, doc: 'live_migration_permit_post_copy (force_complete then switches to post-copy)' },
    disk: { kind: 'bytes', default: 0, min: 0, doc: 'size of the disks counted in data_gb (0 = none)' },
  },
  postcopy: (p) => p.permitPostCopy === true,
  check: (p, base) => (p.permitPostCopy === true && base !== 'qemu' ? `permitPostCopy needs the base qemu, found '${base}'` : null),
  create: (p) => new Nova(p),
};
