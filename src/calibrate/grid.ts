// The calibration grid: a handful of real migrations of a 256 MiB guest
// whose results the simulation engine is compared against.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { guestToolchainProblem, buildGuest, guestCommandLine } from './guest.js';
import { chooseAccelerator, qemuVersion, requireQemu, type AcceleratorChoice } from './qemu.js';
import { measureMigration } from './measure.js';
import { probeWireSupport, unsupportedReason, type WireSupport } from './features.js';
import { guestTickRows, measuredRows, sampleRows, toCsv } from './csv.js';
import type { MigrationRecord, MigrationRunConfig } from './types.js';

const MIB = 2 ** 20;
export const CALIBRATION_RAM_MIB = 256;
/** QEMU's default since 2014 (DEFAULT_MIGRATE_SET_DOWNTIME, migration/options.c). */
export const CALIBRATION_DOWNTIME_LIMIT_MS = 300;
/**
 * Per-run bound before migrate_cancel. Only large-bw32 (64 MiB/s of writes
 * over a 32 MiB/s link) runs into it; the auto-converge run needs ~30 s
 * (the throttle must climb past 50 %, about 15 syncs) and gets a margin. With
 * 60 s the default grid takes about three minutes on a 2-core machine (TCG).
 */
export const CALIBRATION_TIME_BOUND_S = 60;

/** A grid entry: a run config with a mandatory name. */
export type GridRun = MigrationRunConfig & { name: string };

interface Workload {
  label: string;
  wsMiB: number;
  ratePagesPerSec: number;
  fill?: boolean;
}

const IDLE: Workload = { label: 'idle', wsMiB: 0, ratePagesPerSec: 0 };
/** RAM never written by the guest: what zero-page detection makes of it. */
const IDLE_UNFILLED: Workload = { label: 'idle-unfilled', wsMiB: 0, ratePagesPerSec: 0, fill: false };
/** 4 MiB at 2048 pages/s = 8 MiB/s of page writes. */
const SMALL: Workload = { label: 'small', wsMiB: 4, ratePagesPerSec: 2048 };
/** 32 MiB at 6144 pages/s = 24 MiB/s: converges over several passes at 32 MiB/s. */
const MEDIUM: Workload = { label: 'medium', wsMiB: 32, ratePagesPerSec: 6144 };
/** 64 MiB at 16384 pages/s = 64 MiB/s: more than a 32 MiB/s link sends. */
const LARGE: Workload = { label: 'large', wsMiB: 64, ratePagesPerSec: 16384 };

function run(w: Workload, bandwidthMiBPerSec: number, extra: { autoConverge?: boolean } = {}): GridRun {
  return {
    name: `${w.label}-bw${bandwidthMiBPerSec}${extra.autoConverge ? '-ac' : ''}`,
    ramMiB: CALIBRATION_RAM_MIB,
    wsMiB: w.wsMiB,
    ratePagesPerSec: w.ratePagesPerSec,
    fill: w.fill ?? true,
    maxBandwidthBytesPerSec: bandwidthMiBPerSec * MIB,
    downtimeLimitMs: CALIBRATION_DOWNTIME_LIMIT_MS,
    autoConverge: extra.autoConverge ?? false,
    timeBoundS: CALIBRATION_TIME_BOUND_S,
  };
}

/** The default grid (10 runs): idle, small, medium, large at 32 and 128 MiB/s, plus two extras. */
export function defaultGrid(): GridRun[] {
  return [
    run(IDLE, 32),
    run(IDLE, 128),
    run(IDLE_UNFILLED, 128),
    run(SMALL, 32),
    run(SMALL, 128),
    run(MEDIUM, 32),
    run(MEDIUM, 128),
    run(LARGE, 32),
    run(LARGE, 128),
    run(LARGE, 32, { autoConverge: true }),
  ];
}

/** Three short runs of the default grid (all complete in a few seconds). */
export function quickGrid(): GridRun[] {
  const keep = new Set(['idle-bw128', 'small-bw128', 'large-bw128']);
  return defaultGrid().filter((r) => keep.has(r.name));
}

/**
 * Per-run bound of the feature grid: long enough for every run that
 * converges (xbzrle-large needs about 10 s), short enough that a run that
 * cannot does not hold the machine for a minute. The 1 MiB/s runs, whose
 * first pass alone takes 16 s, get 30 s.
 */
export const FEATURE_TIME_BOUND_S = 20;
/**
 * A feature run: downtime-limit 300 ms, the given guest, workload, link and
 * wire settings. Its guest drops each page's TCG TLB entry before writing
 * it (flushTlb): QEMU 7.2 under TCG does not log every write as dirty
 * (calibrate/guest/guest.c, `flush`; docs/calibration.md#lost-dirty-pages-under-tcg).
 */
