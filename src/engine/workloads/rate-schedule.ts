import type { MigrationView } from '../view.js';
import { RuleBase } from '../policy.js';
import { Random, hashString } from '../random.js';
import type { DirtyTrace, Scenario } from '../types.js';
import { peakRate } from './trace.js';

/**
 * The guest's write rate over time, as a share of its workload's rate: a
 * trace's phases (the share is each phase's rate / the trace's peak), a
 * seeded fluctuation multiplying it, and an end of the writes (`duration`).
 * A timer at each phase start, each fluctuation period and the end sets the
 * share (MigrationView.setWriteFactor), so a run costs one event per change.
 * Not a policy: the engine adds it ahead of the scenario's rules when the
 * workload has any of the three.
 *
 * The fluctuation is log-normal with mean 1: factor = exp(spread x -
 * spread^2 / 2) with x ~ N(0, 1) stationary; from period to period
 * x' = rho x + sqrt(1 - rho^2) z, rho = exp(-period / correlation). Its
 * random numbers come from a stream of their own (the scenario's seed hashed
 * with this name), so that the fluid and page fidelities, and any policy,
 * see the same rate path for the same seed.
 */
export class RateSchedule extends RuleBase {
  readonly kind = 'rate-schedule';
  private nextPhase = 0;
  private readonly peak: number;
  private traceShare = 1;
  private fluctFactor = 1;
  private x = 0;
  private nextPeriodS: number;
  private stopped = false;
  private readonly random: Random | null;
  private readonly rho: number;
  constructor(
    private readonly trace: DirtyTrace | null,
    private readonly fluct: { spread: number; period: number; correlation: number } | null,
    private readonly durationS: number | null,
    seed: number,
  ) {
    super();
    this.peak = trace ? peakRate(trace) : 0;
    this.random = fluct && fluct.spread > 0 ? new Random(hashString('workload.fluctuation', seed)) : null;
    this.rho = fluct && fluct.correlation > 0 ? Math.exp(-fluct.period / fluct.correlation) : 0;
    this.nextPeriodS = this.random ? 0 : Infinity;
  }

  /** Whether a workload needs a schedule at all. */
  static wanted(s: Scenario): boolean {
    const w = s.workload;
    return (w.kind === 'trace' && w.file !== undefined) || (w.fluctuation != null && w.fluctuation.spread > 0) || w.duration != null;
  }

  static of(s: Scenario): RateSchedule {
    const w = s.workload;
    return new RateSchedule(w.kind === 'trace' ? (w.file ?? null) : null, w.fluctuation ?? null, w.duration ?? null, s.seed);
  }

  override nextTimerS(): number {
    const phase = this.trace && this.nextPhase < this.trace.timesS.length ? (this.trace.timesS[this.nextPhase] as number) : Infinity;
    const end = this.durationS !== null && !this.stopped ? this.durationS : Infinity;
    return Math.min(phase, this.nextPeriodS, end);
  }

  override onTimer(m: MigrationView): void {
    const t = m.t;
    const trace = this.trace;
    while (trace && this.nextPhase < trace.timesS.length && (trace.timesS[this.nextPhase] as number) <= t) {
      const rate = trace.ratesBytesPerSec[this.nextPhase] as number;
      this.traceShare = this.peak > 0 ? rate / this.peak : 0;
      this.nextPhase++;
    }
    if (this.random && this.fluct && this.nextPeriodS <= t) {
      const z = normal(this.random);
      this.x = this.nextPeriodS === 0 ? z : this.rho * this.x + Math.sqrt(1 - this.rho * this.rho) * z;
      const sigma = this.fluct.spread;
      this.fluctFactor = Math.exp(sigma * this.x - (sigma * sigma) / 2);
      this.nextPeriodS += this.fluct.period;
    }
    if (this.durationS !== null && this.durationS <= t) this.stopped = true;
    m.setWriteFactor(this.stopped ? 0 : this.traceShare * this.fluctFactor);
  }
}

/** A standard normal draw (Box-Muller; 1 - u keeps the logarithm finite). */
function normal(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}
