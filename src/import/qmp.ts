/**
 * Logs of `query-migrate` replies (QEMU qapi/migration.json, MigrationInfo
 * and MigrationStats):
 *
 *   total-time            ms since the migration started
 *   ram.dirty-pages-rate  pages/s, newly dirtied pages per sync period
 *   ram.dirty-sync-count  the number of bitmap syncs so far
 *   ram.page-size         bytes of one guest page
 *
 * When a reply has no total-time (a QEMU older than 1.2, or a log that
 * lost it), the line's time stamp is used, counted from the first
 * query-migrate reply's (`setup` included), so polling should start with
 * the migration.
 */
import { shown, count, DEFAULT_PAGE_BYTES, badLine, inOrder, throttleNote, type Imported } from './imported.js';
import { jsonLines, qmpReturn } from './json-lines.js';
import { measured, phasesFromSyncSamples, type SyncSample } from './trace-rows.js';

const EXPECTED = 'one QMP reply per line (a query-migrate reply such as {"return": {"status": "active", "total-time": 1200, "ram": {...}}}), optionally after a time stamp';

/** MigrationStatus in qapi/migration.json: a reply with one of these is query-migrate's. */
const MIGRATION_STATUS = new Set([
  'none',
  'setup',
  'cancelling',
  'cancelled',
  'active',
  'postcopy-active',
  'postcopy-paused',
  'postcopy-recover-setup',
  'postcopy-recover',
  'completed',
  'failed',
  'colo',
  'pre-switchover',
  'device',
  'wait-unplug',
]);

function isMigrateInfo(r: Record<string, unknown> | undefined): r is Record<string, unknown> & { status: string } {
  return r !== undefined && typeof r.status === 'string' && MIGRATION_STATUS.has(r.status);
}

export function looksLikeQmp(text: string): boolean {
  return /"dirty-pages-rate"|"dirty-sync-count"/.test(text);
}

export function importQmp(file: string, text: string): Imported {
  const lines = jsonLines(file, text, EXPECTED);
  const candidates: SyncSample[] = [];
  let replies = 0;
  let maxThrottle = 0;
  let pageBytes: number | undefined;
  let firstStampS: number | undefined;
  for (const { line, stampS, value } of lines) {
    const r = qmpReturn(value);
    if (!isMigrateInfo(r)) continue; // events, other commands' replies
    // time stamps count from the first query-migrate reply: start polling when the migration starts
    if (stampS !== undefined && firstStampS === undefined) firstStampS = stampS;
    if (typeof r.ram !== 'object' || r.ram === null) continue; // setup: no statistics yet
    replies++;
    // query-migrate's cpu-throttle-percentage, present while auto-converge throttles
    maxThrottle = Math.max(maxThrottle, count(r['cpu-throttle-percentage']) ?? 0);
    const ram = r.ram as Record<string, unknown>;
    const pps = count(ram['dirty-pages-rate']);
    if (pps === undefined) throw badLine(file, line, `expected ram.dirty-pages-rate in pages/s (a number >= 0), found ${shown(ram['dirty-pages-rate'])}`);
    const sync = count(ram['dirty-sync-count']);
    if (sync === undefined) throw badLine(file, line, `expected ram.dirty-sync-count (a number >= 0), found ${shown(ram['dirty-sync-count'])}`);
    const page = ram['page-size'];
    if (page !== undefined) {
      const p = count(page);
      if (p === undefined || p === 0) throw badLine(file, line, `expected ram.page-size in bytes (a number > 0), found ${shown(page)}`);
      if (pageBytes !== undefined && p !== pageBytes) throw badLine(file, line, `ram.page-size changed from ${pageBytes} to ${p}: expected the replies of one migration`);
      pageBytes = p;
    }
    let tS: number;
    const totalMs = count(r['total-time']);
    if (totalMs !== undefined) tS = totalMs / 1000;
    else if (stampS !== undefined && firstStampS !== undefined) tS = stampS - firstStampS;
    else throw badLine(file, line, 'expected total-time (ms) in the reply, or a time stamp before it (e.g. 2024-05-06 10:00:01.250+0000)');
    // dirty-pages-rate is left 0 once completed (migration/migration.c populate_ram_info); the first sync is the setup one
    if (r.status === 'completed' || r.status === 'setup' || sync < 2) continue;
    candidates.push({ tS, pagesPerSec: pps, sync, line });
  }
  if (replies === 0) throw badLine(file, lines[0]?.line ?? 1, `no query-migrate reply found: expected ${EXPECTED}`);
  const samples = measured(inOrder(file, candidates, 'reply'));
  if (samples.length === 0)
    throw badLine(
      file,
      lines[lines.length - 1]?.line ?? 1,
      `${replies} query-migrate replies, none with a measured dirty rate: expected replies while the migration is active, after its second sync (dirty-sync-count >= 2)`,
    );
  const page = pageBytes ?? DEFAULT_PAGE_BYTES;
  const notes = [
    `${replies} query-migrate replies, ${samples.length} with a measured dirty rate over ${new Set(samples.map((s) => s.sync)).size} sync periods`,
    pageBytes !== undefined ? `page size ${page} B (ram.page-size)` : `no ram.page-size in the replies: assumed ${DEFAULT_PAGE_BYTES} B`,
  ];
  const throttled = throttleNote(maxThrottle);
  if (throttled !== undefined) notes.push(throttled);
  return { format: 'qmp', rows: phasesFromSyncSamples(samples, page), pageBytes, notes };
}
