/**
 * guestperf JSON reports (QEMU tests/migration/guestperf; read at qemu
 * commits e3643d32 for report.py, cb5ed407 for progress.py, 1b507e55 for
 * engine.py): report.py serializes `progress_history`, a list of Progress
 * records (progress.py) that engine.py (`_migrate_progress`) fills from
 * `query-migrate`, keeping one record per new `dirty-sync-count` plus the
 * final one:
 *
 *   progress_history[i].duration            query-migrate total-time, ms
 *   progress_history[i].status              query-migrate status
 *   progress_history[i].ram.dirty_rate_pps  ram.dirty-pages-rate, pages/s
 *   progress_history[i].ram.iterations      ram.dirty-sync-count
 *   progress_history[i].ram.normal_bytes / normal_pages = ram.page-size
 *
 * guestperf does not record the page size itself; normal-bytes is
 * normal x page-size (migration/migration.c, populate_ram_info), so their
 * ratio gives it.
 */
import { parseText } from '../scenario/document.js';
import { InputError } from '../common/errors.js';
import type { PathSegment } from '../scenario/path.js';
import { count, DEFAULT_PAGE_BYTES, throttleNote, type Imported } from './imported.js';
import { measured, phasesFromSyncSamples, type SyncSample } from './trace-rows.js';

/** Does this text look like a guestperf report? (a JSON object with progress_history) */
export function looksLikeGuestperf(text: string): boolean {
  return /^\s*\{/.test(text) && text.includes('"progress_history"');
}

export function importGuestperf(file: string, text: string): Imported {
  const doc = parseText(file, text);
  const fail = (path: PathSegment[], expected: string): InputError => {
    const at = doc.locate(path);
    const where = path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
      .join('')
      .replace(/^\./, '');
    return new InputError(file, [{ path: where, message: expected, line: at?.line, col: at?.col }]);
  };
  const data = doc.data as { progress_history?: unknown };
  if (typeof data !== 'object' || data === null || !Array.isArray(data.progress_history))
    throw fail(['progress_history'], 'expected a guestperf report: an object with a progress_history list (QEMU tests/migration/guestperf/report.py)');
  const history = data.progress_history as unknown[];
  let pageBytes: number | undefined;
  let unmeasured = 0;
  let maxThrottle = 0;
  const candidates: SyncSample[] = [];
  history.forEach((entry, i) => {
    const e = entry as { status?: unknown; duration?: unknown; throttle_pcent?: unknown; ram?: Record<string, unknown> } | null;
    if (typeof e !== 'object' || e === null || typeof e.ram !== 'object' || e.ram === null)
      throw fail(['progress_history', i], 'expected a progress record with status, duration and ram (guestperf/progress.py)');
    maxThrottle = Math.max(maxThrottle, count(e.throttle_pcent) ?? 0);
    const durationMs = count(e.duration);
    if (durationMs === undefined) throw fail(['progress_history', i, 'duration'], 'expected the migration time so far in ms (query-migrate total-time), a number >= 0');
    const pps = count(e.ram.dirty_rate_pps);
    if (pps === undefined)
      throw fail(['progress_history', i, 'ram', 'dirty_rate_pps'], 'expected the dirty page rate in pages/s (query-migrate ram.dirty-pages-rate), a number >= 0');
    const sync = count(e.ram.iterations);
    if (sync === undefined) throw fail(['progress_history', i, 'ram', 'iterations'], 'expected the sync count (query-migrate ram.dirty-sync-count), a number >= 0');
    const normalPages = count(e.ram.normal_pages);
    const normalBytes = count(e.ram.normal_bytes);
    if (normalPages !== undefined && normalPages > 0 && normalBytes !== undefined) pageBytes = normalBytes / normalPages;
    // QEMU reports 0 before the first period is measured and after completion (ram.dirty-pages-rate is left 0)
    if (e.status === 'completed' || sync < 2) {
      unmeasured++;
      return;
    }
    candidates.push({ tS: durationMs / 1000, pagesPerSec: pps, sync });
  });
  const samples = measured(candidates);
  unmeasured += candidates.length - samples.length;
  if (samples.length === 0)
    throw fail(
      ['progress_history'],
      `expected at least one progress record with a measured dirty rate (at iterations >= 2, not completed); found ${history.length} records, none measured`,
    );
  const page = pageBytes ?? DEFAULT_PAGE_BYTES;
  const notes = [
    `${history.length} progress records, ${samples.length} with a measured dirty rate (${unmeasured} before the first measurement, unmeasured or after completion)`,
    pageBytes !== undefined ? `page size ${page} B (ram.normal_bytes / normal_pages)` : `page size not derivable (no normal pages): assumed ${DEFAULT_PAGE_BYTES} B`,
  ];
  const throttled = throttleNote(maxThrottle);
  if (throttled !== undefined) notes.push(throttled);
  return { format: 'guestperf', rows: phasesFromSyncSamples(samples, page), pageBytes, notes };
}
