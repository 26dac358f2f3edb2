// CSV tables of calibration results (csv-stringify). Column names follow
// DESIGN.md's metric names where one exists (totalTimeMs, downtimeMs,
// expectedDowntimeMs, transferredBytes, syncs, maxThrottlePct, outcome), so
// measured and simulated tables can be joined.
import { stringify } from 'csv-stringify/sync';
import type { MigrationRecord } from './types.js';

const MIB = 2 ** 20;

/** One row per run: its parameters and final figures. */
export function measuredRows(records: readonly MigrationRecord[]): Array<Record<string, string | number | boolean | null>> {
  return records.map((r) => ({
    name: r.name,
    ramMiB: r.config.ramMiB,
    wsMiB: r.config.wsMiB,
    ratePagesPerSec: r.config.ratePagesPerSec,
    fill: r.config.fill,
    maxBandwidthBytesPerSec: r.config.maxBandwidthBytesPerSec,
    downtimeLimitMs: r.config.downtimeLimitMs,
    autoConverge: r.config.autoConverge,
    timeBoundS: r.config.timeBoundS,
    outcome: r.outcome,
    totalTimeMs: r.totalTimeMs,
    setupTimeMs: r.setupTimeMs,
    downtimeMs: r.downtimeMs,
    expectedDowntimeMs: r.expectedDowntimeMs,
    transferredBytes: r.transferredBytes,
    ramBytes: r.config.ramMiB * MIB,
    ramTotalBytes: r.ramTotalBytes,
    transferFactor: round(r.transferredBytes / (r.config.ramMiB * MIB), 4),
    syncs: r.syncs,
    maxThrottlePct: r.maxThrottlePct,
    meanMbps: round(r.meanMbps, 1),
    finalMbps: round(r.finalMbps, 1),
    duplicatePages: r.duplicatePages,
    normalPages: r.normalPages,
    precopyBytes: r.precopyBytes,
    downtimeBytes: r.downtimeBytes,
    stopTimeMs: round(r.stopTimeMs, 1),
    syncTimesMs: r.syncTimesMs.map((t) => Math.round(t)).join(' '),
    guestRateBeforePagesPerSec: round(r.guestRateBeforePagesPerSec, 0),
    guestRateDuringPagesPerSec: round(r.guestRateDuringPagesPerSec, 0),
    guestRateMinDuringPagesPerSec: r.guestRateMinDuringPagesPerSec,
    guestRateAfterPagesPerSec: r.guestRateAfterPagesPerSec,
    guestWritesLost: r.guestWritesLost,
    guestFillBytes: r.guestFillBytes,
    guestZeroLowPages: r.guestZeroLowPages,
    errorDesc: r.errorDesc,
    qemuVersion: r.qemuVersion,
    accel: r.accel,
    wallTimeMs: r.wallTimeMs,
  }));
}

/** One row per query-migrate sample of every run. */
export function sampleRows(records: readonly MigrationRecord[]): Array<Record<string, string | number | null>> {
  return records.flatMap((r) => r.samples.map((s) => ({ name: r.name, ...s, tMs: round(s.tMs, 1) })));
}

/** One row per guest rate report of every run. */
export function guestTickRows(records: readonly MigrationRecord[]): Array<Record<string, string | number>> {
  return records.flatMap((r) => r.guestTicks.map((t) => ({ name: r.name, ...t, tMs: Math.round(t.tMs) })));
}

/** CSV text with a header row; empty string for no rows. */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  return stringify(rows as Array<Record<string, unknown>>, {
    header: true,
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  });
}

function round(v: number | null, digits: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
