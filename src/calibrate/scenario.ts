// The scenario the engine runs for one real migration: what QEMU and the
// guest reported, turned into a scenario in the file format of docs/engine-model.md#scenario
// (base units), so that `migsweep run` can replay it. Pure.
import { median } from 'simple-statistics';
import type { Fidelity } from '../engine/types.js';
import type { MeasuredRun } from './types.js';

/** x86 page size; QEMU's ram.duplicate and ram.normal count 4 KiB target pages. */
const PAGE_BYTES = 4096;

/** The scenario shape of docs/engine-model.md#scenario (what a scenario file holds). */
export interface RawScenario {
  vm: { ram: number; pageSize: number; zeroShare: number };
  workload: { kind: 'cyclic' | 'uniform'; dirtyRate: number; workingSet?: number; layout?: 'contiguous' };
  link: { bandwidth: number };
  policy: Array<Record<string, number | string | boolean>>;
  horizon: number;
  seed: number;
  fidelity: Fidelity;
}

/**
 * Where a prediction's inputs come from.
 * - `ahead` (out of sample, the accuracy the calibration reports): what a
 *   user knows before migrating. The live rate is the configured
 *   max-bandwidth, the guest's rate its configured write rate, its zero
 *   pages what the guest reported before `migrate` (the RAM it did not
 *   fill), and the stop-and-copy speed comes from the OTHER runs of the
 *   grid (stopCopyBytesPerSec with the scored run left out). Nothing
 *   measured during the scored migration goes in.
 * - `measured` (in sample, labelled so wherever it is shown): the live rate,
 *   guest rate and zero pages measured during the scored run itself, and
 *   the stop-and-copy speed over every run including it. It says how well
 *   the model's mechanics fit when fed what happened, not how well it
 *   predicts.
 */
export type InputSource = 'ahead' | 'measured';

/** How the engine is asked to predict a run. */
export interface PredictionModel {
  /** The machine's stop-and-copy speed, bytes/s (see stopCopyBytesPerSec). */
  linkBytesPerSec: number;
  /** Which inputs feed the scenario (default `measured`). */
  inputs?: InputSource;
  /** `fluid` (what users run) or `page` with the working set in one block. */
  fidelity: Fidelity;
  /** Seed of page fidelity's random start phase of the writer (ignored by fluid). */
  seed: number;
}

/**
 * A run of the feature grid (multifd or XBZRLE on, or controlled page
 * contents). Its guest is migrated at whatever rate it holds on the loaded
 * machine (grid.ts, readyRateShare 0), so ahead of the migration its rate is
 * the one it reported in the seconds before `migrate` (what a user measures
 * before migrating, as with calc-dirty-rate), not the configured target.
 */
export function isFeatureGridRun(run: Pick<MeasuredRun, 'multifdChannels' | 'xbzrleCacheBytes' | 'pageContent'>): boolean {
  return run.multifdChannels > 0 || run.xbzrleCacheBytes > 0 || run.pageContent !== 'byte';
}

/**
 * Least downtime-bytes for a run to say anything about the stop-and-copy
 * speed: below it the whole-ms downtime and the device state dominate (an
 * XBZRLE run's final copy of a few KiB in 7 ms reads as 0.3 MB/s). Every
 * qualifying run of the default grid sent 7 MB or more while stopped.
 */
const MIN_STOP_COPY_BYTES = 4 * 2 ** 20;

/** A run whose guest never writes: the idle guests of the grid. */
export function isIdle(run: Pick<MeasuredRun, 'wsMiB' | 'ratePagesPerSec'>): boolean {
  return run.wsMiB === 0 || run.ratePagesPerSec === 0;
}

/**
 * The guest's write rate to simulate, pages/s. Without auto-converge: the
 * rate it achieved DURING the migration, because on a 2-core host QEMU's
 * migration thread takes CPU from the TCG vCPU and the guest falls behind
 * its target (e.g. 16384 -> 15900 pages/s); the model has no such coupling,
 * so it is given the rate that happened. With auto-converge: the rate
 * BEFORE the migration, because the model applies the throttle itself
 * (cpuShare 1: the guest's TSC pacing does not catch up, so its rate follows
 * its vCPU run time) and the rate during already holds the throttle. A
 * missing figure (a migration shorter than one guest report) falls back to
 * the other one, then to the configured target. Ahead of the migration (out
 * of sample) the configured target is all that is known for the default
 * grid; a feature-grid run uses the rate reported before `migrate`
 * (usesWireFeatures).
 */
export function guestRatePagesPerSec(run: MeasuredRun, inputs: InputSource = 'measured'): number {
  if (inputs === 'ahead') return isFeatureGridRun(run) ? (run.guestRateBeforePagesPerSec ?? run.ratePagesPerSec) : run.ratePagesPerSec;
  const first = run.autoConverge ? run.guestRateBeforePagesPerSec : run.guestRateDuringPagesPerSec;
  const second = run.autoConverge ? run.guestRateDuringPagesPerSec : run.guestRateBeforePagesPerSec;
  return first ?? second ?? run.ratePagesPerSec;
}

/**
 * The rate QEMU sent at while the guest ran, bytes/s: the mean of its `mbps`
 * (10^6 bit/s, per 100 ms window) over the samples taken while active
 * (docs/qemu-observed.md#6-the-live-transfer-rate-is-max-bandwidth: a model fed from a real run uses the measured rate).
 * On an idle host it is max-bandwidth within 1.5 %; when other processes
 * compete for the CPUs it can fall several % below (92.5 % was seen), and
 * the model should send as slowly as QEMU did. A run too short for a sample
 * (a never-written guest) gets max-bandwidth.
 */
