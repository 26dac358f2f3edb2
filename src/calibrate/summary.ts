// Pure functions that turn what QEMU and the guest reported into the final
// figures of a run. No I/O here, so they are tested without QEMU.
import { itemAt } from '../common/lookup.js';
import type { GuestTick, MigrationOutcome, MigrationRecord, MigrationSample } from './types.js';

type Json = Record<string, unknown>;

function num(obj: Json | undefined, key: string): number | null {
  const v = obj?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Flatten one `query-migrate` answer (qapi/migration.json MigrationInfo;
 * populate_time_info / populate_ram_info in migration/migration.c). Fields
 * QEMU leaves out in a given state (downtime before completion,
 * expected-downtime after it, cpu-throttle-percentage when not throttling,
 * all times once cancelled) become null.
 */
export function flattenQueryMigrate(tMs: number, info: Json): MigrationSample {
  const ram = (typeof info.ram === 'object' && info.ram !== null ? info.ram : undefined) as Json | undefined;
  const xbzrle = (typeof info['xbzrle-cache'] === 'object' && info['xbzrle-cache'] !== null ? info['xbzrle-cache'] : undefined) as Json | undefined;
  return {
    tMs,
    status: typeof info.status === 'string' ? info.status : 'unknown',
    totalTimeMs: num(info, 'total-time'),
    setupTimeMs: num(info, 'setup-time'),
    downtimeMs: num(info, 'downtime'),
    expectedDowntimeMs: num(info, 'expected-downtime'),
    transferredBytes: num(ram, 'transferred'),
    remainingBytes: num(ram, 'remaining'),
    totalBytes: num(ram, 'total'),
    duplicatePages: num(ram, 'duplicate'),
    normalPages: num(ram, 'normal'),
    dirtyPagesRate: num(ram, 'dirty-pages-rate'),
    mbps: num(ram, 'mbps'),
    dirtySyncCount: num(ram, 'dirty-sync-count'),
    precopyBytes: num(ram, 'precopy-bytes'),
    downtimeBytes: num(ram, 'downtime-bytes'),
    cpuThrottlePct: num(info, 'cpu-throttle-percentage'),
    multifdBytes: num(ram, 'multifd-bytes'),
    xbzrlePages: num(xbzrle, 'pages'),
    xbzrleCacheMiss: num(xbzrle, 'cache-miss'),
    xbzrleOverflow: num(xbzrle, 'overflow'),
    xbzrleBytes: num(xbzrle, 'bytes'),
  };
}

/**
 * True for a "completed" answer that does not carry the final figures yet.
 * QEMU 7.2 sets the status to completed in migration_completion() before
 * migration_iteration_finish() -> migration_calculate_complete() fills in
 * total_time, downtime and mbps (migration/migration.c), so a query in
 * between answers completed with total-time 0 and downtime 0 (seen once in
 * a quick grid on this project's machine): poll again.
 */
export function completionFiguresPending(sample: MigrationSample): boolean {
  return sample.status === 'completed' && (sample.totalTimeMs ?? 0) === 0;
}

/** Final figures derived from the sample series of one run: the record's fields of the same names. */
export type SampleSummary = Pick<
  MigrationRecord,
  | 'outcome'
  | 'totalTimeMs'
  | 'setupTimeMs'
  | 'downtimeMs'
  | 'expectedDowntimeMs'
  | 'transferredBytes'
  | 'ramTotalBytes'
  | 'syncs'
  | 'maxThrottlePct'
  | 'meanMbps'
  | 'finalMbps'
  | 'duplicatePages'
  | 'normalPages'
  | 'precopyBytes'
  | 'downtimeBytes'
  | 'multifdBytes'
  | 'xbzrlePages'
  | 'xbzrleCacheMiss'
  | 'xbzrleOverflow'
  | 'xbzrleBytes'
>;

function lastValue(samples: readonly MigrationSample[], pick: (s: MigrationSample) => number | null): number | null {
  for (let i = samples.length - 1; i >= 0; i--) {
    const v = pick(itemAt(samples, i));
    if (v !== null) return v;
  }
  return null;
}

/**
 * Summarise a run's samples. A run is `completed` if the last status is
 * completed, `failed` if QEMU reported failed, else `not-converged` (it was
 * cancelled at the time bound). For a cancelled run QEMU reports no times or
 * counters any more, so the last values seen while active are used.
 */
export function summarizeSamples(samples: readonly MigrationSample[]): SampleSummary {
  const last = samples.at(-1);
  const status = last?.status;
  const outcome: MigrationOutcome = status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : 'not-converged';
  const active = samples.filter((s) => s.status === 'active');
  const activeMbps = active.map((s) => s.mbps).filter((v): v is number => v !== null && v > 0);
  return {
    outcome,
    totalTimeMs: lastValue(samples, (s) => s.totalTimeMs) ?? 0,
    setupTimeMs: lastValue(samples, (s) => s.setupTimeMs),
    downtimeMs: outcome === 'completed' ? (last?.downtimeMs ?? null) : null,
    expectedDowntimeMs: lastValue(active, (s) => s.expectedDowntimeMs),
    transferredBytes: lastValue(samples, (s) => s.transferredBytes) ?? 0,
    ramTotalBytes: lastValue(samples, (s) => s.totalBytes) ?? 0,
    syncs: lastValue(samples, (s) => s.dirtySyncCount) ?? 0,
    maxThrottlePct: samples.reduce((m, s) => Math.max(m, s.cpuThrottlePct ?? 0), 0),
    meanMbps: activeMbps.length > 0 ? activeMbps.reduce((a, b) => a + b, 0) / activeMbps.length : null,
    finalMbps: outcome === 'completed' ? (last?.mbps ?? null) : null,
    duplicatePages: lastValue(samples, (s) => s.duplicatePages) ?? 0,
    normalPages: lastValue(samples, (s) => s.normalPages) ?? 0,
    precopyBytes: lastValue(samples, (s) => s.precopyBytes),
    downtimeBytes: lastValue(samples, (s) => s.downtimeBytes),
    multifdBytes: lastValue(samples, (s) => s.multifdBytes),
    xbzrlePages: lastValue(samples, (s) => s.xbzrlePages),
    xbzrleCacheMiss: lastValue(samples, (s) => s.xbzrleCacheMiss),
    xbzrleOverflow: lastValue(samples, (s) => s.xbzrleOverflow),
    xbzrleBytes: lastValue(samples, (s) => s.xbzrleBytes),
  };
}

/** Guest write-rate figures around a migration that ran from 0 to endMs (host ms since `migrate`). */
export interface GuestRateSummary {
  beforePagesPerSec: number | null;
  duringPagesPerSec: number | null;
  minDuringPagesPerSec: number | null;
  afterPagesPerSec: number | null;
  writesLost: number | null;
}

/** How many of the guest's last reports before `migrate` make up the "before" rate. */
const BEFORE_TICKS = 3;

/** A guest report covers the second before it was printed. */
const TICK_SPAN_MS = 1000;

/**
 * Before = mean of the last few source reports read before `migrate`.
 * During = mean (and min) of the source reports whose whole second lies
 * inside the migration (read between 1 s after `migrate` and its end); when
 * the migration was shorter than that, any source report read while it ran.
 * After = the second destination report: the first one closes the second
 * that was open on the source when the guest stopped, so it spans the
 * switch-over.
 * Writes lost = the source's last write count minus the destination's
 * first: the guest keeps that count in its memory, so a positive value means
 * the destination resumed from a stale copy of that page.
 */
export function summarizeGuestTicks(ticks: readonly GuestTick[], endMs: number): GuestRateSummary {
  const mean = (xs: number[]): number | null => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const source = ticks.filter((t) => t.host === 'source');
  const before = source
    .filter((t) => t.tMs < 0)
    .slice(-BEFORE_TICKS)
    .map((t) => t.ratePagesPerSec);
  const running = source.filter((t) => t.tMs >= 0 && t.tMs <= endMs);
  const inside = running.filter((t) => t.tMs >= TICK_SPAN_MS);
  const during = (inside.length > 0 ? inside : running).map((t) => t.ratePagesPerSec);
  const destination = ticks.filter((t) => t.host === 'destination');
  const after = destination.at(1);
  const lastSource = source.at(-1);
  const firstDestination = destination.at(0);
  return {
    beforePagesPerSec: mean(before),
    duringPagesPerSec: mean(during),
    minDuringPagesPerSec: during.length > 0 ? Math.min(...during) : null,
    afterPagesPerSec: after?.ratePagesPerSec ?? null,
    writesLost: lastSource !== undefined && firstDestination !== undefined ? Math.max(0, lastSource.writes - firstDestination.writes) : null,
  };
}
