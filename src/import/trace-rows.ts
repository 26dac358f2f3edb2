/**
 * What every importer produces: the phases of a `trace` workload
 * (docs/engine-model.md#trace-files), each a start time and the guest's
 * dirty rate in bytes/s from then on, and how they are written as the CSV
 * that src/scenario/trace-file.ts reads back.
 */

/** One phase: from `tS` seconds after the start on, the guest dirties `bytesPerSec`. */
export interface TraceRow {
  tS: number;
  bytesPerSec: number;
}

/**
 * One observation of a rate that QEMU measures over its dirty-sync periods:
 * `dirty-pages-rate` of `query-migrate` (guestperf's `dirty_rate_pps`,
 * libvirt's `Dirty rate`). `sync` is `dirty-sync-count` when the source
 * gives it.
 */
export interface SyncSample {
  tS: number;
  pagesPerSec: number;
  sync?: number;
  /** where in the file it was read, for messages */
  line?: number;
}

/**
 * Phases from per-sync observations.
 *
 * QEMU computes `dirty-pages-rate` in migration/ram.c (migration_update_rates,
 * called from migration_bitmap_sync once at least 1000 ms passed since the
 * last update): the pages newly found dirty in the bitmap over that period,
 * divided by its length. It is the rate of *unique* pages dirtied per
 * period, not of writes (docs/qemu-observed.md#3-the-reported-dirty-rate-saturates): a guest rewriting a small set
 * shows at most set / period. Until the first period ends QEMU reports 0,
 * meaning "not measured yet"; callers drop those samples.
 *
 * A sample is taken by polling, so a new rate is seen at the first poll
 * after the sync that made it. The rate seen at sample k was measured over
 * the period that began at the sync seen at sample k-1, so it plays from
 * that sample's time; the first rate plays from 0 (the first period begins
 * at the setup sync, at the migration's start). Samples of a sync count
 * already seen repeat the same rate and are skipped; when the source has no
 * sync count a new period shows only as a changed rate. Consecutive phases
 * with equal rates are merged. The times are exact to one polling interval.
 */
export function phasesFromSyncSamples(samples: readonly SyncSample[], pageBytes: number): TraceRow[] {
  const periods: SyncSample[] = [];
  for (const s of samples) {
    const last = periods[periods.length - 1];
    if (last !== undefined && (s.sync !== undefined && last.sync !== undefined ? s.sync <= last.sync : s.pagesPerSec === last.pagesPerSec)) continue;
    periods.push(s);
  }
  const rows: TraceRow[] = [];
  periods.forEach((p, k) => {
    const tS = k === 0 ? 0 : (periods[k - 1] as SyncSample).tS;
    const last = rows[rows.length - 1];
    // a period seen at the same time as the one before (polled once for two syncs) has no length: the later rate wins
    if (last !== undefined && tS <= last.tS) last.bytesPerSec = p.pagesPerSec * pageBytes;
    else rows.push({ tS, bytesPerSec: p.pagesPerSec * pageBytes });
  });
  return mergeEqual(rows);
}

/**
 * The samples that carry a measurement: QEMU reports 0 until the first
 * period of at least 1 s has ended, so leading zeros mean "not measured
 * yet" and are dropped; zeros after a measurement are real quiet periods.
 * A guest that shows 0 throughout keeps its samples (an idle guest).
 */
export function measured(samples: readonly SyncSample[]): SyncSample[] {
  const first = samples.findIndex((s) => s.pagesPerSec > 0);
  return first < 0 ? [...samples] : samples.slice(first);
}

/** Drop a phase whose rate equals the one before (the trace plays the same either way). */
export function mergeEqual(rows: readonly TraceRow[]): TraceRow[] {
  const out: TraceRow[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last !== undefined && last.bytesPerSec === r.bytesPerSec) continue;
    out.push(r);
  }
  return out;
}

/** Seconds as the CSV holds them: milliseconds exact, no trailing zeros. */
function secondsText(tS: number): string {
  return String(Math.round(tS * 1000) / 1000);
}

/**
 * The trace CSV: `#` comment lines (the reader skips them) saying where the
 * numbers came from, then `t,dirtyRate` in seconds and bytes/s (bare numbers
 * carry those units, docs/engine-model.md#trace-files).
 */
export function traceCsv(rows: readonly TraceRow[], comments: readonly string[]): string {
  const lines = comments.map((c) => `# ${c}`);
  lines.push('t,dirtyRate');
  for (const r of rows) lines.push(`${secondsText(r.tS)},${Math.round(r.bytesPerSec)}`);
  return `${lines.join('\n')}\n`;
}