function featureRun(name: string, over: Omit<GridRun, 'name' | 'downtimeLimitMs' | 'timeBoundS'> & { timeBoundS?: number }): GridRun {
  return { name, downtimeLimitMs: CALIBRATION_DOWNTIME_LIMIT_MS, timeBoundS: FEATURE_TIME_BOUND_S, autoConverge: false, fill: true, flushTlb: true, ...over };
}

/**
 * The wire-feature grid (12 runs, issue 13): two single-stream baselines,
 * multifd with 2 and 4 channels,
 * multifd with zero pages, zstd and zlib on multifd over compressible pages
 * and zstd over incompressible ones, and XBZRLE with a cache larger and
 * smaller than the working set over sparse deltas. Guests are small (32-64
 * MiB) and write slowly (at most 1024 pages/s): on the shared 2-core
 * machine, with other work running, a TCG guest held no more than ~750 of
 * 2048 pages/s, and a guest that does not reach its rate is not migrated.
 * Each workload is chosen so that the feature decides the figures:
 * - single / single-zero: the workloads of multifd2 and multifd2-zero on one
 *   stream. They are the baselines, and the runs that measure the machine's
 *   stop-and-copy speed for the others: QEMU 7.2 counts multifd's bytes in
 *   neither precopy-bytes nor downtime-bytes (multifd_send_pages adds to
 *   ram_counters.transferred directly, migration/multifd.c), and XBZRLE's
 *   final copy is a few KiB (stopCopySpeeds).
 * - multifd2 / multifd4: RAM filled with random words (incompressible),
 *   16-byte deltas over 8 MiB at 512 pages/s, 64 MiB/s: every non-zero page
 *   goes through the channels at full size.
 * - multifd2-zero: 8 MiB of zero pages re-dirtied at 1024 pages/s: QEMU 7.2
 *   finds them zero on the main stream before they reach a channel
 *   (ram_save_target_page), a few bytes each.
 * - zstd2 / zlib2: the repeated-word fill and 16-byte deltas (pages that
 *   compress to almost nothing) on 2 channels.
 * - zstd2-random: random fill and whole random pages rewritten (nothing to
 *   compress) on 2 zstd channels.
 * - xbzrle-large / xbzrle-small: a 32 MiB guest writing 16 bytes into each
 *   of 4 MiB of pages at 1024 pages/s (4 MiB/s) over 4 MiB/s, which without
 *   XBZRLE cannot converge (the writer dirties as fast as the link sends);
 *   an 8 MiB cache holds the whole working set, a 1 MiB one a quarter of it.
 *   On the loaded machine the guest held 300-400 pages/s, under the link, so
 *   these converge with either cache.
 * - xbzrle-large-1m / xbzrle-small-1m: the same over a 1 MiB/s link (256
 *   pages/s), below what the loaded guest still writes, with a 16 MiB guest
 *   and a 2 MiB working set (first pass 16 s, bound 30 s): a 4 MiB cache
 *   turns the re-dirtied pages into deltas and the migration converges; a
 *   512 KiB one (a quarter) sends most of them whole, and it need not.
 */
export function featureGrid(): GridRun[] {
  const deltas = { pageContent: 'delta', deltaBytes: 16 } as const;
  const small = { ramMiB: 64, wsMiB: 8, maxBandwidthBytesPerSec: 64 * MIB } as const;
  const multifd = { ...small, ...deltas, fillContent: 'random', ratePagesPerSec: 512 } as const;
  const compressible = { ...small, ...deltas, fillContent: 'pattern', ratePagesPerSec: 1024, multifdChannels: 2 } as const;
  const xbzrle = { ...deltas, ramMiB: 32, wsMiB: 4, ratePagesPerSec: 1024, maxBandwidthBytesPerSec: 4 * MIB } as const;
  const slowLink = { ...deltas, ramMiB: 16, wsMiB: 2, ratePagesPerSec: 1024, maxBandwidthBytesPerSec: 1 * MIB, timeBoundS: 30 } as const;
  return [
    featureRun('single', multifd),
    featureRun('single-zero', { ...small, pageContent: 'zero', ratePagesPerSec: 1024 }),
    featureRun('multifd2', { ...multifd, multifdChannels: 2 }),
    featureRun('multifd4', { ...multifd, multifdChannels: 4 }),
    featureRun('multifd2-zero', { ...small, pageContent: 'zero', ratePagesPerSec: 1024, multifdChannels: 2 }),
    featureRun('zstd2', { ...compressible, multifdCompression: 'zstd' }),
    featureRun('zlib2', { ...compressible, multifdCompression: 'zlib' }),
    featureRun('zstd2-random', { ...small, fillContent: 'random', pageContent: 'random', wsMiB: 4, ratePagesPerSec: 128, multifdChannels: 2, multifdCompression: 'zstd' }),
    featureRun('xbzrle-large', { ...xbzrle, xbzrleCacheBytes: 8 * MIB }),
    featureRun('xbzrle-small', { ...xbzrle, xbzrleCacheBytes: 1 * MIB }),
    featureRun('xbzrle-large-1m', { ...slowLink, xbzrleCacheBytes: 4 * MIB }),
    featureRun('xbzrle-small-1m', { ...slowLink, xbzrleCacheBytes: 512 * 1024 }),
  ];
}

