import type { MemoryModel } from './memory/model.js';
import { Random } from './random.js';
import { postcopyPhase, type PostcopyClass } from './postcopy.js';
import type { Base, Rule } from './policy.js';
import type { EstimatorKind, Outcome, RunResult, TimelinePoint } from './types.js';

export interface EstimatorConfig {
  kind: EstimatorKind;
  /** `buffer`: the rate at which the migration code fills its send buffer (bytes/s) */
  bufferRate: number;
  /** `bias`: estimate = factor x the true wire rate */
  factor: number;
}

export interface MigrationSetup {
  mem: MemoryModel;
  base: Base;
  rules: Rule[];
  linkBytesPerSec: number;
  latencyS: number;
  /** sigma of the per-period log-normal link-rate factor; 0 = constant */
  linkJitter: number;
  seed: number;
  horizonS: number;
  vcpus: number;
  deviceStateBytes: number;
  /** share of vCPU time the workload's writer needs (Scenario.workload.cpuShare) */
  cpuShare: number;
  estimator: EstimatorConfig;
  timeline: TimelinePoint[] | null;
}

/** 0.15 replaces a zero bandwidth by 0.000001 bytes/ns (arch_init.c ram_save_live). */
const MIN_BANDWIDTH_BYTES_PER_SEC = 1e3;

/**
 * The state of one simulated migration: clock, counters, what a policy can
 * observe, and the actions policies request. Bases drive it; rules read it
 * and call its request methods.
 */
export class Migration {
  readonly mem: MemoryModel;
  readonly base: Base;
  readonly rules: Rule[];
  readonly ramBytes: number;
  /** the link's mean rate */
  readonly linkBytesPerSec: number;
  readonly latencyS: number;
  readonly horizonS: number;
  /** live sending rate of the current measuring period: the link or the base's rate limit, whichever is lower */
  liveBytesPerSec: number;
  /** the link's rate in the current period */
  linkNowBytesPerSec: number;
  private readonly maxBandwidthBytesPerSec: number;
  private readonly jitter: number;
  private readonly linkRandom: Random | null;
  readonly estimator: EstimatorConfig;
  readonly timeline: TimelinePoint[] | null;
  readonly vcpus: number;
  readonly deviceStateBytes: number;
  private readonly cpuShare: number;
  /** the guest's page-write rate unthrottled (bytes/s) */
  private readonly baseWriteRate: number;

  /** seconds since the migration started */
  t = 0;
  syncs = 0;
  /** the downtime limit as the base started with it (s) */
  readonly baseDowntimeLimitS: number;
  /** the downtime limit now (s); controllers may change it */
  downtimeLimitS: number;
  /** who raised the limit last, if anyone (a completion under a raised limit is theirs) */
  limitRaisedBy: string | null = null;
  /** last observations at a decision point */
  pendingBytes = 0;
  bandwidthEstimate = 0;
  dirtyRateEstimate = 0;
  expectedDowntimeS = NaN;
  lastSyncS = 0;
  /** pending bytes right after the last sync (QEMU dirty_bytes_last_sync) */
  dirtyBytesLastSync = 0;

  paused = false;
  pauseStartS = NaN;
  pauseReason = '';
  /** CPU throttle in [0, 1): the share of time vCPUs are kept from running */
  throttle = 0;
  maxThrottle = 0;
  throttleCpuSeconds = 0;
  /** a cap on the guest's page-write rate (dirty-limit), bytes/s */
  dirtyRateCap = Infinity;
  /** the workload's own rate now, as a share of its peak (a trace's phases) */
  writeFactor = 1;

  /** a rule asked for post-copy; the base switches at its next decision */
  postcopyReason: string | null = null;
  inPostcopy = false;
  postcopyFaults = 0;
  postcopyBlockedS = 0;

  /** a rule asked for switch-over; the base performs it at its next chance */
  forcedReason: string | null = null;
  ended = false;
  outcome: Outcome = 'unfinished';
  stopReason = '';
  endS = NaN;
  downtimeS = NaN;
  postcopyS = 0;