export function liveRateBytesPerSec(run: Pick<MeasuredRun, 'meanMbps' | 'maxBandwidthBytesPerSec'>, inputs: InputSource = 'measured'): number {
  if (inputs === 'ahead') return run.maxBandwidthBytesPerSec;
  return run.meanMbps !== null && run.meanMbps > 0 ? (run.meanMbps * 1e6) / 8 : run.maxBandwidthBytesPerSec;
}

/**
 * The machine's stop-and-copy speed, bytes/s: the median over the grid's
 * completed runs of ram.downtime-bytes / downtime. QEMU sends the final
 * copy without its rate limit (migration_completion_precopy), so it runs at
 * whatever this host moves through loopback TCP (0.3 to 2 GB/s here, noisy:
 * downtime is reported in whole ms and includes device state). It is a
 * property of the machine, not of a run, so it is estimated once per grid
 * and every run's scenario gets the same link. Runs that sent nothing while
 * stopped (a never-written guest) say nothing about it and are left out.
 * Undefined when no run qualifies.
 */
export function stopCopyBytesPerSec(runs: readonly MeasuredRun[], leaveOut?: string): number | undefined {
  const speeds = stopCopySpeeds(runs, leaveOut);
  return speeds.length > 0 ? median(speeds) : undefined;
}

/**
 * The link each run is predicted with: the grid's stop-and-copy speed, over
 * every run (`measured`, in sample) or over the other runs only (`ahead`:
 * leave one out, so a run's own downtime does not set the speed that
 * predicts it). Undefined for a run when no other run qualifies.
 */
export function linkPerRun(runs: readonly MeasuredRun[], inputs: InputSource): Array<number | undefined> {
  const all = stopCopyBytesPerSec(runs);
  return runs.map((r) => (inputs === 'ahead' ? stopCopyBytesPerSec(runs, r.name) : all));
}

/**
 * downtime-bytes / downtime (bytes/s) of each completed run that sent at
 * least MIN_STOP_COPY_BYTES while stopped (but run `leaveOut`). multifd runs
 * say nothing about it: QEMU 7.2 adds the channels' bytes to `transferred`
 * only, never to downtime-bytes (multifd_send_pages, migration/multifd.c),
 * while their downtime includes them.
 */
export function stopCopySpeeds(runs: readonly MeasuredRun[], leaveOut?: string): number[] {
  return runs
    .filter((r) => r.name !== leaveOut && r.outcome === 'completed' && r.multifdChannels === 0 && (r.downtimeBytes ?? 0) >= MIN_STOP_COPY_BYTES && (r.downtimeMs ?? 0) > 0)
    .map((r) => (r.downtimeBytes as number) / ((r.downtimeMs as number) / 1000));
}

/**
 * The share of RAM that holds zero pages. In sample: the zero pages QEMU
 * found (ram.duplicate). Ahead: the RAM the guest reported it did not fill
 * before `migrate` (ram.total - guestFillBytes), falling back to ram.duplicate
 * for a measured.csv without the guest's report.
 */
export function zeroShareOf(run: Pick<MeasuredRun, 'ramTotalBytes' | 'duplicatePages' | 'guestFillBytes'>, inputs: InputSource = 'measured'): number {
  const zeroBytes = inputs === 'ahead' && run.guestFillBytes !== null ? Math.max(0, run.ramTotalBytes - run.guestFillBytes) : run.duplicatePages * PAGE_BYTES;
  return Math.min(1, zeroBytes / run.ramTotalBytes);
}

/**
 * The scenario that predicts measured run `run` (inputs as model.inputs says,
 * see InputSource):
 * - vm.ram = QEMU's ram.total (guest RAM plus 640 KiB of ROM and firmware
 *   blocks, which it migrates too: fixed by the configuration); zeroShare =
 *   zeroShareOf().
 * - workload: the guest's sequential writer, `cyclic` over its working set
 *   at guestRatePagesPerSec() x 4 KiB; page fidelity puts that working set
 *   in one block (`layout: contiguous`), as the guest has it. An idle guest
 *   is `uniform` at rate 0.
 * - link.bandwidth = the machine's stop-and-copy speed (model.linkBytesPerSec),
 *   far above max-bandwidth, so the live phase runs at max-bandwidth.
 * - policy: the `qemu` base with the live rate QEMU measured
 *   (liveRateBytesPerSec) as max-bandwidth, and the run's downtime-limit;
 *   plus `auto-converge` with QEMU's defaults and periodicSync false (QEMU
 *   7.2 has no 5 s forced sync; that came in 9.2).
 * - horizon = the run's time bound: the engine's `unfinished` is a real run
 *   cancelled at that bound (`not-converged`).
 */
export function calibrationScenario(run: MeasuredRun, model: PredictionModel): RawScenario {
  const inputs = model.inputs ?? 'measured';
  const ram = run.ramTotalBytes;
  const workload: RawScenario['workload'] = isIdle(run)
    ? { kind: 'uniform', dirtyRate: 0 }
    : {
        kind: 'cyclic',
        workingSet: run.wsMiB * 2 ** 20,
        dirtyRate: guestRatePagesPerSec(run, inputs) * PAGE_BYTES,
        ...(model.fidelity === 'page' ? { layout: 'contiguous' as const } : {}),
      };
  const policy: RawScenario['policy'] = [{ kind: 'qemu', maxBandwidth: liveRateBytesPerSec(run, inputs), downtimeLimit: run.downtimeLimitMs / 1000 }];
  if (run.autoConverge) policy.push({ kind: 'auto-converge', periodicSync: false });
  return {
    vm: { ram, pageSize: PAGE_BYTES, zeroShare: zeroShareOf(run, inputs) },
    workload,
    link: { bandwidth: model.linkBytesPerSec },
    policy,
    horizon: run.timeBoundS,
    seed: model.seed,
    fidelity: model.fidelity,
  };
}
