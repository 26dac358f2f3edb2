/**
 * What the sweep's worker does with no main thread at all: the batches of
 * bench/sweeps/million.yaml run in this thread as a worker runs them when
 * the main thread writes the rows (RawRunner with each scenario's texts,
 * raw-batch.ts: build the scenario, simulate, keep the metrics as numbers),
 * with no pool, no message and no output. Next to the engine alone
 * (engine-alone.ts: simulate() only, scenarios built untimed) it says how
 * much of a 1-worker sweep's time is the worker's own share of the harness.
 */
import { simulate } from '../src/engine/index.js';
import { RawRunner } from '../src/sweep/raw-batch.js';
import { RowWriter } from '../src/sweep/rows.js';
import { MAX_BATCH } from '../src/sweep/pool.js';
import { loadSweep } from '../src/sweep/session.js';

/** Wall time of the worker's batches over every task of the sweep file. */
export function workerAlone(file: string): { ms: number; tasks: number } {
  const { grid } = loadSweep(file);
  const texts = new RowWriter(grid, null);
  const runner = new RawRunner(grid, null, (index) => texts.scenarioRows(index));
  const batch = Math.max(grid.replicates, Math.floor(MAX_BATCH / grid.replicates) * grid.replicates);
  const t0 = performance.now();
  for (let from = 0; from < grid.tasks; from += batch) runner.batch(from, Math.min(grid.tasks, from + batch), simulate);
  return { ms: performance.now() - t0, tasks: grid.tasks };
}
