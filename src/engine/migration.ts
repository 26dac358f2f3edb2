import type { MemoryModel, PageContent } from './memory/model.js';
import { DeviceTransfer } from './devices.js';
import { Random } from './random.js';
import { postcopyPhase, type PostcopyClass } from './postcopy.js';
import type { Base, Rule } from './policy.js';
import type { EstimatorKind, Outcome, RunResult, TimelinePoint, VfioDevice, WireFigures } from './types.js';
import type { MigrationView } from './view.js';

export interface EstimatorConfig {
  kind: EstimatorKind;
  /** `buffer`: the rate at which the migration code fills its send buffer (bytes/s) */
  bufferRate: number;
  /** `bias`: estimate = factor x the true wire rate */
  factor: number;
}

/** From `atS` seconds on, the link's mean rate is `bytesPerSec`. */
export interface LinkRateChange {
  atS: number;
  bytesPerSec: number;
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
  /** changes of the link's mean rate at given instants, in time order (none: a constant link) */
  linkRateChanges?: readonly LinkRateChange[];
  /** VFIO devices (none: a guest without passthrough devices) */
  devices?: readonly VfioDevice[];
  /** what the written pages hold (compression, XBZRLE); absent: incompressible pages rewritten whole */
  content?: PageContent;
}

/** A constant link: one shared empty schedule, so that a run without changes allocates none. */
const NO_LINK_RATE_CHANGES: readonly LinkRateChange[] = Object.freeze([]);

/** 0.15 replaces a zero bandwidth by 0.000001 bytes/ns (arch_init.c ram_save_live). */
const MIN_BANDWIDTH_BYTES_PER_SEC = 1e3;

/**
 * The state of one simulated migration: clock, counters, what a policy can
 * observe, and the actions policies request. The state is private: a base
 * drives it through the methods below (begin, send, advance, sync, observe,
 * decide, switchOverIfDue, startPostcopy); rules see it as a MigrationView
 * and act through its request methods. docs/engine-api.md describes both.
 */
export class Migration implements MigrationView {
  readonly mem: MemoryModel;
  readonly base: Base;
  private readonly rules: Rule[];
  readonly ramBytes: number;
  private readonly latencyS: number;
  private readonly horizonS: number;
  private readonly maxBandwidthBytesPerSec: number;
  private readonly jitter: number;
  private readonly linkRandom: Random | null;
  private readonly estimator: EstimatorConfig;
  private readonly timeline: TimelinePoint[] | null;
  readonly vcpus: number;
  private readonly deviceStateBytes: number;
  /** the VFIO devices; null without any (then nothing below costs a thing) */
  private readonly devices: DeviceTransfer | null;
  private deviceStopCopyBytes = NaN;
  private readonly cpuShare: number;
  /** the sender's page CPU work per second (Base.cpuBytesPerSec) */
  private readonly cpuBytesPerSec: number;
  /** the guest's page-write rate unthrottled (bytes/s) */
  private readonly baseWriteRate: number;
  readonly baseDowntimeLimitS: number;

  // ---- the link ----
  /** the link's mean rate now (changes only at given instants) */
  private linkMean: number;
  /** this period's log-normal factor (1 without jitter) */
  private linkFactor = 1;
  private linkNow: number;
  private live: number;
  private readonly linkChanges: readonly LinkRateChange[];
  private nextLinkChange = 0;
  /** time of the next link-rate change; Infinity when none is left */
  private nextLinkChangeS: number;

  // ---- clock and observations ----
  private now = 0;
  private syncCount = 0;
  private limitS: number;
  /** who raised the limit last, if anyone (a completion under a raised limit is theirs) */
  private limitRaisedBy: string | null = null;
  private pending = 0;
  private bandwidthEst = 0;
  private dirtyRateEst = 0;
  private expectedDowntimeS = NaN;
  private lastSyncS = 0;
  /** pending bytes right after the last sync (QEMU dirty_bytes_last_sync) */
  private dirtyBytesAtSync = 0;

  // ---- the guest ----
  private isPaused = false;
  private pauseStartS = NaN;
  private pauseReason = '';
  private throttleShare = 0;
  private maxThrottle = 0;
  private throttleCpuSeconds = 0;
  private dirtyRateCap = Infinity;
  private writeFactor = 1;

