import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';
import { KUBEVIRT_POLL_S, kubevirtDataGB } from './kubevirt.js';
import { withAutoConverge } from './rule-group.js';

/** migrationutils.QEMUDefaultTargetDowntimeMS and QEMUMaxMigrationDowntimeMS. */
const QEMU_DEFAULT_DOWNTIME_MS = 300;
const QEMU_MAX_DOWNTIME_MS = 2_000_000;

/** (elapsed, remaining) at an iteration boundary: libvirt's TimeElapsed and DataRemaining when the pass event arrives. */
interface IterationRecord {
  elapsedMs: number;
  remainingBytes: number;
}

type Action = 'nothing' | 'abort' | 'postcopy' | 'hard' | 'soft';

/**
 * KubeVirt's stall detector (VEP 248, alpha; kubevirt/kubevirt @d923fdb8
 * pkg/virt-launcher/virtwrap/stall-detector.go, and in
 * live-migration-source.go handleStallDetection, processCompletionTimeouts,
 * triggerConvergenceAction; defaults in pkg/virt-config/virt-config.go).
 * It replaces the legacy monitor (`kubevirt`): use one or the other.
 *
 * The limit starts at min(maxDowntime, 300 ms). Every 400 ms poll that is not
 * an iteration boundary feeds libvirt's memory bandwidth (QEMU's rate of the
 * last window: `bandwidthEstimate` here) into an EWMA (alpha 0.4). At each
 * iteration boundary (a dirty-bitmap sync) the record (elapsed, remaining
 * data) goes into a window: records older than `stallProgressTimeout` age
 * out into the smallest remaining seen outside the window; the migration is
 * stalled when the remaining data is >= (1 - stallMargin) x that minimum.
 * From then on the best remaining data is relaxed: each boundary pushes its
 * remaining data onto a min-heap, and when the patience (first
 * stallProgressTimeout, then x patienceWindowDecayFactor each time) runs
 * out, the heap's smallest becomes the new best. A stalled boundary within
 * stallMargin of the best (a local minimum; or any, without
 * searchLocalMinima) decides, if the estimated downtime (remaining / EWMA)
 * fits the time left before completionTimeoutFactor x the budget:
 * post-copy (disruption and post-copy allowed), a hard switch-over (limit
 * 2,000,000 ms, disruption allowed), a soft one (limit maxDowntime) when the
 * estimate is within precopyPossibleFactor x maxDowntime, else abort. Every
 * poll and boundary also checks the deadline: past it (the budget, then a
 * switch-over's own `switchoverTimeout`), post-copy or a forced switch-over
 * when allowed and the estimate fits, else abort.
 *
 * Not modelled: VFIO devices (no post-copy), multifd (as for `kubevirt`).
 */
class StallDetector extends RuleBase {
  readonly kind = 'kubevirt-stall-detector';
  private polls = 0;
  private started = false;
  private acceptableS = 0;
  private switchoverDeadlineS = 0;
  private ewma = 0;
  private record: IterationRecord = { elapsedMs: 0, remainingBytes: 0 };
  private candidates: IterationRecord[] = [];
  private outsideMin: IterationRecord | null = null;
  private stalled = false;
  private history: number[] = [];
  private bestBytes = 0;
  private relaxDeadlineMs = 0;
  private patienceMs = 0;
  private switchoverInitiated = false;
  private readonly allowPostCopy: boolean;
  private readonly allowDisruption: boolean;
  private readonly maxDowntimeMs: number;
  private readonly margin: number;
  private readonly windowMs: number;
  constructor(private readonly p: ParamValues) {
    super();
    this.allowPostCopy = p.allowPostCopy as boolean;
    this.allowDisruption = (p.allowWorkloadDisruption as boolean | null) ?? this.allowPostCopy;
    this.maxDowntimeMs = Math.round((p.maxDowntime as number) * 1000);
    // the code holds the margin as a whole percentage
    this.margin = Math.round((p.stallMargin as number) * 100) / 100;
    this.windowMs = Math.round((p.stallProgressTimeout as number) * 1000);
  }

  override nextTimerS(): number {
    return (this.polls + 1) * KUBEVIRT_POLL_S;
  }

  override onTimer(m: MigrationView): void {
    this.polls++;
    this.start(m);
    if (!m.paused && !m.inPostcopy && m.bandwidthEstimate > 0) this.updateBandwidth(m.bandwidthEstimate);
    this.completionTimeouts(m);
  }

