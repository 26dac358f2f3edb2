/**
 * The two tables of a sweep over fleets as files, in the formats of
 * `--format` (docs/output.md): runs.csv and runs.parquet/ (a row per
 * fleet), migrations.csv and migrations.parquet/ (a row per VM migration).
 * The Parquet folders are written by the single-VM sweep's part writer
 * (src/sweep/parquet/part-writer.ts): parts of PART_ROWS rows by ordinal,
 * so that the bytes do not depend on workers, shards or a resume. Rows
 * arrive as the runs.csv text the workers make; the Parquet side turns them
 * into columns (columnsFromCsvText), which reads every number back to the
 * same double.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PART_ROWS, PARTS_DIR, ParquetRunsWriter } from '../sweep/parquet/part-writer.js';
import { columnsFromCsvText } from '../sweep/parquet/run-columns.js';
import { INTEGRAL_COLUMNS, type ColumnKind } from '../sweep/parquet/schema.js';
import { RUNS_FILE } from '../sweep/output.js';
import { OutputFile } from '../sweep/sink.js';
import type { OutputFormat } from '../sweep/formats.js';
import { csvText } from '../sweep/csv.js';
import { FLEET_COLUMNS, MIGRATION_COLUMNS } from './sweep-rows.js';
import type { FleetSweep } from './sweep-spec.js';

export const MIGRATIONS_FILE = 'migrations.csv';
export const MIGRATION_PARTS_DIR = 'migrations.parquet';

/** One table: its file names, header and Parquet column types. */
export interface FleetTable {
  name: 'runs' | 'migrations';
  csv: string;
  parts: string;
  header: string[];
  kinds: ColumnKind[];
}

/** Counts the fleet rows hold: whole numbers by construction. */
const FLEET_COUNTS: ReadonlySet<string> = new Set(['fleet', 'vmCount', 'completed', 'aborted', 'unfinished', 'notStarted', 'overSlo', 'attempts', 'retried', 'rounds']);
/** Names and outcomes: text whatever their values. */
const TEXT: ReadonlySet<string> = new Set(['converged', 'name', 'from', 'to', 'outcome', 'stopReason', 'policy', 'workloadPreset']);

/** An axis column's type, from every value the sweep gives it (the cells are the values as written). */
function axisKind(values: readonly unknown[]): ColumnKind {
  if (values.some((v) => typeof v === 'string' || typeof v === 'boolean')) return 'text';
  return values.every((v) => typeof v !== 'number' || Number.isInteger(v)) ? 'int64' : 'double';
}

function kindOf(column: string, table: FleetTable['name']): ColumnKind {
  if (TEXT.has(column) || (table === 'migrations' && column === 'overSlo')) return 'text';
  if (FLEET_COUNTS.has(column) || (table === 'migrations' && INTEGRAL_COLUMNS.has(column))) return 'int64';
  return 'double';
}

/** runs and migrations of a sweep: the fleet's index and swept values lead both. */
export function fleetTables(s: FleetSweep): [FleetTable, FleetTable] {
  const paths = s.axes.flatMap((a) => a.paths);
  const axisKinds = s.axes.flatMap((a) => a.paths.map((_, p) => axisKind(a.values.map((v) => v[p]))));
  const table = (name: FleetTable['name'], csv: string, parts: string, columns: readonly string[]): FleetTable => ({
    name,
    csv,
    parts,
    header: ['fleet', ...paths, ...columns],
    kinds: ['int64', ...axisKinds, ...columns.map((c) => kindOf(c, name))],
  });
  return [table('runs', RUNS_FILE, PARTS_DIR, FLEET_COLUMNS), table('migrations', MIGRATIONS_FILE, MIGRATION_PARTS_DIR, MIGRATION_COLUMNS)];
}

/**
 * A table's files of one format, appended in row order: `create()` for a
 * new run, or `resumeAt(ordinal, partsKept)` to continue after `ordinal`
 * rows when the CSV file is cut there already and the Parquet folder holds
 * its first `partsKept` rows (whole parts; rows below that are skipped).
 */
export class FleetTableFiles {
  private readonly csv: OutputFile | null;
  private parquet: ParquetRunsWriter | null = null;
  private ordinal = 0;

  constructor(
    private readonly runDir: string,
    readonly table: FleetTable,
    private readonly format: OutputFormat,
    private readonly partRows = PART_ROWS,
  ) {
    this.csv = format === 'parquet' ? null : new OutputFile(join(runDir, table.csv));
  }

  get writesParquet(): boolean {
    return this.format !== 'csv';
  }

  create(): void {
    this.csv?.open('w').write(csvText([this.table.header]));
    if (this.writesParquet) {
      rmSync(join(this.runDir, this.table.parts), { recursive: true, force: true });
      this.parquet = this.writer(0);
    }
    this.ordinal = 0;
  }

  resumeAt(ordinal: number, partsKept: number): void {
    this.csv?.open('a');
    if (this.writesParquet) this.parquet = this.writer(partsKept);
    this.ordinal = ordinal;
  }

  /** Rows as runs.csv text (whole lines). */
  append(text: string): void {
    if (text === '') return;
    this.csv?.write(text);
    if (this.parquet !== null) {
      const columns = columnsFromCsvText(Buffer.from(text), this.table.kinds, this.table.header);
      this.parquet.append(columns, this.ordinal);
      this.ordinal += columns.rows;
    }
  }

  close(): void {
    this.csv?.close();
    const w = this.parquet;
    this.parquet = null;
    w?.finish();
  }

  private writer(from: number): ParquetRunsWriter {
    return new ParquetRunsWriter(this.runDir, this.table.header, this.table.kinds, from, this.partRows, this.table.parts);
  }
}