  // ---- requests and the end ----
  private postcopyRequest: string | null = null;
  private switchoverRequest: string | null = null;
  private postcopyStarted = false;
  private postcopyFaults = 0;
  private postcopyBlockedS = 0;
  private isEnded = false;
  private outcome: Outcome = 'unfinished';
  private stopReason = '';
  private endS = NaN;
  private downtimeS = NaN;
  private postcopyS = 0;

  constructor(s: MigrationSetup) {
    this.mem = s.mem;
    this.base = s.base;
    this.rules = s.rules;
    this.ramBytes = s.mem.ramBytes;
    this.latencyS = s.latencyS;
    this.horizonS = s.horizonS;
    this.estimator = s.estimator;
    this.timeline = s.timeline;
    this.vcpus = s.vcpus;
    this.deviceStateBytes = s.deviceStateBytes;
    this.devices = s.devices !== undefined && s.devices.length > 0 ? new DeviceTransfer(s.devices, s.latencyS) : null;
    this.cpuShare = s.cpuShare;
    this.baseWriteRate = s.mem.writeRate(1);
    this.maxBandwidthBytesPerSec = s.base.maxBandwidthBytesPerSec;
    this.jitter = s.linkJitter;
    // a stream of its own, so that jitter draws do not shift page-fidelity writes
    this.linkRandom = s.linkJitter > 0 ? new Random(s.seed ^ 0x5bd1e995) : null;
    this.linkMean = s.linkBytesPerSec;
    this.linkNow = s.linkBytesPerSec;
    this.live = Math.min(s.linkBytesPerSec, s.base.maxBandwidthBytesPerSec);
    this.linkChanges = s.linkRateChanges ?? NO_LINK_RATE_CHANGES;
    let previousS = 0;
    for (let i = 0; i < this.linkChanges.length; i++) {
      const c = this.linkChanges[i]!;
      if (!(c.atS >= previousS) || !(c.bytesPerSec > 0))
        throw new Error(`linkRateChanges[${i}]: expected a time >= the previous one and a rate > 0, found ${c.atS} s, ${c.bytesPerSec} bytes/s`);
      previousS = c.atS;
    }
    this.nextLinkChangeS = this.linkChanges[0]?.atS ?? Infinity;
    this.baseDowntimeLimitS = s.base.downtimeLimitS;
    this.limitS = s.base.downtimeLimitS;
    this.cpuBytesPerSec = s.base.cpuBytesPerSec ?? Infinity;
    this.mem.setCosts(s.base.costs(s.mem.pageBytes, s.content ?? { compressibility: 1, deltaBytes: s.mem.pageBytes }));
  }

  // ---- what rules observe (MigrationView) and bases read ------------------------

