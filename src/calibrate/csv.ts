// CSV tables of calibration results (csv-stringify) and measured.csv read back. Column names follow
// the metric names of docs/architecture.md#interfaces-that-are-a-contract where one exists (totalTimeMs, downtimeMs,
// expectedDowntimeMs, transferredBytes, syncs, maxThrottlePct, outcome), so
// measured and simulated tables can be joined.
import { itemAt } from '../common/lookup.js';
import { stringify } from 'csv-stringify/sync';
import { InputError, type InputProblem } from '../common/errors.js';
import { parse } from 'csv-parse/sync';
import type { ModelRows } from './compare.js';
import type { MeasuredRun, MigrationOutcome, MigrationRecord } from './types.js';

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
    fillContent: r.config.fillContent,
    pageContent: r.config.pageContent,
    deltaBytes: r.config.deltaBytes,
    multifdChannels: r.config.multifdChannels,
    multifdCompression: r.config.multifdCompression,
    xbzrleCacheBytes: r.config.xbzrleCacheBytes,
    flushTlb: r.config.flushTlb,
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
    multifdBytes: r.multifdBytes,
    xbzrlePages: r.xbzrlePages,
    xbzrleCacheMiss: r.xbzrleCacheMiss,
    xbzrleOverflow: r.xbzrleOverflow,
    xbzrleBytes: r.xbzrleBytes,
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

/** comparison.csv: one row per run and model, the metric names of docs/architecture.md with Measured / Predicted / RelError. */
export function comparisonCsvRows(rows: ModelRows): Array<Record<string, string | number | boolean | null>> {
  const out: Array<Record<string, string | number | boolean | null>> = [];
  for (const model of ['fluid', 'page'] as const) {
    for (const r of rows[model]) {
      out.push({
        name: r.name,
        model,
        outcomeMeasured: r.measuredOutcome,
        outcomePredicted: r.predictedOutcome,
        outcomeCorrect: r.outcomeCorrect,
        totalTimeMsMeasured: r.totalTimeMs.measured,
        totalTimeMsPredicted: round(r.totalTimeMs.predicted, 1),
        totalTimeMsRelError: round(r.totalTimeMs.relError, 4),
        transferredBytesMeasured: r.transferredBytes.measured,
        transferredBytesPredicted: round(r.transferredBytes.predicted, 0),
        transferredBytesRelError: round(r.transferredBytes.relError, 4),
        syncsMeasured: r.syncs.measured,
        syncsPredicted: round(r.syncs.predicted, 2),
        syncsDiff: round(r.syncsDiff, 2),
        downtimeMsMeasured: r.downtimeMs.measured,
        downtimeMsPredicted: round(r.downtimeMs.predicted, 1),
        maxThrottlePctMeasured: r.maxThrottlePct.measured,
        maxThrottlePctPredicted: round(r.maxThrottlePct.predicted, 1),
        multifdBytesMeasured: r.multifdBytes.measured,
        multifdBytesPredicted: round(r.multifdBytes.predicted, 0),
        xbzrleHitRateMeasured: round(r.xbzrleHitRate.measured, 4),
        xbzrleHitRatePredicted: round(r.xbzrleHitRate.predicted, 4),
        timeExcluded: r.timeExcluded,
        bytesExcluded: r.bytesExcluded,
      });
    }
  }
  return out;
}