  override onSync(m: MigrationView): void {
    this.start(m);
    if (m.inPostcopy || m.ended) return;
    this.record = { elapsedMs: Math.trunc(m.t * 1000), remainingBytes: m.remainingBytes };
    if (this.processIteration(this.record)) this.trigger(m, this.decide(m));
    if (!m.ended) this.completionTimeouts(m);
  }

  private start(m: MigrationView): void {
    if (this.started) return;
    this.started = true;
    this.acceptableS = (this.p.completionTimeoutPerGiB as number) * kubevirtDataGB(m.ramBytes, this.p.volumes as number);
    this.switchoverDeadlineS = this.acceptableS;
    m.setDowntimeLimit(Math.min(this.maxDowntimeMs, QEMU_DEFAULT_DOWNTIME_MS) / 1000, 'kubevirt-stall-detector');
  }

  private updateBandwidth(sample: number): void {
    const alpha = this.p.ewmaAlpha as number;
    this.ewma = this.ewma === 0 ? sample : alpha * sample + (1 - alpha) * this.ewma;
  }

  private estimateDowntimeMs(): number {
    return this.ewma === 0 ? 0 : Math.trunc(this.record.remainingBytes / (this.ewma / 1000));
  }

  private canFinishByDeadline(elapsedS: number, deadlineS: number, estimateMs: number): boolean {
    return this.ewma !== 0 && estimateMs <= (deadlineS - elapsedS) * 1000;
  }

  private updateCandidates(r: IterationRecord): void {
    while (this.candidates.length > 0) {
      const oldest = this.candidates[0] as IterationRecord;
      if (r.elapsedMs - oldest.elapsedMs < this.windowMs) break;
      this.candidates.shift();
      if (this.outsideMin === null || oldest.remainingBytes < this.outsideMin.remainingBytes) this.outsideMin = oldest;
    }
    if (this.outsideMin !== null && r.remainingBytes > this.outsideMin.remainingBytes) return;
    const last = this.candidates[this.candidates.length - 1];
    if (last !== undefined && r.remainingBytes >= last.remainingBytes) return;
    this.candidates.push(r);
  }

  /** processStallDetectionIteration: true when the migration is (now) stalled. */
  private processIteration(r: IterationRecord): boolean {
    if (this.ewma === 0 || this.switchoverInitiated) return false;
    this.updateCandidates(r);
    if (this.stalled) {
      this.history.push(r.remainingBytes);
      if (r.elapsedMs >= this.relaxDeadlineMs) {
        let at = 0;
        for (let i = 1; i < this.history.length; i++) if ((this.history[i] as number) < (this.history[at] as number)) at = i;
        this.bestBytes = this.history.splice(at, 1)[0] as number;
        this.patienceMs = Math.trunc(this.patienceMs * (this.p.patienceWindowDecayFactor as number));
        this.relaxDeadlineMs = r.elapsedMs + this.patienceMs;
      }
      return true;
    }
    if (this.outsideMin === null || r.remainingBytes < Math.trunc(this.outsideMin.remainingBytes * (1 - this.margin))) return false;
    let best = this.outsideMin.remainingBytes;
    for (const c of this.candidates) if (c.remainingBytes < best) best = c.remainingBytes;
    this.bestBytes = best;
    this.history = [];
    this.patienceMs = this.windowMs;
    this.relaxDeadlineMs = r.elapsedMs + this.patienceMs;
    this.stalled = true;
    return true;
  }

  private decide(m: MigrationView): Action {
    if (this.switchoverInitiated) return 'nothing';
    const atMinimum = this.record.remainingBytes <= Math.trunc(this.bestBytes * (1 + this.margin));
    if (!atMinimum && (this.p.searchLocalMinima as boolean)) return 'nothing';
    const estimateMs = this.estimateDowntimeMs();
    const deadlineS = Math.trunc(this.acceptableS * (this.p.completionTimeoutFactor as number));
    if (!this.canFinishByDeadline(Math.trunc(m.t), deadlineS, estimateMs)) return 'nothing';
    if (this.allowDisruption && this.allowPostCopy) return 'postcopy';
    if (this.allowDisruption) return 'hard';
    if (estimateMs <= this.maxDowntimeMs * (this.p.precopyPossibleFactor as number)) return 'soft';
    return 'abort';
  }

  private trigger(m: MigrationView, action: Action): void {
    if (action === 'nothing') return;
    this.switchoverInitiated = true;
    if (action === 'abort') m.abort('kubevirt-stall-abort');
    else if (action === 'postcopy') m.requestPostcopy('kubevirt-stall-postcopy');
    else {
      m.setDowntimeLimit((action === 'hard' ? QEMU_MAX_DOWNTIME_MS : this.maxDowntimeMs) / 1000, `kubevirt-stall-${action}`);
      this.switchoverDeadlineS = Math.trunc(m.t) + (this.p.switchoverTimeout as number);
    }
  }

