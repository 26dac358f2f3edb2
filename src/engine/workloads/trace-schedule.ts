import type { MigrationView } from '../view.js';
import { RuleBase } from '../policy.js';
import type { DirtyTrace } from '../types.js';
import { peakRate } from './trace.js';

/**
 * Plays a trace's phases: a timer at each phase start sets the guest's write
 * rate (as a share of the peak, which is the working set's rate). Not a
 * policy: the engine adds it ahead of the scenario's rules for `trace` workloads.
 */
export class TraceSchedule extends RuleBase {
  readonly kind = 'trace-schedule';
  private next = 0;
  private readonly peak: number;
  constructor(private readonly trace: DirtyTrace) {
    super();
    this.peak = peakRate(trace);
  }
  override nextTimerS(): number {
    return this.next < this.trace.timesS.length ? this.trace.timesS[this.next] : Infinity;
  }
  override onTimer(m: MigrationView): void {
    const rate = this.trace.ratesBytesPerSec[this.next];
    this.next++;
    m.setWriteFactor(this.peak > 0 ? rate / this.peak : 0);
  }
}
