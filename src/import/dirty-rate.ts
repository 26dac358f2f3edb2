/**
 * `query-dirty-rate` replies, one per line, after `calc-dirty-rate` runs
 * (QEMU qapi/migration.json, DirtyRateInfo):
 *
 *   status      unstarted | measuring | measured
 *   dirty-rate  MiB/s ("an estimate of the dirty page rate of the VM in
 *               units of MiB/s"; migration/dirtyrate.c shifts bytes by 20),
 *               present once measured
 *   start-time  when the measurement began, in seconds (migration/dirtyrate.c
 *               stores the realtime clock in ms divided by 1000)
 *   calc-time   how long it measured, in calc-time-unit (second unless the
 *               reply says millisecond, QEMU 8.2 and later)
 *
 * Like query-migrate's rate, this counts pages newly dirtied during
 * calc-time, not writes ("once some page is counted as dirty during
 * calc-time period, further writes to this page will not increase dirty
 * page rate anymore"). Each measurement plays from its start-time, relative
 * to the first one's; the same measurement queried twice counts once.
 */
import { badLine, count, shown, type Imported } from './imported.js';
import { jsonLines, qmpReturn } from './json-lines.js';
import { mergeEqual, type TraceRow } from './trace-rows.js';

const MIB = 1024 * 1024;
const EXPECTED = 'one QMP reply per line (a query-dirty-rate reply such as {"return": {"status": "measured", "dirty-rate": 96, "start-time": 1714989601, "calc-time": 1}})';

export function looksLikeDirtyRate(text: string): boolean {
  return /"dirty-rate"\s*:/.test(text) || /"status"\s*:\s*"(measured|measuring|unstarted)"/.test(text);
}

export function importDirtyRate(file: string, text: string): Imported {
  const lines = jsonLines(file, text, EXPECTED);
  const rows: TraceRow[] = [];
  let startS: number | undefined;
  let lastStartS: number | undefined;
  let replies = 0;
  let pending = 0;
  const calcTimesS: number[] = [];
  for (const { line, value } of lines) {
    const r = qmpReturn(value);
    if (r === undefined || !['unstarted', 'measuring', 'measured'].includes(r.status as string)) continue;
    replies++;
    if (r.status !== 'measured') {
      pending++;
      continue;
    }
    const mib = count(r['dirty-rate']);
    if (mib === undefined) throw badLine(file, line, `expected dirty-rate in MiB/s (a number >= 0) in a measured reply, found ${shown(r['dirty-rate'])}`);
    const start = count(r['start-time']);
    if (start === undefined) throw badLine(file, line, `expected start-time in seconds (a number >= 0), found ${shown(r['start-time'])}`);
    const calc = count(r['calc-time']);
    const unit = r['calc-time-unit'] ?? 'second';
    if (calc === undefined || (unit !== 'second' && unit !== 'millisecond'))
      throw badLine(file, line, `expected calc-time (a number >= 0) in calc-time-unit second or millisecond, found ${shown(r['calc-time'])} ${shown(unit)}`);
    if (start === lastStartS) continue; // the same measurement queried again
    if (lastStartS !== undefined && start < lastStartS)
      throw badLine(file, line, `start-time ${start} s is before the previous measurement's ${lastStartS} s: expected measurements in the order they ran`);
    startS ??= start;
    lastStartS = start;
    calcTimesS.push(unit === 'millisecond' ? calc / 1000 : calc);
    rows.push({ tS: start - startS, bytesPerSec: mib * MIB });
  }
  if (replies === 0) throw badLine(file, lines[0]?.line ?? 1, `no query-dirty-rate reply found: expected ${EXPECTED}`);
  if (rows.length === 0)
    throw badLine(file, lines[lines.length - 1]?.line ?? 1, `${replies} query-dirty-rate replies, none measured: expected at least one with "status": "measured"`);
  const notes = [
    `${rows.length} measurements (skipped: ${pending} replies still measuring or unstarted), calc-time ${[...new Set(calcTimesS)].join(', ')} s`,
    "dirty-rate MiB/s x 1048576 = bytes/s; times are start-time minus the first measurement's",
  ];
  return { format: 'dirty-rate', rows: mergeEqual(rows), notes };
}