export interface RunGridOptions {
  /** Run quickGrid() instead of defaultGrid(). */
  quick?: boolean;
  /** Run featureGrid() instead of defaultGrid(). */
  features?: boolean;
  /** Where measured.csv, samples.csv, guest-ticks.csv, manifest.json and serial/ go (created if missing). */
  outDir: string;
  /** Runs to do instead of the default or quick grid. */
  runs?: GridRun[];
  log?: (message: string) => void;
}

/**
 * Run the grid with real QEMU, one migration after the other, and write
 * measured.csv (one row per run), samples.csv (every query-migrate answer),
 * guest-ticks.csv (every guest rate report), manifest.json and the raw
 * serial logs (serial/<run>.source.log, .destination.log) into outDir.
 * The files are rewritten after each run, so an interrupted grid keeps what
 * it finished. Throws (after writing what was done) if a run fails to run.
 */
export async function runGrid(options: RunGridOptions): Promise<MigrationRecord[]> {
  const log = options.log ?? (() => undefined);
  const runs = options.runs ?? (options.features ? featureGrid() : options.quick ? quickGrid() : defaultGrid());
  requireQemu();
  const toolchainProblem = await guestToolchainProblem();
  if (toolchainProblem !== undefined) throw new Error(`cannot build the calibration guest: ${toolchainProblem}`);
  mkdirSync(options.outDir, { recursive: true });

  const gridStart = performance.now();
  const startedAt = new Date().toISOString();
  const kernelPath = await buildGuest();
  const accel = await chooseAccelerator(kernelPath, guestCommandLine({ wsMiB: 0, ratePagesPerSec: 0 }));
  log(`accelerator: ${accel.accel} (${accel.reason})`);
  const usesWireFeatures = runs.some((r) => (r.multifdChannels ?? 0) > 0 || (r.xbzrleCacheBytes ?? 0) > 0);
  const support = usesWireFeatures ? await probeWireSupport(kernelPath, accel.accel) : undefined;
  const skipped: SkippedRun[] = [];
  const records: MigrationRecord[] = [];
  const write = (): void =>
    writeOutputs(options.outDir, records, {
      startedAt,
      durationMs: Math.round(performance.now() - gridStart),
      qemuVersion: qemuVersion(),
      accelerator: accel,
      hostCpus: cpus().length,
      runs,
      ...(support !== undefined ? { wireSupport: support, skipped } : {}),
    });
  for (const [i, r] of runs.entries()) {
    const reason = support !== undefined ? unsupportedReason(r, support) : undefined;
    if (reason !== undefined) {
      log(`[${i + 1}/${runs.length}] ${r.name}: skipped, ${reason}`);
      skipped.push({ name: r.name, reason });
      write();
      continue;
    }
    log(`[${i + 1}/${runs.length}] ${r.name}`);
    try {
      records.push(
        await measureMigration(r, {
          kernelPath,
          accel: accel.accel,
          serialLogDir: join(options.outDir, 'serial'),
          log,
          // The feature grid migrates whatever rate the guest holds on a loaded
          // machine and is predicted from the rate it reported before `migrate`.
          ...(options.features ? { readyRateShare: 0 } : {}),
        }),
      );
    } catch (err) {
      write();
      throw new Error(`calibration run ${r.name} failed: ${(err as Error).message}`, { cause: err });
    }
    write();
  }
  log(`grid done in ${Math.round((performance.now() - gridStart) / 1000)} s`);
  return records;
}

/** A run of the grid that this QEMU cannot do, and why. */
export interface SkippedRun {
  name: string;
  reason: string;
}

interface Manifest {
  startedAt: string;
  durationMs: number;
  qemuVersion: string;
  accelerator: AcceleratorChoice;
  hostCpus: number;
  runs: GridRun[];
  wireSupport?: WireSupport;
  skipped?: SkippedRun[];
}

function writeOutputs(outDir: string, records: readonly MigrationRecord[], manifest: Manifest): void {
  writeFileSync(join(outDir, 'measured.csv'), toCsv(measuredRows(records)));
  writeFileSync(join(outDir, 'samples.csv'), toCsv(sampleRows(records)));
  writeFileSync(join(outDir, 'guest-ticks.csv'), toCsv(guestTickRows(records)));
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ ...manifest, completedRuns: records.length }, null, 2) + '\n');
}