/** v rounded to `digits` decimals; null for null, NaN and infinities. */
export function round(v: number | null, digits: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

const OUTCOMES: readonly MigrationOutcome[] = ['completed', 'not-converged', 'failed'];
const NUMBER_COLUMNS = [
  'ramMiB',
  'wsMiB',
  'ratePagesPerSec',
  'maxBandwidthBytesPerSec',
  'downtimeLimitMs',
  'timeBoundS',
  'totalTimeMs',
  'transferredBytes',
  'ramTotalBytes',
  'syncs',
  'maxThrottlePct',
  'duplicatePages',
] as const;
const OPTIONAL_NUMBER_COLUMNS = ['downtimeMs', 'meanMbps', 'downtimeBytes', 'guestRateBeforePagesPerSec', 'guestRateDuringPagesPerSec', 'guestFillBytes'] as const;
const BOOLEAN_COLUMNS = ['fill', 'autoConverge'] as const;
/**
 * Columns of the wire-feature grid; a measured.csv written before it (the
 * default grid's reference fixture) lacks them, and its runs had every
 * feature off: these defaults.
 */
export const FEATURE_DEFAULTS = {
  fillContent: 'pattern',
  pageContent: 'byte',
  deltaBytes: 1,
  multifdChannels: 0,
  multifdCompression: 'none',
  xbzrleCacheBytes: 0,
  flushTlb: false,
  guestWritesLost: null,
  multifdBytes: null,
  xbzrlePages: null,
  xbzrleCacheMiss: null,
  xbzrleOverflow: null,
} as const;
const FEATURE_CHOICES: Readonly<Record<string, readonly string[]>> = {
  fillContent: ['pattern', 'random'],
  pageContent: ['byte', 'zero', 'random', 'delta'],
  multifdCompression: ['none', 'zlib', 'zstd'],
  flushTlb: ['true', 'false'],
};
const TEXT_COLUMNS = ['name', 'qemuVersion', 'accel'] as const;

/**
 * Read measured.csv (as measuredRows() and toCsv() write it) back into the
 * fields the comparison needs. Every record is one line (csv-stringify quotes
 * commas; QEMU's error-desc is one line). Throws an InputError naming the
 * file, line and column of every problem.
 */
export function parseMeasuredCsv(text: string, file: string): MeasuredRun[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { skip_empty_lines: true, info: true, relax_column_count: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new InputError(file, [{ path: '', line: (e as { lines?: number }).lines, message: (e as Error).message }]);
  }
  const header = records[0]?.record ?? [];
  const required = ['outcome', ...NUMBER_COLUMNS, ...OPTIONAL_NUMBER_COLUMNS, ...BOOLEAN_COLUMNS, ...TEXT_COLUMNS];
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new InputError(file, [{ path: '', line: 1, message: `not a calibration measured.csv: missing column(s) ${missing.join(', ')}` }]);
  }
  const problems: InputProblem[] = [];
  const runs: MeasuredRun[] = [];
  records.slice(1).forEach(({ record: cells, info }) => {
    const lineNo = info.lines;
    const problem = (column: string, message: string): void => {
      problems.push({ path: column, line: lineNo, message });
    };
    if (cells.length !== header.length) {
      problem('', `${cells.length} cells, the header has ${header.length}`);
      return;
    }
    const cell = (column: string): string => itemAt(cells, header.indexOf(column));
    const num = (column: string, optional: boolean): number | null => {
      const t = cell(column).trim();
      if (t === '' && optional) return null;
      const v = Number(t);
      if (t === '' || !Number.isFinite(v)) {
        problem(column, `expected a number, found '${t}'`);
        return NaN;
      }
      return v;
    };
    const run: Record<string, unknown> = {};
    for (const c of NUMBER_COLUMNS) run[c] = num(c, false);
    for (const c of OPTIONAL_NUMBER_COLUMNS) run[c] = num(c, true);
    for (const c of BOOLEAN_COLUMNS) {
      const t = cell(c).trim();
      if (t !== 'true' && t !== 'false') problem(c, `expected true or false, found '${t}'`);
      run[c] = t === 'true';
    }
    for (const c of TEXT_COLUMNS) run[c] = cell(c);
    for (const [c, fallback] of Object.entries(FEATURE_DEFAULTS)) {
      if (!header.includes(c)) {
        run[c] = fallback;
        continue;
      }
      const choices = FEATURE_CHOICES[c];
      if (choices !== undefined) {
        const t = cell(c).trim();
        if (!choices.includes(t)) problem(c, `expected one of ${choices.join(' | ')}, found '${t}'`);
        run[c] = typeof fallback === 'boolean' ? t === 'true' : t;
      } else {
        run[c] = num(c, fallback === null);
      }
    }
    const outcome = cell('outcome').trim();
    if (!(OUTCOMES as readonly string[]).includes(outcome)) problem('outcome', `expected one of ${OUTCOMES.join(' | ')}, found '${outcome}'`);
    run.outcome = outcome;
    runs.push(run as unknown as MeasuredRun);
  });
  if (problems.length > 0) throw new InputError(file, problems.slice(0, 12));
  if (runs.length === 0) throw new InputError(file, [{ path: '', message: 'no runs: the file has a header and nothing else' }]);
  return runs;
}
