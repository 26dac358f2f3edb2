/**
 * `--format csv|parquet|both`: which runs files a sweep (or a merge)
 * writes. Each runs format is one sink (sink.ts); RUNS_SINKS is the only
 * place a format is wired in (the Parquet writer adds its row here).
 * summary.csv, manifest.json and the report do not depend on the format.
 */
import { InputError, suggest } from '../common/errors.js';
import { ParquetRunsSink } from './parquet/sink.js';
import { columnKinds, type ColumnKind } from './parquet/schema.js';
import { CsvRunsSink } from './runs-csv-sink.js';
import type { RunsSinkContext, Sink } from './sink.js';
import type { Grid } from './types.js';

export const OUTPUT_FORMATS = ['csv', 'parquet', 'both'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const DEFAULT_FORMAT: OutputFormat = 'csv';

/** The runs files of each format. */
const RUNS_FILES_OF: Record<OutputFormat, readonly RunsFileFormat[]> = { csv: ['csv'], parquet: ['parquet'], both: ['csv', 'parquet'] };
type RunsFileFormat = 'csv' | 'parquet';

/** The sink that writes each runs file format; a format without one is refused as not available yet. */
const RUNS_SINKS: Partial<Record<RunsFileFormat, (c: RunsSinkContext) => Sink>> = {
  csv: (c) => new CsvRunsSink(c),
  parquet: (c) => new ParquetRunsSink(c),
};

/** Whether the workers must send each batch's rows as runs.csv text (PoolOptions.csvText): only when runs.csv is written. */
export function batchCsvText(format: OutputFormat): boolean {
  return RUNS_FILES_OF[format].includes('csv');
}

/** The column kinds the workers must send each batch's rows in (PoolOptions.columnKinds), or null when no runs file of the format needs columns. */
export function batchColumnKinds(format: OutputFormat, grid: Grid): ColumnKind[] | null {
  return RUNS_FILES_OF[format].includes('parquet') ? columnKinds(grid) : null;
}

/** A `--format` value, or an InputError (exit 2) naming the nearest valid one. */
export function parseFormat(text: string, flag = '--format'): OutputFormat {
  const t = text.trim().toLowerCase();
  if ((OUTPUT_FORMATS as readonly string[]).includes(t)) return t as OutputFormat;
  throw new InputError(flag, [{ path: '', message: `unknown format '${text}'${suggest(t, OUTPUT_FORMATS)} (expected one of ${OUTPUT_FORMATS.join(', ')})` }]);
}

/** The runs sinks of a format, in a fixed order (CSV first: the resume point is read from it). */
export function runsSinks(format: OutputFormat, c: RunsSinkContext): Sink[] {
  return RUNS_FILES_OF[format].map((f) => {
    const make = RUNS_SINKS[f];
    if (make === undefined) throw new InputError('--format', [{ path: '', message: `the ${f} output is not available yet in this version of migsweep; use --format csv` }]);
    return make(c);
  });
}
