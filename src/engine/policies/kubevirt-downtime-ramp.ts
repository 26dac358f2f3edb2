import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';
import { KUBEVIRT_POLL_S } from './kubevirt.js';

const KUBEVIRT_POLL_MS = KUBEVIRT_POLL_S * 1000;

/** migrationutils.QEMUDefaultTargetDowntimeMS: what QEMU holds before the first value is set. */
const QEMU_DEFAULT_DOWNTIME_MS = 300;

/**
 * The raises of KubeVirt's downtime ramp, in ms, from `initialMs` up to
 * `maxMs`: each step is (max - initial) / steps in integer division (the
 * code works on uint64 milliseconds), at least 1.
 */
export function rampLimitsMs(initialMs: number, maxMs: number, steps: number): number[] {
  const step = Math.max(Math.trunc((maxMs - initialMs) / steps), 1);
  const out = [initialMs];
  for (let v = initialMs; v < maxMs;) {
    v = Math.min(v + step, maxMs);
    out.push(v);
  }
  return out;
}

/**
 * KubeVirt's downtime ramp (VEP 291, feature gate MigrationDowntimeTuning;
 * kubevirt/kubevirt @d923fdb8 pkg/virt-launcher/virtwrap/
 * live-migration-source.go tuneDowntime, newDowntimeTuningConfig). On each
 * 400 ms poll of the monitor: the first poll sets the limit to `initial`
 * (150 ms) and starts the cooldown; later polls do nothing until libvirt's
 * memory iteration (QEMU's dirty-sync-count) reaches `startAfterIteration`
 * (3) and `cooldown` (10 s) has passed since the last change, then raise
 * the limit by max((maxDowntime - initial) / steps, 1) ms, up to
 * `maxDowntime` (900 ms). The code runs the ramp only when the stall
 * detector is off, before the monitor's own checks (`kubevirt`): list this
 * rule before it. Where the code clamps an initial value above the maximum,
 * this rule refuses the scenario instead.
 */
class DowntimeRamp extends RuleBase {
  readonly kind = 'kubevirt-downtime-ramp';
  /** polls so far; poll k runs at k x 400 ms */
  private polls = 0;
  private currentMs = 0;
  private lastTunedPoll = 0;
  private readonly cooldownMs: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly stepMs: number;
  constructor(private readonly p: ParamValues) {
    super();
    this.initialMs = Math.round((p.initial as number) * 1000);
    this.maxMs = Math.round((p.maxDowntime as number) * 1000);
    this.cooldownMs = Math.round((p.cooldown as number) * 1000);
    this.stepMs = Math.max(Math.trunc((this.maxMs - this.initialMs) / (p.steps as number)), 1);
  }
  override nextTimerS(): number {
    return (this.polls + 1) * KUBEVIRT_POLL_S;
  }
  override onTimer(m: MigrationView): void {
    this.polls++;
    let next: number;
    if (this.currentMs === 0) {
      this.currentMs = QEMU_DEFAULT_DOWNTIME_MS;
      next = this.initialMs;
    } else {
      if (m.syncs < (this.p.startAfterIteration as number)) return;
      // time.Since(lastTunedAt) on a loop whose polls take 400 ms and a little more: whole polls, in ms
      if ((this.polls - this.lastTunedPoll) * KUBEVIRT_POLL_MS < this.cooldownMs) return;
      next = Math.min(this.currentMs + this.stepMs, this.maxMs);
      if (next <= this.currentMs) return;
    }
    m.setDowntimeLimit(next / 1000, 'kubevirt-downtime-ramp');
    this.currentMs = next;
    this.lastTunedPoll = this.polls;
  }
}

export const kubevirtDowntimeRamp: RuleModule = {
  kind: 'kubevirt-downtime-ramp',
  role: 'rule',
  requires: ['qemu'],
  summary: 'KubeVirt downtime ramp (VEP 291): 150 ms, then from iteration 3 every 10 s + (900 - 150) / 7 ms up to 900 ms',
  source: 'kubevirt/kubevirt @d923fdb8 pkg/virt-launcher/virtwrap/live-migration-source.go tuneDowntime (docs/policies.md#kubevirt-downtime-ramp)',
  params: {
    initial: { kind: 'time', default: 0.15, min: 0, doc: 'downtimeTuning.initialMs' },
    maxDowntime: { kind: 'time', default: 0.9, positive: true, doc: 'maxDowntimeMs: the ceiling of the ramp' },
    steps: { kind: 'count', default: 7, min: 1, doc: 'downtimeTuning.steps' },
    startAfterIteration: { kind: 'count', default: 3, min: 0, doc: "downtimeTuning.startAfterIteration: libvirt's memory iteration (dirty-sync-count)" },
    cooldown: { kind: 'time', default: 10, min: 1, doc: 'downtimeTuning.cooldownSeconds: at least this long between raises' },
  },
  check: (p) =>
    (p.initial as number) > (p.maxDowntime as number)
      ? `initial (${(p.initial as number) * 1000} ms) exceeds maxDowntime (${(p.maxDowntime as number) * 1000} ms): lower initial or raise maxDowntime`
      : null,
  create: (p) => new DowntimeRamp(p),
};