  constructor(s: MigrationSetup) {
    this.mem = s.mem;
    this.base = s.base;
    this.rules = s.rules;
    this.ramBytes = s.mem.ramBytes;
    this.linkBytesPerSec = s.linkBytesPerSec;
    this.latencyS = s.latencyS;
    this.horizonS = s.horizonS;
    this.estimator = s.estimator;
    this.timeline = s.timeline;
    this.vcpus = s.vcpus;
    this.deviceStateBytes = s.deviceStateBytes;
    this.cpuShare = s.cpuShare;
    this.baseWriteRate = s.mem.writeRate(1);
    this.maxBandwidthBytesPerSec = s.base.maxBandwidthBytesPerSec;
    this.jitter = s.linkJitter;
    // a stream of its own, so that jitter draws do not shift page-fidelity writes
    this.linkRandom = s.linkJitter > 0 ? new Random(s.seed ^ 0x5bd1e995) : null;
    this.linkNowBytesPerSec = s.linkBytesPerSec;
    this.liveBytesPerSec = Math.min(s.linkBytesPerSec, s.base.maxBandwidthBytesPerSec);
    this.baseDowntimeLimitS = s.base.downtimeLimitS;
    this.downtimeLimitS = s.base.downtimeLimitS;
    this.mem.setCosts(s.base.costs(s.mem.pageBytes));
  }

  /**
   * Start a new link period (a pass, a tick): with jitter, the link's rate is
   * its mean times a log-normal factor exp(sigma z - sigma^2 / 2), whose mean
   * is 1. Without jitter the rate is the mean and no random number is drawn.
   */
  newLinkPeriod(): void {
    const rng = this.linkRandom;
    if (rng === null) return;
    // Box-Muller; 1 - u keeps the logarithm finite
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const sigma = this.jitter;
    this.linkNowBytesPerSec = this.linkBytesPerSec * Math.exp(sigma * z - (sigma * sigma) / 2);
    this.liveBytesPerSec = Math.min(this.linkNowBytesPerSec, this.maxBandwidthBytesPerSec);
  }

  get passes(): number {
    return this.mem.wraps;
  }

  /** completed iterations as the base reports them (see Base.iterations) */
  get iterations(): number {
    return this.base.iterations(this);
  }

  /** bytes as the base counts them (QEMU's `ram.transferred`) */
  get transferredBytes(): number {
    return this.mem.sentAccounted;
  }

  /**
   * How fast the guest writes, relative to its workload's rate: 0 paused;
   * a CPU throttle leaves its vCPUs 1 - throttle of the time, which slows a
   * writer needing `cpuShare` of it by min(1, (1 - throttle) / cpuShare)
   * (cpu-throttle.c: run fraction = 1 - pct); a dirty-rate cap bounds the rest.
   */
  dirtyFactor(): number {
    if (this.paused) return 0;
    const cpu = this.writeFactor * Math.min(1, (1 - this.throttle) / this.cpuShare);
    const cap = this.baseWriteRate > 0 ? this.dirtyRateCap / this.baseWriteRate : Infinity;
    return cpu < cap ? cpu : cap;
  }

  /** Let `dtS` seconds pass with no sending (the guest runs and dirties memory). */
  elapse(dtS: number): void {
    if (dtS > 0) {
      this.mem.expose(dtS, this.dirtyFactor());
      if (this.throttle > 0 && !this.paused) this.throttleCpuSeconds += this.throttle * dtS * this.vcpus;
      this.t += dtS;
    }
  }

