/**
 * Runs a shard's tasks through a piscina pool in batches and hands the
 * results over strictly in task order, whatever order the batches finish
 * in: runs.csv is the same bytes for any worker count or batch size.
 *
 * - Batches are sized from the measured cost per task to take about
 *   TARGET_BATCH_MS, so the per-message cost is negligible and an
 *   interruption waits little; at the end they shrink so that the workers
 *   finish together. A batch that runs past BATCH_BUDGET_MS returns early.
 * - At most `workers x WINDOW_PER_WORKER` batches are dispatched but not yet
 *   written: that bounds memory, and what a SIGKILL can lose.
 * - A batch whose worker dies (piscina replaces the worker) is rerun task
 *   by task; a task that kills its worker again becomes an error row.
 */
import { itemAt } from '../common/lookup.js';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { concatRunColumns } from './parquet/run-columns.js';
import type { ColumnKind } from './parquet/schema.js';
import { isRawBatch, type RawBatch } from './raw-batch.js';
import { RowWriter } from './rows.js';
import type { BatchRequest, BatchResult, Grid, Shard } from './types.js';
import type { WorkerData } from './worker.js';

/** Aim for batches of this many milliseconds of work. */
export const TARGET_BATCH_MS = 50;
/**
 * A worker stops a batch after the first whole scenario that ends past this
 * (the pool sends the rest again): a batch sized from cheap tasks that meets
 * expensive ones cannot hold the others up for long, since rows are written
 * in task order.
 */
export const BATCH_BUDGET_MS = 2 * TARGET_BATCH_MS;
/** The largest batch (tasks), whatever they cost: bounds one batch's text. */
export const MAX_BATCH = 4096;
/** Batches dispatched per worker before the oldest is written. */
export const WINDOW_PER_WORKER = 4;
const FIRST_BATCH = 8;

export interface PoolOptions {
  grid: Grid;
  shard: Shard | null;
  workers: number;
  /** ordinals [from, to) of the shard's tasks to run */
  from: number;
  to: number;
  /** a fixed batch size (default: adaptive) */
  batchSize?: number;
  /** a batch returns after the first whole scenario past this (default BATCH_BUDGET_MS; tests use 0) */
  budgetMs?: number;
  /** the compiled worker module (tests pass one that wraps the engine) */
  workerFile?: URL;
  /** when given, every batch also brings its rows as columns of these kinds (for runs.parquet) */
  columnKinds?: ColumnKind[] | null;
  /** false: the batches bring no runs.csv text (no runs.csv is written); default true */
  csvText?: boolean;
  /**
   * true: workers only simulate and the main thread writes the rows (raw-batch.ts);
   * default: when there are fewer workers than CPUs, so that the main thread has a core of its own
   */
  mainWritesRows?: boolean;
  /** receives every batch, in task order */
  write(result: BatchResult, start: number, end: number): void;
  /** polled before each dispatch: true = dispatch no more, finish what is running */
  stopping(): boolean;
  /** aborted: stop at once; the batches in flight are dropped (nothing more is written) */
  abort?: AbortSignal;
}

export interface PoolOutcome {
  /** the first ordinal not written */
  reached: number;
  /** worker deaths seen (each replaced by piscina) */
  workerDeaths: number;
}

export const DEFAULT_WORKER = new URL('./worker.js', import.meta.url);

/**
 * Batch sizes from the cost per task measured so far, in whole scenarios
 * (multiples of the replicates), so that a worker can summarise its batch.
 */
export class BatchSizer {
  private msPerTask = NaN;
  constructor(
    private readonly fixed: number | undefined,
    private readonly workers: number,
    private readonly replicates: number,
  ) {}
  next(remaining: number): number {
    const r = this.replicates;
    const whole = (n: number) => Math.max(r, Math.round(n / r) * r);
    if (this.fixed !== undefined) return Math.min(whole(this.fixed), remaining);
    const want = Number.isNaN(this.msPerTask) ? FIRST_BATCH : Math.round(TARGET_BATCH_MS / Math.max(this.msPerTask, 1e-6));
    // near the end, split what is left so that every worker gets a share
    const share = Math.ceil(remaining / (this.workers * 2));
    return Math.min(whole(Math.min(want, MAX_BATCH, share)), remaining);
  }
  observe(tasks: number, ms: number): void {
    if (tasks === 0) return;
    const per = ms / tasks;
    this.msPerTask = Number.isNaN(this.msPerTask) ? per : 0.7 * this.msPerTask + 0.3 * per;
  }
}

