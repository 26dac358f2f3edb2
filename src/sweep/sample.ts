/**
 * What a task costs before the sweep starts: run a few tasks here, spread
 * over the shard, and measure their time and the bytes of their rows. The
 * time sizes the --yes guard; the bytes the disk check (disk.ts).
 */
import { simulate } from '../engine/index.js';
import { summaryHeader } from './aggregate.js';
import { shardTaskCount } from './grid.js';
import { RowWriter } from './rows.js';
import type { Grid, Shard } from './types.js';

export interface TaskCost {
  /** mean time of a task here (one thread), ms */
  msPerTask: number;
  /** mean bytes a task adds to runs.csv */
  runsBytesPerTask: number;
  /** mean bytes a task adds to summary.csv (its scenario's row over the replicates) */
  summaryBytesPerTask: number;
  /** tasks run */
  sampled: number;
}

/** Up to `tasks` first replicates spread over the shard, within about `budgetMs` (at least one task). */
export function sampleTasks(grid: Grid, shard: Shard | null, tasks = 8, budgetMs = 300): TaskCost {
  const scenarios = shardTaskCount(grid, shard) / grid.replicates;
  const n = Math.max(1, Math.min(tasks, scenarios));
  const writer = new RowWriter(grid, shard);
  const t0 = performance.now();
  let ran = 0;
  let runsBytes = 0;
  for (let i = 0; i < n && (ran === 0 || performance.now() - t0 < budgetMs); i++) {
    const o = Math.floor((i * scenarios) / n) * grid.replicates;
    runsBytes += writer.batch(o, o + 1, simulate).text.length;
    ran++;
  }
  const ms = performance.now() - t0;
  const runsBytesPerTask = runsBytes / Math.max(1, ran);
  // a summary row has ~summaryHeader/header times the cells of a runs row, of about the same width
  const summaryRow = (runsBytesPerTask * summaryHeader(grid).length) / grid.header.length;
  return { msPerTask: ms / Math.max(1, ran), runsBytesPerTask, summaryBytesPerTask: summaryRow / grid.replicates, sampled: ran };
}
