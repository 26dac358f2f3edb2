import { itemAt } from '../common/lookup.js';
import { parse } from 'csv-parse/sync';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DirtyTrace } from '../engine/types.js';
import { parseQuantity } from './quantity.js';

/**
 * Trace files: a recorded dirty rate for the `trace` workload. CSV with a
 * header line; blank lines and lines starting with # are ignored.
 *
 *   t,dirtyRate              t: when the phase starts (30s, 1.5min, or seconds)
 *   0,20MiB/s                dirtyRate: bytes/s of page writes (units allowed)
 *   30s,400MiB/s
 *   90s,0
 *
 * Instead of dirtyRate a column dirtyPagesPerSec (or QEMU's name
 * dirty-pages-rate, as `query-migrate` reports it) gives pages per second.
 * The first phase starts at 0; times increase; the last rate holds to the end.
 */
const TIME_COLUMNS = ['t', 'time', 'tS'];
const RATE_COLUMNS = ['dirtyRate'];
const PAGE_COLUMNS = ['dirtyPagesPerSec', 'dirty-pages-rate'];

const cache = new Map<string, { mtimeMs: number; pageBytes: number; result: TraceRead }>();

export type TraceRead = { ok: true; trace: DirtyTrace } | { ok: false; problem: string };

/** Read and check a trace file (cached by path, modification time and page size). */
export function readTrace(path: string, pageBytes: number): TraceRead {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return { ok: false, problem: `trace file ${path}: no such file` };
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs && hit.pageBytes === pageBytes) return hit.result;
  const result = parseTrace(path, readFileSync(path, 'utf8'), pageBytes);
  cache.set(path, { mtimeMs, pageBytes, result });
  return result;
}

export function parseTrace(path: string, text: string, pageBytes: number): TraceRead {
  const fail = (line: number, what: string): TraceRead => ({ ok: false, problem: `trace file ${path}:${line}: ${what}` });
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // csv-parse: blank lines and `#` lines skipped, cells trimmed, each record with its line
    records = parse(text, { comment: '#', skip_empty_lines: true, trim: true, info: true, relax_column_count: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 1;
    return fail(line, (e as Error).message.replace(/^Invalid Record Length: |^CSV_\w+: /, ''));
  }
  const lines = records.map((r) => ({ n: r.info.lines, cells: r.record }));
  const [head, ...rows] = lines;
  if (head === undefined) return fail(1, 'empty: expected a header (t,dirtyRate) and at least one row');
  const header = head.cells;
  const tCol = header.findIndex((h) => TIME_COLUMNS.includes(h));
  let rCol = header.findIndex((h) => RATE_COLUMNS.includes(h));
  const pCol = header.findIndex((h) => PAGE_COLUMNS.includes(h));
  const perPage = rCol < 0 && pCol >= 0;
  if (perPage) rCol = pCol;
  if (tCol < 0 || rCol < 0)
    return fail(
      head.n,
      `expected a header with a time column (${TIME_COLUMNS.join(' | ')}) and a rate column (${[...RATE_COLUMNS, ...PAGE_COLUMNS].join(' | ')}), found '${head.cells.join(',')}'`,
    );
  const timesS: number[] = [];
  const rates: number[] = [];
  for (const { n, cells: c } of rows) {
    const t = parseQuantity(c[tCol], 'time');
    if (!t.ok) return fail(n, `column ${header[tCol]}: ${t.reason}`);
    let rate: number;
    if (perPage) {
      const p = Number(c[rCol]);
      if (c[rCol] === undefined || c[rCol] === '' || !Number.isFinite(p)) return fail(n, `column ${header[rCol]}: expected pages per second, found '${c[rCol] ?? ''}'`);
      rate = p * pageBytes;
    } else {
      const r = parseQuantity(c[rCol], 'rate');
      if (!r.ok) return fail(n, `column ${header[rCol]}: ${r.reason}`);
      rate = r.value;
    }
    if (rate < 0) return fail(n, `a rate cannot be negative, found ${c[rCol]}`);
    if (timesS.length === 0 && t.value !== 0) return fail(n, `the first phase must start at 0, found ${c[tCol]}`);
    const previous = timesS[timesS.length - 1];
    if (previous !== undefined && !(t.value > previous)) return fail(n, `times must increase, found ${c[tCol]} after ${previous} s`);
    timesS.push(t.value);
    rates.push(rate);
  }
  if (timesS.length === 0) return fail(head.n, 'no rows after the header');
  return { ok: true, trace: { path, timesS, ratesBytesPerSec: rates } };
}

/**
 * The rate a trace workload shows in the `dirtyRateBytesPerSec` column: the
 * trace's time-weighted mean over the scenario's horizon, [0, horizon], each
 * phase holding until the next and the last one to the horizon, exactly as
 * the engine plays it (a phase that starts after the horizon never plays).
 *
 * Why this span: the column is a scenario parameter, so it must come from
 * the inputs alone (every replicate and every policy of one scenario shares
 * it, summary.csv and `migsweep compare` pair scenarios by it), which rules
 * out the mean over each migration's own duration. Among input-only spans
 * the horizon is the one the scenario itself states: for a migration that
 * runs to the horizon (the non-converging runs, where the rate matters most)
 * it IS the mean over the migration; for one that ends earlier it weighs the
 * last phase more than that migration saw. The recorded span alone, [0, last
 * phase start], would drop the last phase, so a trace quiet for 5 s and then
 * writing 50 MiB/s would show 0. A horizon that is not finite shows the last
 * phase's rate (the limit of the mean).
 */
export function meanRate(t: DirtyTrace, horizonS: number): number {
  const n = t.timesS.length;
  if (!Number.isFinite(horizonS)) return itemAt(t.ratesBytesPerSec, n - 1);
  let sum = 0;
  for (let i = 0; i < n && itemAt(t.timesS, i) < horizonS; i++) {
    const end = i + 1 < n ? Math.min(itemAt(t.timesS, i + 1), horizonS) : horizonS;
    sum += itemAt(t.ratesBytesPerSec, i) * (end - itemAt(t.timesS, i));
  }
  return sum / horizonS;
}

/** Where a scenario's relative trace path is resolved: beside the file that names it, else the working folder. */
export function baseDirOf(file: string): string {
  try {
    if (statSync(file).isFile()) return dirname(resolve(file));
  } catch {
    // not a file (`<test>`, `--set`): the working folder
  }
  return process.cwd();
}