export async function runPool(o: PoolOptions): Promise<PoolOutcome> {
  const raw = o.mainWritesRows ?? o.workers < availableParallelism();
  const workerData: WorkerData = { grid: o.grid, shard: o.shard, columnKinds: o.columnKinds ?? null, csvText: o.csvText ?? true, raw };
  const pool = new Piscina<BatchRequest, BatchResult | RawBatch>({
    filename: (o.workerFile ?? DEFAULT_WORKER).href,
    minThreads: o.workers,
    maxThreads: o.workers,
    idleTimeout: 60_000,
    workerData,
    // the next batch waits in the worker's own queue: no round trip (and idle thread) between two batches
    concurrentTasksPerWorker: 2,
  });
  if (o.from % o.grid.replicates !== 0) throw new Error(`internal: the pool must start at a scenario's first replicate, not at task ${o.from}`);
  const sizer = new BatchSizer(o.batchSize, o.workers, o.grid.replicates);
  const rows = new RowWriter(o.grid, o.shard, o.columnKinds ?? null, o.csvText ?? true);
  let workerDeaths = 0;

  // A batch whose worker died is rerun task by task in a pool of one thread that
  // holds one task at a time, so that only the task that kills a worker is blamed
  // (in the main pool another batch may sit in the dying worker's queue).
  /** a worker's batch as the sinks take it: a raw one is written here (the same RowWriter a worker uses) */
  const rowsOf = (start: number, r: BatchResult | RawBatch): BatchResult => (isRawBatch(r) ? rows.replay(start, r) : r);
  let isolation: Piscina<BatchRequest, BatchResult | RawBatch> | null = null;
  const alone = async (ordinal: number): Promise<BatchResult> => {
    if (isolation === null) {
      isolation = new Piscina<BatchRequest, BatchResult | RawBatch>({ filename: (o.workerFile ?? DEFAULT_WORKER).href, minThreads: 1, maxThreads: 1, workerData });
      isolation.on('error', onPoolError);
    }
    try {
      return rowsOf(ordinal, await isolation.run({ start: ordinal, end: ordinal + 1 }));
    } catch (e) {
      return rows.failed(ordinal, `worker failed on this task: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  // once settled (all written, a write failed, or aborted) no batch is written or rerun any more
  let settled = false;
  // piscina emits 'error' for a result that arrives after destroy() dropped its task (a batch in flight
  // when a write failed or a second Ctrl-C aborted): expected then; before that, a failure of the run
  let failed: (e: unknown) => void = () => {};
  const onPoolError = (e: unknown) => {
    if (!settled) failed(e);
  };
  pool.on('error', onPoolError);
  const run = async (start: number, end: number): Promise<BatchResult> => {
    let r: BatchResult | RawBatch;
    try {
      r = await pool.run({ start, end, budgetMs: o.budgetMs ?? BATCH_BUDGET_MS });
    } catch (e) {
      if (settled) throw e;
      workerDeaths++;
      const r = concat(await Promise.all(Array.from({ length: end - start }, (_, i) => alone(start + i))));
      if (rows.wholeScenarios(start, end)) r.summary = rows.summarise(start, end, r.status, r.metrics);
      return r;
    }
    sizer.observe(r.end - start, r.ms);
    return rowsOf(start, r);
  };

  try {
    return await new Promise<PoolOutcome>((resolveOnce, rejectOnce) => {
      const resolve = (r: PoolOutcome) => {
        if (!settled) resolveOnce(r);
        settled = true;
      };
      const reject = (e: unknown) => {
        if (!settled) rejectOnce(e);
        settled = true;
      };
      failed = reject;
      let next = o.from;
      let written = o.from;
      o.abort?.addEventListener('abort', () => resolve({ reached: written, workerDeaths }), { once: true });
      let open = 0;
      // the rest of batches that ran out of budget: sent again first (also when stopping: they fill the gaps)
      const rest: [number, number][] = [];
      const ready = new Map<number, { end: number; result: BatchResult }>();
      const window = o.workers * WINDOW_PER_WORKER;
      const dispatch = (start: number, end: number) => {
        open++;
        run(start, end).then((result) => {
          if (settled) return;
          if (result.end < end) {
            rest.push([result.end, end]);
            rest.sort((a, b) => a[0] - b[0]); // the earliest first: it holds up the writing
          }
          ready.set(start, { end: result.end, result });
          try {
            for (let r = ready.get(written); r !== undefined; r = ready.get(written)) {
              ready.delete(written);
              o.write(r.result, written, r.end);
              written = r.end;
              open--;
            }
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
            return;
          }
          pump();
        }, reject);
      };
      const pump = () => {
        while (open < window) {
          const again = rest.shift();
          if (again) dispatch(again[0], again[1]);
          else if (next < o.to && !o.stopping()) {
            const start = next;
            next = start + sizer.next(o.to - start);
            dispatch(start, next);
          } else break;
        }
        if (open === 0 && rest.length === 0) resolve({ reached: written, workerDeaths });
      };
      pump();
    });
  } finally {
    await pool.destroy();
    await (isolation as Piscina<BatchRequest, BatchResult | RawBatch> | null)?.destroy();
  }
}

/** Batches one after the other (their summaries are redone by the caller when they hold whole scenarios). */
function concat(parts: BatchResult[]): BatchResult {
  const join = <T extends Uint8Array | Uint16Array | Float64Array>(make: (n: number) => T, pick: (p: BatchResult) => T): T => {
    const out = make(parts.reduce((n, p) => n + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  return {
    end: itemAt(parts, parts.length - 1).end,
    text: Buffer.concat(parts.map((p) => p.text)),
    summary: new Uint8Array(0),
    status: join(
      (n) => new Uint8Array(n),
      (p) => p.status,
    ),
    variant: join(
      (n) => new Uint16Array(n),
      (p) => p.variant,
    ),
    metrics: join(
      (n) => new Float64Array(n),
      (p) => p.metrics,
    ),
    ...(parts[0]?.columns ? { columns: concatRunColumns(parts.map((p) => p.columns!)) } : {}),
    ms: parts.reduce((n, p) => n + p.ms, 0),
  };
}