  get t(): number {
    return this.now;
  }
  get syncs(): number {
    return this.syncCount;
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
  get pendingBytes(): number {
    return this.pending;
  }
  /** the bytes still marked now (QEMU's ram `remaining`, what query-migrate and libvirt's job stats report) */
  get remainingBytes(): number {
    return this.mem.pendingBytes();
  }
  get bandwidthEstimate(): number {
    return this.bandwidthEst;
  }
  get dirtyRateEstimate(): number {
    return this.dirtyRateEst;
  }
  /** pending bytes right after the last sync (QEMU dirty_bytes_last_sync) */
  get dirtyBytesLastSync(): number {
    return this.dirtyBytesAtSync;
  }
  get downtimeLimitS(): number {
    return this.limitS;
  }
  get paused(): boolean {
    return this.isPaused;
  }
  get throttle(): number {
    return this.throttleShare;
  }
  get inPostcopy(): boolean {
    return this.postcopyStarted;
  }
  get postcopyReason(): string | null {
    return this.postcopyRequest;
  }
  /** the reason of a switch-over a rule requested (null: none) */
  get forcedReason(): string | null {
    return this.switchoverRequest;
  }
  get ended(): boolean {
    return this.isEnded;
  }
  /** live sending rate of the current measuring period: the link or the base's rate limit, whichever is lower */
  get liveBytesPerSec(): number {
    return this.live;
  }
  /** the link's rate in the current period */
  get linkNowBytesPerSec(): number {
    return this.linkNow;
  }

  // ---- VFIO devices (docs/wire.md#device-state) --------------------------------

  /** initial device data not sent yet (counted in QEMU's pending estimate) */
  get devicePrecopyPendingBytes(): number {
    return this.devices === null ? 0 : this.devices.precopyPendingBytes;
  }

  /** the devices' stop-copy bytes (added by QEMU's exact pending count only) */
  get deviceStopCopyPendingBytes(): number {
    return this.devices === null ? 0 : this.devices.stopCopyBytes;
  }

  /**
   * Whether the destination's switchover-ack has arrived by now (QEMU
   * migration_can_switchover, with the capability on); a stopped guest needs
   * none. Without devices to load the destination acknowledges at setup,
   * one round trip in.
   */
  get switchoverAcked(): boolean {
    if (this.isPaused) return true;
    return this.devices === null ? this.now >= 2 * this.latencyS : this.devices.acked(this.now);
  }

  /** When the switchover-ack reaches the source (Infinity while it depends on data not sent yet). */
  get switchoverAckAtS(): number {
    return this.devices === null ? 2 * this.latencyS : this.devices.ackAtS;
  }

  /**
   * Put up to `budget` bytes of the devices' initial data in the stream;
   * they leave the source `afterS` seconds from now (after what the same
   * round sent before them). Counted in the wire and transferred bytes, as
   * QEMU counts every byte of its stream. Returns the bytes sent.
   */
  sendDevicePrecopy(budget: number, afterS: number): number {
    if (this.devices === null || budget <= 0) return 0;
    const bytes = Math.min(budget, this.devices.precopyPendingBytes);
    const sent = this.devices.send(bytes, this.now + afterS + bytes / this.linkNow);
    this.mem.sentWire += sent;
    this.mem.sentAccounted += sent;
    return sent;
  }

  // ---- driving the migration (bases) --------------------------------------------

  /**
   * The start: every page is pending. QEMU syncs the bitmap once at setup
   * (`syncAfterMarking`); the textbook and Xen count the marking itself as
   * the first sync.
   */
  begin(syncAfterMarking: boolean): void {
    this.mem.markAll();
    if (syncAfterMarking) this.sync();
    else this.syncCount = 1;
    this.record('start');
  }

  /** What the base saw at its decision point: pending bytes and the downtime it expects. */
  observe(pendingBytes: number, expectedDowntimeS: number): void {
    this.pending = pendingBytes;
    this.expectedDowntimeS = expectedDowntimeS;
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
    this.linkFactor = Math.exp(sigma * z - (sigma * sigma) / 2);
    this.setLinkNow();
  }

  /**
   * The link's mean rate from now on (a fleet driver's share of a shared
   * link). The current period keeps its jitter factor. A send in progress
   * continues at the new rate (see send); bases that sleep to a tick or a
   * window pick the rate up at their next period.
   */
  setLinkRate(bytesPerSec: number): void {
    this.linkMean = bytesPerSec;
    this.setLinkNow();
  }

  private setLinkNow(): void {
    this.linkNow = this.linkFactor === 1 ? this.linkMean : this.linkMean * this.linkFactor;
    this.live = Math.min(this.linkNow, this.maxBandwidthBytesPerSec);
  }

  /** Apply the scheduled link-rate changes due by now. */
  private applyLinkChanges(): void {
    while (this.nextLinkChangeS <= this.now) {
      this.setLinkRate(this.linkChanges[this.nextLinkChange]!.bytesPerSec);
      this.nextLinkChange++;
      this.nextLinkChangeS = this.linkChanges[this.nextLinkChange]?.atS ?? Infinity;
    }
  }

  /**
   * How fast the guest writes, relative to its workload's rate: 0 paused;
   * a CPU throttle leaves its vCPUs 1 - throttle of the time, which slows a
   * writer needing `cpuShare` of it by min(1, (1 - throttle) / cpuShare)
   * (cpu-throttle.c: run fraction = 1 - pct); a dirty-rate cap bounds the rest.
   */
  dirtyFactor(): number {
    if (this.isPaused) return 0;
    const cpu = this.writeFactor * Math.min(1, (1 - this.throttleShare) / this.cpuShare);
    const cap = this.baseWriteRate > 0 ? this.dirtyRateCap / this.baseWriteRate : Infinity;
    return cpu < cap ? cpu : cap;
  }

  /** Let `dtS` seconds pass with no sending (the guest runs and dirties memory). */
  private elapse(dtS: number): void {
    if (dtS > 0) {
      this.mem.expose(dtS, this.dirtyFactor());
      if (this.throttleShare > 0 && !this.isPaused) this.throttleCpuSeconds += this.throttleShare * dtS * this.vcpus;
      this.now += dtS;
    }
  }

  /** Earliest own timer of any rule. */
  private nextTimerS(): number {
    let next = Infinity;
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i]!.nextTimerS(this);
      if (r < next) next = r;
    }
    return next;
  }

  /** Fire the rule timers that are due (a base calls this at its pass boundaries). */
  fireTimers(): void {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      if (rule.nextTimerS(this) <= this.now) rule.onTimer(this);
      if (this.isEnded) return;
    }
  }

  /**
   * Let `dtS` seconds pass while sending `wire` bytes evenly over them,
   * firing rule timers and applying link-rate changes on the way. Durations,
   * not end times, are passed in, so a short interval late in a long
   * migration keeps its precision. With `rateBound`, the bytes cross the
   * link at the live rate: after a link-rate change the rest of the interval
   * is the unsent rest at the new rate (so `dtS` must be wire / live rate).
   * Returns true when the interval ran to its end with the migration still
   * running and no switch-over requested; false when it ended (horizon,
   * abort) or a timer asked for a switch-over (then `t` is the timer's time
   * and the unsent rest is still pending: call switchOverIfDue).
   */
  advance(dtS: number, wire: number, rateBound = false): boolean {
    let leftS = dtS;
    let leftWire = wire;
    for (;;) {
      const tTimer = this.nextTimerS();
      let stop = tTimer < this.horizonS ? tTimer : this.horizonS;
      const linkChange = this.nextLinkChangeS < stop;
      if (linkChange) stop = this.nextLinkChangeS;
      if (stop - this.now >= leftS) {
        if (leftWire > 0) this.mem.sendWire(leftWire);
        this.elapse(leftS);
        return true;
      }
      const partS = Math.max(0, stop - this.now);
      const partWire = leftS > 0 ? (leftWire * partS) / leftS : 0;
      if (partWire > 0) this.mem.sendWire(partWire);
      leftWire -= partWire;
      leftS -= partS;
      this.elapse(partS);
      this.now = stop;
      if (linkChange) {
        const before = this.live;
        this.applyLinkChanges();
        if (rateBound) leftS *= before / this.live;
        continue;
      }
      if (stop === this.horizonS && tTimer >= this.horizonS) {
        this.finishUnfinished();
        return false;
      }
      this.fireTimers();
      if (this.isEnded || this.switchoverRequest !== null) return false;
    }
  }

  /**
   * Send `wire` bytes at the live rate (the bytes leave memory as they go)
   * and return the seconds it took, or -1 when the migration ended or a
   * timer asked for a switch-over on the way (see advance).
   */
  send(wire: number): number {
    const t0 = this.now;
    const dtS = wire / this.live;
    if (this.nextLinkChangeS >= t0 + dtS) return this.advance(dtS, wire) ? dtS : -1;
    return this.advance(dtS, wire, true) ? this.now - t0 : -1;
  }

  /** A dirty-bitmap sync: the log joins the pending set; controllers see the result. */
  sync(): number {
    let added = this.mem.sync();
    // a device without dirty tracking: QEMU marks all guest RAM dirty at every sync
    if (this.devices !== null && this.devices.allRamDirty) added += this.mem.markEvery();
    this.syncCount++;
    this.dirtyBytesAtSync = this.mem.pendingBytes();
    const dt = this.now - this.lastSyncS;
    if (dt > 0) this.dirtyRateEst = added / dt;
    this.lastSyncS = this.now;
    for (let i = 0; i < this.rules.length; i++) this.rules[i]!.onSync(this, added);
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
    this.bandwidthEst = bw;
    return bw;
  }

  /** Consult every rule at a decision point of the base. */
  decide(): void {
    for (let i = 0; i < this.rules.length; i++) {
      this.rules[i]!.onDecision(this);
      if (this.isEnded) return;
    }
    this.record('decision');
  }

  // ---- requests from rules (MigrationView) --------------------------------------

  requestSwitchover(reason: string): void {
    if (this.switchoverRequest === null) this.switchoverRequest = reason;
  }

  requestPostcopy(reason: string): void {
    if (this.postcopyRequest === null) this.postcopyRequest = reason;
  }

  pauseGuest(reason: string): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.pauseStartS = this.now;
    this.pauseReason = reason;
    this.record('pause');
  }

  setDowntimeLimit(limitS: number, by: string): void {
    if (limitS === this.limitS) return;
    this.limitRaisedBy = limitS > this.baseDowntimeLimitS ? by : null;
    this.limitS = limitS;
    this.record('limit');
  }

  setThrottle(share: number): void {
    if (share === this.throttleShare) return;
    this.throttleShare = share;
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

  forceSync(): void {
    this.sync();
  }

  /** Cancel the migration: the guest stays (running) on the source. Post-copy cannot be cancelled. */
  abort(reason: string): void {
    if (this.isEnded || this.postcopyStarted) return;
    this.end('aborted', reason, this.now, NaN, 'abort');
  }

  // ---- endings ----------------------------------------------------------------

  /**
   * The base's switch-over test at a decision point, with the rules'
   * requests: true when the migration has ended (already, or now). The
   * base's own reason (`dueReason`, null when its test is not met) comes
   * first, then a rule's request; `expectedDowntimeS`, `backlogWire` and
   * `finalSyncS` as for switchOver. After advance() or send() reported an
   * interruption, this carries out the timer's request.
   */
  switchOverIfDue(dueReason: string | null, expectedDowntimeS: number, backlogWire: number, finalSyncS: number | null): boolean {
    if (this.isEnded) return true;
    const reason = dueReason ?? this.switchoverRequest;
    if (reason === null) return false;
    this.switchOver(reason, expectedDowntimeS, backlogWire, finalSyncS);
    return true;
  }

  /**
   * Stop the guest (if a rule has not paused it already) and copy what is
   * left at the link's full speed: the stop-and-copy is not rate-limited in
   * any system modelled here. `backlogWire` is data the base queued before
   * the stop that must cross the link first; `finalSyncS` when the base syncs
   * the bitmap once more after stopping the guest: the seconds that sync
   * takes, inside the downtime (null: no final sync).
   */
  switchOver(reason: string, expectedDowntimeS: number, backlogWire: number, finalSyncS: number | null): void {
    this.applyLinkChanges();
    const stopS = this.now;
    this.expectedDowntimeS = expectedDowntimeS;
    if (finalSyncS !== null) this.sync();
    // multifd channels at their CPU limit copy slower than the link (docs/wire.md#channel-cpu)
    const cpuS = this.cpuBytesPerSec < Infinity ? this.mem.pendingCpuBytes() / this.cpuBytesPerSec : 0;
    let finalWire = this.mem.sendAll() + this.deviceStateBytes;
    if (this.devices !== null) {
      // vfio_save_complete_precopy: the device, stopped, hands over all it holds
      const deviceWire = this.devices.drain();
      this.mem.sentWire += deviceWire;
      this.mem.sentAccounted += deviceWire;
      this.deviceStopCopyBytes = deviceWire;
      finalWire += deviceWire;
    }
    this.newLinkPeriod();
    const wireS = this.wireTimeS(backlogWire + finalWire);
    const copyS = (finalSyncS ?? 0) + (cpuS > wireS ? cpuS : wireS) + this.latencyS;
    const stopReason = this.isPaused ? this.pauseReason : reason === 'downtime-met' && this.limitRaisedBy !== null ? this.limitRaisedBy : reason;
    // computed, not subtracted, so a short downtime after a long migration keeps its precision
    const downtimeS = this.isPaused ? stopS - this.pauseStartS + copyS : copyS;
    this.end('completed', stopReason, stopS + copyS, downtimeS, 'switchover');
  }

  /**
   * Seconds `bytes` take on the link from now at this period's rate, through
   * the scheduled rate changes if any fall within.
   */
  private wireTimeS(bytes: number): number {
    const dtS = bytes / this.linkNow;
    if (this.nextLinkChangeS >= this.now + dtS) return dtS;
    let leftBytes = bytes;
    let rate = this.linkNow;
    let at = this.now;
    for (let k = this.nextLinkChange; k < this.linkChanges.length; k++) {
      const change = this.linkChanges[k]!;
      if (!(change.atS < at + leftBytes / rate)) break;
      leftBytes -= (change.atS - at) * rate;
      at = change.atS;
      rate = change.bytesPerSec * this.linkFactor;
    }
    return at - this.now + leftBytes / rate;
  }

  /**
   * Switch to post-copy (QEMU postcopy_start; docs/engine-model.md#post-copy): stop the
   * guest, sync once more, send the device state; the guest resumes on the
   * destination when that package has arrived (the downtime). The pages
   * still pending then follow at `rateBytesPerSec` (or the link's rate at
   * the switch, if lower) while the guest faults on the ones it touches first.
   */
  startPostcopy(reason: string, rateBytesPerSec: number, expectedDowntimeS: number, finalSyncS = 0): void {
    // vfio_save_prepare refuses post-copy with a VFIO device; validation refuses such scenarios
    if (this.devices !== null) throw new Error('post-copy with VFIO devices: QEMU refuses it (hw/vfio/migration.c vfio_save_prepare)');
    this.applyLinkChanges();
    const stopS = this.now;
    this.postcopyStarted = true;
    this.expectedDowntimeS = expectedDowntimeS;
    this.sync();
    this.record('postcopy');
    this.newLinkPeriod();
    const link = this.linkNow;
    const switchS = finalSyncS + this.deviceStateBytes / link + this.latencyS;
    const mem = this.mem;
    const classes: PostcopyClass[] = mem.classes.map((c, i) => ({ sizeBytes: c.sizeBytes, pendingBytes: mem.pendingBytesOf(i), writeBytesPerSec: c.writeBytesPerSec }));
    const faultLatencyS = 2 * this.latencyS + mem.pageBytes / link;
    const phase = postcopyPhase(classes, mem.pendingWireBytes(), Math.min(rateBytesPerSec, link), mem.pageBytes, faultLatencyS, !this.isPaused);
    mem.sendAll();
    mem.sentWire += this.deviceStateBytes;
    this.postcopyS = phase.durationS;
    this.postcopyFaults = phase.faults;
    this.postcopyBlockedS = phase.blockedS;
    // a guest paused before the switch stays paused until the end (libvirt resumes it then)
    const downtimeS = this.isPaused ? stopS - this.pauseStartS + switchS + phase.durationS : switchS;
    this.end('completed', reason, stopS + switchS + phase.durationS, downtimeS, 'end');
  }

  private finishUnfinished(): void {
    this.end('unfinished', 'horizon', this.now, this.isPaused ? this.now - this.pauseStartS : NaN, 'horizon');
  }

  /** The one place a migration ends: completed (switch-over or post-copy), aborted, or at the horizon. */
  private end(outcome: Outcome, reason: string, endS: number, downtimeS: number, event: string): void {
    this.isEnded = true;
    this.outcome = outcome;
    this.stopReason = reason;
    this.now = endS;
    this.endS = endS;
    this.downtimeS = downtimeS;
    // the guest runs unthrottled on the destination
    if (outcome === 'completed') this.throttleShare = 0;
    this.record(event);
  }

  record(event: string): void {
    const tl = this.timeline;
    if (tl === null) return;
    tl.push({
      tMs: this.now * 1000,
      event,
      pendingBytes: this.mem.pendingBytes(),
      transferredBytes: this.mem.sentAccounted,
      passes: this.mem.wraps,
      syncs: this.syncCount,
      dirtyRateBytesPerSec: this.mem.writeRate(this.dirtyFactor()),
      throttlePct: this.throttleShare * 100,
      downtimeLimitMs: this.limitS * 1000,
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
      syncs: this.syncCount,
      passes: this.mem.wraps,
      outcome: this.outcome,
      stopReason: this.stopReason,
      maxThrottlePct: this.maxThrottle * 100,
      throttleCpuSeconds: this.throttleCpuSeconds,
      postcopyMs: this.postcopyS * 1000,
      postcopyFaults: this.postcopyFaults,
      postcopyBlockedMs: this.postcopyBlockedS * 1000,
      deviceStopCopyBytes: this.deviceStopCopyBytes,
      ...this.wireFigures(),
    };
  }

  /** The base's own wire figures (multifd, compression, XBZRLE), or those of a single stream. */
  private wireFigures(): WireFigures {
    const own = this.base.wireFigures?.(this.mem);
    if (own !== undefined) return own;
    return { multifdBytes: 0, zeroPages: this.mem.sentZeroPages, xbzrleHitRate: NaN, xbzrleOverflows: 0, compressedRatio: NaN, compressionCpuSeconds: 0 };
  }
}