  /** processCompletionTimeouts, on every poll and boundary. */
  private completionTimeouts(m: MigrationView): void {
    if (m.ended || this.acceptableS === 0) return;
    const elapsedS = Math.trunc(m.t);
    if (!(elapsedS > (m.paused ? this.acceptableS : this.switchoverDeadlineS))) return;
    if (m.inPostcopy || m.postcopyReason !== null) return;
    if (this.ewma === 0) {
      m.abort('kubevirt-completion-timeout');
      return;
    }
    if (!this.switchoverInitiated) {
      const factor = this.p.completionTimeoutFactor as number;
      const completable = this.canFinishByDeadline(elapsedS, Math.trunc(this.acceptableS * factor), this.estimateDowntimeMs());
      if (this.allowPostCopy && completable) {
        m.requestPostcopy('kubevirt-completion-postcopy');
        this.switchoverInitiated = true;
        return;
      }
      if (this.allowDisruption && completable) {
        m.setDowntimeLimit(QEMU_MAX_DOWNTIME_MS / 1000, 'kubevirt-completion-switchover');
        this.acceptableS = Math.trunc(this.acceptableS * factor);
        this.switchoverDeadlineS = elapsedS + (this.p.switchoverTimeout as number);
        this.switchoverInitiated = true;
        return;
      }
    }
    m.abort('kubevirt-completion-timeout');
  }
}

export const kubevirtStallDetector: RuleModule = {
  kind: 'kubevirt-stall-detector',
  role: 'rule',
  requires: ['qemu'],
  postcopy: (p) => p.allowPostCopy === true,
  summary: "KubeVirt's stall detector (VEP 248): switch over, post-copy or abort at a local minimum of the remaining data once it stops shrinking",
  source: 'kubevirt/kubevirt @d923fdb8 pkg/virt-launcher/virtwrap/stall-detector.go, live-migration-source.go handleStallDetection (docs/policies.md#kubevirt-stall-detector)',
  params: {
    maxDowntime: { kind: 'time', default: 0.9, positive: true, doc: 'maxDowntimeMs: the soft switch-over limit' },
    stallMargin: {
      kind: 'share',
      default: 0.04,
      min: 0,
      max: 0.99,
      doc: 'stallMargin (4 %): how close to the window minimum counts as no progress, and to the best as a local minimum',
    },
    stallProgressTimeout: { kind: 'time', default: 40, positive: true, doc: 'stallProgressTimeout: the window of iteration records, and the first patience' },
    switchoverTimeout: { kind: 'time', default: 60, positive: true, doc: 'switchoverTimeout: how long a forced switch-over may take before an abort' },
    ewmaAlpha: { kind: 'share', default: 0.4, positive: true, max: 1, doc: 'ewmaAlpha: weight of the newest bandwidth sample' },
    precopyPossibleFactor: { kind: 'number', default: 1.5, min: 1, doc: 'precopyPossibleFactor: a soft switch-over is tried up to this x maxDowntime' },
    patienceWindowDecayFactor: { kind: 'share', default: 0.5, positive: true, max: 1, doc: 'patienceWindowDecayFactor: the patience shrinks by this at each relaxation' },
    searchLocalMinima: { kind: 'bool', default: true, doc: 'searchLocalMinima: act only at a local minimum of the remaining data' },
    completionTimeoutFactor: { kind: 'number', default: 2, min: 1, doc: 'completionTimeoutFactor: the hard deadline is this x the budget' },
    completionTimeoutPerGiB: { kind: 'count', default: 150, min: 0, doc: 'completionTimeoutPerGiB (as for kubevirt)' },
    allowPostCopy: { kind: 'bool', default: false, doc: 'allowPostCopy' },
    allowWorkloadDisruption: { kind: 'bool', default: null, doc: 'allowWorkloadDisruption; unset = allowPostCopy' },
    allowAutoConverge: { kind: 'bool', default: false, doc: "allowAutoConverge: QEMU's auto-converge with its defaults" },
    volumes: { kind: 'bytes', default: 0, min: 0, doc: 'migrated volumes counted in the size' },
  },
  check: (p) => ((p.stallMargin as number) >= 1 ? `stallMargin must be below 1 (a share), found ${String(p.stallMargin)}` : null),
  create: (p) => withAutoConverge('kubevirt-stall-detector', new StallDetector(p), p.allowAutoConverge as boolean),
};
