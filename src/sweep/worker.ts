/**
 * The piscina worker: gets the grid once (workerData), then batches of task
 * ordinals, and returns each batch as CSV text plus one status byte per task
 * (one string and one typed array per message, never an object per row),
 * or, when the main thread writes the rows (raw-batch.ts), as numbers.
 * An exception inside the engine becomes the task's error row.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { simulate } from '../engine/index.js';
import { runColumnBuffers } from './parquet/run-columns.js';
import type { ColumnKind } from './parquet/schema.js';
import { RawRunner } from './raw-batch.js';
import { RowWriter, type Simulate } from './rows.js';
import type { BatchRequest, BatchResult, Grid, Shard } from './types.js';

export interface WorkerData {
  grid: Grid;
  shard: Shard | null;
  /** the kinds of the runs.parquet columns when the batches must bring their rows as columns too */
  columnKinds?: ColumnKind[] | null;
  /** false when no runs.csv is written: the batches bring no CSV text */
  csvText?: boolean;
  /** true: the batches bring their results as numbers (RawBatch) and the main thread writes the rows */
  raw?: boolean;
}

/** A batch handler around a simulate function (tests wrap the engine to make it throw or die). */
export function batchHandler(run: Simulate): (req: BatchRequest) => unknown {
  let writer: RowWriter | null = null;
  let runner: RawRunner | null = null;
  return (req) => {
    const data = workerData as WorkerData;
    if (data.raw === true) {
      runner ??= rawRunner(data);
      const raw = runner.batch(req.start, req.end, run, req.budgetMs);
      return move({ [transferableSymbol]: [raw.numbers.buffer, raw.textAt.buffer], [valueSymbol]: raw });
    }
    writer ??= new RowWriter(data.grid, data.shard, data.columnKinds ?? null, data.csvText ?? true);
    const r: BatchResult = writer.batch(req.start, req.end, run, req.budgetMs);
    // every array has a buffer of its own: hand them over instead of copying
    const buffers = [r.text.buffer, r.summary.buffer, r.status.buffer, r.variant.buffer, r.metrics.buffer, ...(r.columns ? runColumnBuffers(r.columns) : [])];
    return move({ [transferableSymbol]: buffers, [valueSymbol]: r });
  };
}

/** The worker also writes each scenario's texts (the main thread reads the Parquet columns' parameter cells back from them). */
function rawRunner(data: WorkerData): RawRunner {
  const texts = new RowWriter(data.grid, data.shard);
  return new RawRunner(data.grid, data.shard, (index) => texts.scenarioRows(index));
}

export default batchHandler(simulate);
