/**
 * runs.parquet as a runs sink of the sweep pipeline (`--format parquet` or
 * `both`): a new run creates the part folder, a resumed run keeps its whole
 * parts (resume.ts) and the writer starts at the first part it lacks,
 * skipping the rows it has when the pool restarts earlier for another runs
 * file or at a scenario's first replicate. The pool must be asked for
 * columns (PoolOptions.columnKinds = columnKinds(grid)).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchResult, Grid, Shard } from '../types.js';
import { ParquetRunsWriter, PART_ROWS, PARTS_DIR } from './part-writer.js';
import { keepWholeParts } from './resume.js';
import { columnKinds, type ColumnKind } from './schema.js';

export interface ParquetSinkContext {
  runDir: string;
  grid: Grid;
  shard: Shard | null;
}

export class ParquetRunsSink {
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

  write(batch: BatchResult): void {
    if (this.writer === null) throw new Error('internal: runs.parquet written before create() or resume()');
    if (batch.columns === undefined) throw new Error('internal: a batch without columns for runs.parquet; run the pool with columnKinds');
    this.writer.append(batch.columns, this.ordinal);
    this.ordinal += batch.columns.rows;
  }

  /** Write the part being filled (an interrupted run's last part is short, and a resume writes it again). */
  close(): void {
    const w = this.writer;
    this.writer = null;
    w?.finish();
  }
}
