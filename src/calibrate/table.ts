// The comparison as a table: the cells (for the terminal and the HTML page)
// and the terminal text.
import { itemAt } from '../common/lookup.js';
import { formatBytes } from '../common/format.js';
import { percent, type ModelRows, type RunComparison } from './compare.js';

const DASH = '-';

export const TABLE_HEADS = [
  'run',
  'outcome',
  'total time',
  'fluid',
  'err',
  'page',
  'err',
  'sent',
  'fluid',
  'err',
  'page',
  'err',
  'syncs',
  'fluid',
  'page',
  'downtime',
  'fluid',
  'throttle',
  'fluid',
] as const;

function signedPercent(e: number | null): string {
  if (e === null) return DASH;
  return `${e >= 0 ? '+' : ''}${percent(e)}`;
}

/** An error cell; in parentheses when the run is left out of that statistic. */
function errorCell(e: number | null, excluded: string | null): string {
  const text = signedPercent(e);
  return excluded !== null && e !== null ? `(${text})` : text;
}

/** Milliseconds below a second, else seconds with two decimals (one unit per magnitude, so a column reads at a glance). */
function ms(v: number | null): string {
  if (v === null) return DASH;
  return Math.abs(v) < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
}

function bytes(v: number | null): string {
  return v === null ? DASH : formatBytes(v);
}

function count(v: number | null): string {
  return v === null ? DASH : String(+v.toFixed(1));
}

function outcomeCell(f: RunComparison, p: RunComparison): string {
  const wrong = [f, p].filter((r) => !r.outcomeCorrect).map((r) => (r === f ? `fluid: ${r.predictedOutcome}` : `page: ${r.predictedOutcome}`));
  return wrong.length === 0 ? f.measuredOutcome : `${f.measuredOutcome} (${wrong.join(', ')})`;
}

/** The table's cells, one array per run, in TABLE_HEADS order (measured first, then each model). */
export function tableCells(rows: ModelRows): string[][] {
  return rows.fluid.map((f, i) => {
    const p = itemAt(rows.page, i);
    const throttle = f.maxThrottlePct.measured !== null && (f.maxThrottlePct.measured > 0 || (f.maxThrottlePct.predicted ?? 0) > 0);
    return [
      f.name,
      outcomeCell(f, p),
      ms(f.totalTimeMs.measured),
      ms(f.totalTimeMs.predicted),
      errorCell(f.totalTimeMs.relError, f.timeExcluded),
      ms(p.totalTimeMs.predicted),
      errorCell(p.totalTimeMs.relError, p.timeExcluded),
      bytes(f.transferredBytes.measured),
      bytes(f.transferredBytes.predicted),
      errorCell(f.transferredBytes.relError, f.bytesExcluded),
      bytes(p.transferredBytes.predicted),
      errorCell(p.transferredBytes.relError, p.bytesExcluded),
      count(f.syncs.measured),
      count(f.syncs.predicted),
      count(p.syncs.predicted),
      ms(f.downtimeMs.measured),
      ms(f.downtimeMs.predicted),
      throttle ? `${count(f.maxThrottlePct.measured)}%` : DASH,
      throttle ? `${count(f.maxThrottlePct.predicted)}%` : DASH,
    ];
  });
}

/** Why runs are left out of the error statistics, one line each (for the table's footnote). */
export function exclusionNotes(rows: readonly RunComparison[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    if (r.timeExcluded !== null && r.timeExcluded === r.bytesExcluded) notes.push(`${r.name}: time and bytes left out: ${r.timeExcluded}`);
    else {
      if (r.timeExcluded !== null) notes.push(`${r.name}: time left out: ${r.timeExcluded}`);
      if (r.bytesExcluded !== null) notes.push(`${r.name}: bytes left out: ${r.bytesExcluded}`);
    }
  }
  return notes;
}

/** The terminal table: text left, numbers right, two spaces apart. */
export function terminalTable(rows: ModelRows): string {
  const heads = [...TABLE_HEADS];
  const cells = tableCells(rows);
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((c) => itemAt(c, i).length)));
  const line = (c: readonly string[]): string =>
    c
      .map((x, i) => (i <= 1 ? x.padEnd(itemAt(widths, i)) : x.padStart(itemAt(widths, i))))
      .join('  ')
      .trimEnd();
  return [line(heads), ...cells.map(line)].join('\n') + '\n';
}

/** The XBZRLE hit rates (hits / lookups) of the runs QEMU ran XBZRLE in, one line each: measured, fluid, page. */
export function xbzrleLines(rows: ModelRows): string[] {
  const rate = (v: number | null): string => (v === null ? DASH : percent(v));
  return rows.fluid
    .map((f, i) => ({ f, p: itemAt(rows.page, i) }))
    .filter(({ f }) => f.xbzrleHitRate.measured !== null)
    .map(({ f, p }) => `${f.name}: measured ${rate(f.xbzrleHitRate.measured)}, fluid ${rate(f.xbzrleHitRate.predicted)}, page ${rate(p.xbzrleHitRate.predicted)}`);
}
