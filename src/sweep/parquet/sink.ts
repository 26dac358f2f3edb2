/**
 * runs.parquet as a runs sink of the sweep pipeline (`--format parquet` or
 * `both`): a new run creates the part folder, a resumed run keeps its whole
 * parts (resume.ts) and the writer starts at the first part it lacks,
 * skipping the rows it has when the pool restarts earlier for another runs
 * file or at a scenario's first replicate. The pool is asked for columns
 * (PoolOptions.columnKinds, see formats.ts); batches that come with
 * runs.csv text only (a merge) are turned into columns here.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { replayRuns } from '../replay.js';
import type { RunsSinkContext, Sink } from '../sink.js';
import type { BatchResult } from '../types.js';
import { ParquetRunsWriter, PART_ROWS, PARTS_DIR } from './part-writer.js';
import { parquetLineBatches } from './read.js';
import { keepWholeParts } from './resume.js';
import { columnsFromCsvText } from './run-columns.js';
import { columnKinds, type ColumnKind } from './schema.js';

export type ParquetSinkContext = Pick<RunsSinkContext, 'runDir' | 'grid' | 'shard'>;

export class ParquetRunsSink implements Sink {
  readonly name: string;
  readonly kinds: ColumnKind[];
  private writer: ParquetRunsWriter | null = null;
  /** the ordinal of the next batch's first row */
  private ordinal = 0;
  /** rows held in whole parts (after held()) */
  private kept = 0;

  constructor(
    private readonly c: ParquetSinkContext,
    private readonly partRows = PART_ROWS,
  ) {
    this.name = join(c.runDir, PARTS_DIR);
    this.kinds = columnKinds(c.grid);
  }

  create(): void {
    rmSync(this.name, { recursive: true, force: true });
    this.writer = new ParquetRunsWriter(this.c.runDir, this.c.grid.header, this.kinds, 0, this.partRows);
    this.ordinal = 0;
  }

  /** The rows of the whole parts on disk (a short last part and temporary files are removed), and how many of them end a scenario. */
  held(): Promise<{ rows: number; wholeRows: number }> {
    this.kept = keepWholeParts(this.c.runDir, this.c.grid, this.c.shard, this.partRows);
    const r = this.c.grid.replicates;
    return Promise.resolve({ rows: this.kept, wholeRows: Math.floor(this.kept / r) * r });
  }

  /** Continue after the first `done` tasks (at most what held() found: the parts cannot be refilled from elsewhere). */
  resume(done: number): 'kept' {
    if (done > this.kept) throw new Error(`internal: runs.parquet holds ${this.kept} tasks, the run resumes after ${done}; resume at the smallest of the runs files`);
    this.writer = new ParquetRunsWriter(this.c.runDir, this.c.grid.header, this.kinds, this.kept, this.partRows);
    this.ordinal = done;
    return 'kept';
  }

  /** The first `rows` runs read back as batches (for the outputs that start again on a resume of a Parquet-only run). */
  replay(rows: number): AsyncGenerator<BatchResult> {
    return replayRuns(this.name, this.c.grid, rows, parquetLineBatches(this.name));
  }

  write(batch: BatchResult): void {
    if (this.writer === null) throw new Error('internal: runs.parquet written before create() or resume()');
    // the workers send columns; a merge's rows come as runs.csv text
    const columns = batch.columns ?? columnsFromCsvText(batch.text, this.kinds, this.c.grid.header);
    this.writer.append(columns, this.ordinal);
    this.ordinal += columns.rows;
  }

  /** Write the part being filled (an interrupted run's last part is short, and a resume writes it again). */
  close(): void {
    const w = this.writer;
    this.writer = null;
    w?.finish();
  }
}
