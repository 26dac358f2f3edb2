// The scenario the engine runs for one real migration: what QEMU and the
// guest reported, turned into a scenario in the file format of docs/engine-model.md#scenario
// (base units), so that `migsweep run` can replay it. Pure.
import { deflateSync } from 'node:zlib';
import { median } from 'simple-statistics';
import { entryOf } from '../common/lookup.js';
import { POLICIES } from '../engine/policies/index.js';
import { multifdBehaviourOf } from '../engine/wire/multifd.js';
import type { Fidelity } from '../engine/types.js';
import type { MeasuredRun } from './types.js';

/** x86 page size; QEMU's ram.duplicate and ram.normal count 4 KiB target pages. */
const PAGE_BYTES = 4096;

/** The scenario shape of docs/engine-model.md#scenario (what a scenario file holds). */
export interface RawScenario {
  vm: { ram: number; pageSize: number; zeroShare: number };
  workload: { kind: 'cyclic' | 'uniform'; dirtyRate: number; workingSet?: number; layout?: 'contiguous'; compressibility?: number; deltaBytes?: number };
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

/** The guest's repeated fill word (calibrate/guest/guest.c FILL_WORD) and where a `delta` write starts. */
const FILL_WORD = 0xa5a5a5a5;
const DELTA_OFFSET = 64;

/**
 * A page as the guest's writer leaves it (calibrate/guest/guest.c): the fill
 * (a repeated word, or random words: a fixed pseudo-random page here) with
 * the write's change applied.
 */
export function samplePage(run: Pick<MeasuredRun, 'fillContent' | 'pageContent' | 'deltaBytes'>): Buffer {
  const page = Buffer.alloc(PAGE_BYTES);
  let x = 2463534242; // xorshift32, as the guest
  const random = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const randomPage = run.fillContent === 'random' || run.pageContent === 'random';
  for (let i = 0; i < PAGE_BYTES; i += 4) page.writeUInt32LE(randomPage ? random() : FILL_WORD, i);
  if (run.pageContent === 'delta') for (let i = 0; i < run.deltaBytes; i++) page[DELTA_OFFSET + i] = (1 + i) & 0xff;
  if (run.pageContent === 'byte') page[0] = 1;
  return page;
}

/**
 * workload.compressibility ahead of the migration: the compressed / raw size
 * of the guest's page (samplePage) under zlib at level 1, QEMU's default
 * multifd-zlib-level and multifd-zstd-level (migration/options.c). A user
 * knows what their pages hold; this is that knowledge for the calibration
 * guest. zstd's level 1 is taken to compress as zlib's (Node 20 has no zstd;
 * on these pages both leave a few dozen bytes or nothing to gain). At most 1.
 */
export function compressibilityOf(run: Pick<MeasuredRun, 'fillContent' | 'pageContent' | 'deltaBytes'>): number {
  return Math.min(1, deflateSync(samplePage(run), { level: 1 }).length / PAGE_BYTES);
}

/**
 * workload.deltaBytes ahead: what one write changes in a page
 * (calibrate/guest/guest.c): `delta` bytes, one byte, a whole page of random
 * words, or nothing in a zero page.
 */
export function deltaBytesOf(run: Pick<MeasuredRun, 'pageContent' | 'deltaBytes'>): number {
  return run.pageContent === 'delta' ? run.deltaBytes : run.pageContent === 'random' ? PAGE_BYTES : run.pageContent === 'byte' ? 1 : 0;
}

/** The `qemu` base's parameter names (docs/policies.md). */
function qemuParams(): ReadonlySet<string> {
  return new Set(Object.keys(entryOf(POLICIES, 'qemu').params));
}

/**
 * What the QEMU that migrated the run counts with multifd on
 * (multifdAccounting, zeroPageDetection; multifdBehaviourOf), from its
 * `qemu-system-x86_64 --version` line: a user knows the QEMU they run
 * before migrating. Empty when the line names no version.
 */
export function qemuMultifdInputs(qemuVersion: string): { multifdAccounting?: string; zeroPageDetection?: string } {
  const m = /version (\d+)\.(\d+)/.exec(qemuVersion);
  return m === null ? {} : multifdBehaviourOf(Number(m[1]), Number(m[2]));
}

/**
 * The wire settings of a run as `qemu` base parameters (multifdChannels,
 * multifdCompression, xbzrleCacheSize, and with multifd what its QEMU
 * version counts: qemuMultifdInputs) and the workload fields they read
 * (compressibility with compression, deltaBytes with XBZRLE). Empty for a
 * run with every feature off, so the default grid's scenarios stay as they
 * were. A feature whose parameter the engine does not have is left out (the
 * run is then predicted without it, and an XBZRLE run gets no predicted hit
 * rate, which fails that target). The channels' CPU limit
 * (multifdChannelRate) is left at the engine's default: nothing measured on
 * this machine says it.
 */
export function wireInputs(
  run: MeasuredRun,
  known: ReadonlySet<string> = qemuParams(),
): { policy: Record<string, number | string>; workload: { compressibility?: number; deltaBytes?: number } } {
  const policy: Record<string, number | string> = {};
  const workload: { compressibility?: number; deltaBytes?: number } = {};
  if (run.multifdChannels > 0 && known.has('multifdChannels')) {
    policy.multifdChannels = run.multifdChannels;
    for (const [param, value] of Object.entries(qemuMultifdInputs(run.qemuVersion))) if (known.has(param)) policy[param] = value;
  }
  if (run.multifdChannels > 0 && run.multifdCompression !== 'none' && known.has('multifdCompression')) {
    policy.multifdCompression = run.multifdCompression;
    workload.compressibility = compressibilityOf(run);
  }
  if (run.xbzrleCacheBytes > 0 && known.has('xbzrleCacheSize')) {
    policy.xbzrleCacheSize = run.xbzrleCacheBytes;
    workload.deltaBytes = deltaBytesOf(run);
  }
  return { policy, workload };
}

/**
 * The scenario that predicts measured run `run` (inputs as model.inputs says,
 * see InputSource):
 * - vm.ram = QEMU's ram.total (guest RAM plus 640 KiB of ROM and firmware
 *   blocks, which it migrates too: fixed by the configuration); zeroShare =
 *   zeroShareOf().
 * - workload: the guest's sequential writer, `cyclic` over its working set
 *   at guestRatePagesPerSec() x 4 KiB, in one block (`layout: contiguous`),
 *   as the guest has it: page fidelity lays it out so, and the fluid engine
 *   takes the XBZRLE cache slots it occupies from it. An idle guest is
 *   `uniform` at rate 0.
 * - link.bandwidth = the machine's stop-and-copy speed (model.linkBytesPerSec),
 *   far above max-bandwidth, so the live phase runs at max-bandwidth.
 * - policy: the `qemu` base with the live rate QEMU measured
 *   (liveRateBytesPerSec) as max-bandwidth, and the run's downtime-limit;
 *   plus `auto-converge` with QEMU's defaults and periodicSync false (QEMU
 *   7.2 has no 5 s forced sync; that came in 9.2).
 * - horizon = the run's time bound: the engine's `unfinished` is a real run
 *   cancelled at that bound (`not-converged`).
 * - the run's wire features, if any (wireInputs).
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
        layout: 'contiguous' as const,
      };
  const wire = wireInputs(run);
  if (!isIdle(run)) Object.assign(workload, wire.workload);
  const policy: RawScenario['policy'] = [{ kind: 'qemu', maxBandwidth: liveRateBytesPerSec(run, inputs), downtimeLimit: run.downtimeLimitMs / 1000, ...wire.policy }];
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