  /** Earliest own timer of any rule. */
  nextTimerS(): number {
    let next = Infinity;
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i].nextTimerS(this);
      if (r < next) next = r;
    }
    return next;
  }

  fireTimers(): void {
    for (let i = 0; i < this.rules.length; i++) {
      if (this.rules[i].nextTimerS(this) <= this.t) this.rules[i].onTimer(this);
      if (this.ended) return;
    }
  }

  /**
   * Let `dtS` seconds pass while sending `wire` bytes evenly over them,
   * firing rule timers on the way. Durations, not end times, are passed in,
   * so a short interval late in a long migration keeps its precision.
   * Returns true when the interval ran to its end with the migration still
   * running and no switch-over requested; false when it ended (horizon,
   * abort) or a timer asked for a switch-over (then `t` is the timer's time
   * and the unsent rest is still pending).
   */
  advance(dtS: number, wire: number): boolean {
    let leftS = dtS;
    let leftWire = wire;
    for (;;) {
      const tTimer = this.nextTimerS();
      const stop = tTimer < this.horizonS ? tTimer : this.horizonS;
      if (stop - this.t >= leftS) {
        if (leftWire > 0) this.mem.sendWire(leftWire);
        this.elapse(leftS);
        return true;
      }
      const partS = Math.max(0, stop - this.t);
      const partWire = leftS > 0 ? (leftWire * partS) / leftS : 0;
      if (partWire > 0) this.mem.sendWire(partWire);
      leftWire -= partWire;
      leftS -= partS;
      this.elapse(partS);
      this.t = stop;
      if (stop === this.horizonS && tTimer >= this.horizonS) {
        this.finishUnfinished();
        return false;
      }
      this.fireTimers();
      if (this.ended || this.forcedReason !== null) return false;
    }
  }

  /** A dirty-bitmap sync: the log joins the pending set; controllers see the result. */
  sync(): number {
    const added = this.mem.sync();
    this.syncs++;
    this.dirtyBytesLastSync = this.mem.pendingBytes();
    const dt = this.t - this.lastSyncS;
    if (dt > 0) this.dirtyRateEstimate = added / dt;
    this.lastSyncS = this.t;
    for (let i = 0; i < this.rules.length; i++) this.rules[i].onSync(this, added);
    this.record('sync');
    return added;
  }

  /** The bandwidth the policy believes in, from the true wire rate of a measuring period. */
  estimateBandwidth(wireBytes: number, periodS: number): number {
    const e = this.estimator;
    let bw: number;
    if (e.kind === 'buffer') bw = e.bufferRate;
    else {
      bw = periodS > 0 ? wireBytes / periodS : 0;
      if (e.kind === 'bias') bw *= e.factor;
    }
    if (!(bw > 0)) bw = MIN_BANDWIDTH_BYTES_PER_SEC;
    this.bandwidthEstimate = bw;
    return bw;
  }

  /** Consult every rule at a decision point of the base. */
  decide(): void {
    for (let i = 0; i < this.rules.length; i++) {
      this.rules[i].onDecision(this);
      if (this.ended) return;
    }
    this.record('decision');
  }

  // ---- requests from rules --------------------------------------------------

  /** The reason of a switch-over a timer requested during advance() (read after it returned false). */
  forcedReasonNow(): string {
    return this.forcedReason ?? 'forced';
  }

  requestSwitchover(reason: string): void {
    if (this.forcedReason === null) this.forcedReason = reason;
  }

  pauseGuest(reason: string): void {
    if (this.paused) return;
    this.paused = true;
    this.pauseStartS = this.t;
    this.pauseReason = reason;
    this.record('pause');
  }

  setDowntimeLimit(limitS: number, by: string): void {
    if (limitS === this.downtimeLimitS) return;
    this.limitRaisedBy = limitS > this.baseDowntimeLimitS ? by : null;
    this.downtimeLimitS = limitS;
  }

  setThrottle(share: number): void {
    if (share === this.throttle) return;
    this.throttle = share;
    if (share > this.maxThrottle) this.maxThrottle = share;
    this.record('throttle');
  }

  setWriteFactor(share: number): void {
    this.writeFactor = share;
    this.record('rate');
  }

  setDirtyRateCap(bytesPerSec: number): void {
    this.dirtyRateCap = bytesPerSec;
  }

  requestPostcopy(reason: string): void {
    if (this.postcopyReason === null) this.postcopyReason = reason;
  }

  /** Cancel the migration: the guest stays (running) on the source. Post-copy cannot be cancelled. */
  abort(reason: string): void {
    if (this.ended || this.inPostcopy) return;
    this.ended = true;
    this.outcome = 'aborted';
    this.stopReason = reason;
    this.endS = this.t;
    this.record('abort');
  }

  // ---- endings ----------------------------------------------------------------

  /**
   * Stop the guest (if a rule has not paused it already) and copy what is
   * left at the link's full speed: the stop-and-copy is not rate-limited in
   * any system modelled here. `backlogWire` is data the base queued before
   * the stop that must cross the link first; `finalSync` when the base syncs
   * the bitmap once more after stopping the guest.
   */
  switchOver(reason: string, expectedDowntimeS: number, backlogWire: number, finalSync: boolean): void {
    const stopS = this.t;
    this.expectedDowntimeS = expectedDowntimeS;
    if (finalSync) this.sync();
    const finalWire = this.mem.sendAll() + this.deviceStateBytes;
    this.newLinkPeriod();
    const copyS = (backlogWire + finalWire) / this.linkNowBytesPerSec + this.latencyS;
    const endS = stopS + copyS;
    this.ended = true;
    this.outcome = 'completed';
    this.stopReason = this.paused ? this.pauseReason : reason === 'downtime-met' && this.limitRaisedBy !== null ? this.limitRaisedBy : reason;
    this.t = endS;
    this.endS = endS;
    // computed, not subtracted, so a short downtime after a long migration keeps its precision
    this.downtimeS = this.paused ? stopS - this.pauseStartS + copyS : copyS;
    this.throttle = 0;
    this.record('switchover');
  }

  /**
   * Switch to post-copy (QEMU postcopy_start, policies.md §3.9): stop the
   * guest, sync once more, send the device state; the guest resumes on the
   * destination when that package has arrived (the downtime). The pages
   * still pending then follow at `rateBytesPerSec` while the guest faults on
   * the ones it touches first.
   */
  startPostcopy(reason: string, rateBytesPerSec: number, expectedDowntimeS: number): void {
    const stopS = this.t;
    this.inPostcopy = true;
    this.expectedDowntimeS = expectedDowntimeS;
    this.sync();
    this.record('postcopy');
    this.newLinkPeriod();
    const link = this.linkNowBytesPerSec;
    const switchS = this.deviceStateBytes / link + this.latencyS;
    const mem = this.mem;
    const classes: PostcopyClass[] = mem.classes.map((c, i) => ({ sizeBytes: c.sizeBytes, pendingBytes: mem.pendingBytesOf(i), writeBytesPerSec: c.writeBytesPerSec }));
    const faultLatencyS = 2 * this.latencyS + mem.pageBytes / link;
    const phase = postcopyPhase(classes, mem.pendingWireBytes(), Math.min(rateBytesPerSec, link), mem.pageBytes, faultLatencyS, !this.paused);
    mem.sendAll();
    this.mem.sentWire += this.deviceStateBytes;
    this.postcopyS = phase.durationS;
    this.postcopyFaults = phase.faults;
    this.postcopyBlockedS = phase.blockedS;
    const endS = stopS + switchS + phase.durationS;
    this.ended = true;
    this.outcome = 'completed';
    this.stopReason = reason;
    this.t = endS;
    this.endS = endS;
    // a guest paused before the switch stays paused until the end (libvirt resumes it then)
    this.downtimeS = this.paused ? stopS - this.pauseStartS + switchS + phase.durationS : switchS;
    this.throttle = 0;
    this.record('end');
  }

  finishUnfinished(): void {
    this.ended = true;
    this.outcome = 'unfinished';
    this.stopReason = 'horizon';
    this.endS = this.t;
    if (this.paused) this.downtimeS = this.t - this.pauseStartS;
    this.record('horizon');
  }

  record(event: string): void {
    const tl = this.timeline;
    if (tl === null) return;
    tl.push({
      tMs: this.t * 1000,
      event,
      pendingBytes: this.mem.pendingBytes(),
      transferredBytes: this.mem.sentAccounted,
      passes: this.mem.wraps,
      syncs: this.syncs,
      dirtyRateBytesPerSec: this.mem.writeRate(this.dirtyFactor()),
      throttlePct: this.throttle * 100,
      downtimeLimitMs: this.downtimeLimitS * 1000,
    });
  }

  result(): RunResult {
    const transferred = this.mem.sentAccounted;
    return {
      totalTimeMs: this.endS * 1000,
      downtimeMs: this.downtimeS * 1000,
      expectedDowntimeMs: this.expectedDowntimeS * 1000,
      transferredBytes: transferred,
      wireBytes: this.mem.sentWire,
      ramBytes: this.ramBytes,
      transferFactor: transferred / this.ramBytes,
      syncs: this.syncs,
      passes: this.mem.wraps,
      outcome: this.outcome,
      stopReason: this.stopReason,
      maxThrottlePct: this.maxThrottle * 100,
      throttleCpuSeconds: this.throttleCpuSeconds,
      postcopyMs: this.postcopyS * 1000,
      postcopyFaults: this.postcopyFaults,
      postcopyBlockedMs: this.postcopyBlockedS * 1000,
    };
  }
}
