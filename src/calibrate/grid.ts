// The calibration grid: a handful of real migrations of a 256 MiB guest
// whose results the simulation engine is compared against.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { guestToolchainProblem, buildGuest, guestCommandLine } from './guest.js';
import { chooseAccelerator, qemuVersion, requireQemu, type AcceleratorChoice } from './qemu.js';
import { measureMigration } from './measure.js';
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

export interface RunGridOptions {
  /** Run quickGrid() instead of defaultGrid(). */
  quick?: boolean;
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
  const runs = options.runs ?? (options.quick ? quickGrid() : defaultGrid());
  requireQemu();
  const toolchainProblem = await guestToolchainProblem();
  if (toolchainProblem !== undefined) throw new Error(`cannot build the calibration guest: ${toolchainProblem}`);
  mkdirSync(options.outDir, { recursive: true });

  const gridStart = performance.now();
  const startedAt = new Date().toISOString();
  const kernelPath = await buildGuest();
  const accel = await chooseAccelerator(kernelPath, guestCommandLine({ wsMiB: 0, ratePagesPerSec: 0 }));
  log(`accelerator: ${accel.accel} (${accel.reason})`);
  const records: MigrationRecord[] = [];
  const write = (): void =>
    writeOutputs(options.outDir, records, {
      startedAt,
      durationMs: Math.round(performance.now() - gridStart),
      qemuVersion: qemuVersion(),
      accelerator: accel,
      hostCpus: cpus().length,
      runs,
    });
  for (const [i, r] of runs.entries()) {
    log(`[${i + 1}/${runs.length}] ${r.name}`);
    try {
      records.push(await measureMigration(r, { kernelPath, accel: accel.accel, serialLogDir: join(options.outDir, 'serial'), log }));
    } catch (err) {
      write();
      throw new Error(`calibration run ${r.name} failed: ${(err as Error).message}`, { cause: err });
    }
    write();
  }
  log(`grid done in ${Math.round((performance.now() - gridStart) / 1000)} s`);
  return records;
}

interface Manifest {
  startedAt: string;
  durationMs: number;
  qemuVersion: string;
  accelerator: AcceleratorChoice;
  hostCpus: number;
  runs: GridRun[];
}

function writeOutputs(outDir: string, records: readonly MigrationRecord[], manifest: Manifest): void {
  writeFileSync(join(outDir, 'measured.csv'), toCsv(measuredRows(records)));
  writeFileSync(join(outDir, 'samples.csv'), toCsv(sampleRows(records)));
  writeFileSync(join(outDir, 'guest-ticks.csv'), toCsv(guestTickRows(records)));
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ ...manifest, completedRuns: records.length }, null, 2) + '\n');
}
