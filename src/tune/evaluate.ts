/**
 * Evaluating candidates: each candidate's runs over the whole population,
 * in the main thread (workers: 0) or through a piscina pool of tune workers
 * (src/tune/worker.ts) in slices of the population. Every run's numbers
 * land at the run's own place, so the result is the same for any worker
 * count or slice size.
 */
import { Piscina } from 'piscina';
import type { Constants } from './runs.js';
import { SCENARIO_RUNS, type RunTable } from './statistic.js';
import { simulateSlice, type TuneBatch, type TuneWorkerData } from './worker.js';

/** Runs per worker message: big enough that the message costs little, small enough that a few candidates spread over the workers. */
const SLICE_RUNS = 64;

export interface Evaluator {
  /**
   * The runs (the run table's width of numbers each, population order) of each candidate;
   * null for a candidate whose slices `signal` aborted (Ctrl-C): piscina
   * drops its queued slices and ends the worker threads running them.
   */
  evaluate(candidates: readonly Constants[], signal?: AbortSignal): Promise<(Float64Array | null)[]>;
  close(): Promise<void>;
}

export function createEvaluator(population: unknown[], workers: number, table: RunTable = SCENARIO_RUNS): Evaluator {
  const workerData: TuneWorkerData = { population, kind: table.kind };
  const width = table.width;
  if (workers <= 0)
    return {
      evaluate: (cands) => Promise.resolve(cands.map((c) => simulateSlice(workerData, c, 0, population.length))),
      close: () => Promise.resolve(),
    };
  const pool = new Piscina<TuneBatch, Float64Array>({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData,
  });
  return {
    async evaluate(cands, signal) {
      return Promise.all(
        cands.map(async (constants) => {
          if (signal?.aborted) return null;
          const out = new Float64Array(population.length * width);
          const slices: Promise<void>[] = [];
          for (let from = 0; from < population.length; from += SLICE_RUNS) {
            const to = Math.min(population.length, from + SLICE_RUNS);
            slices.push(pool.run({ constants, from, to }, { signal: signal ?? null }).then((part) => out.set(part, from * width)));
          }
          // every slice settles before the candidate does (none left writing into `out`)
          const settled = await Promise.allSettled(slices);
          const failed = settled.find((r) => r.status === 'rejected');
          if (failed === undefined) return out;
          if (signal?.aborted) return null;
          throw failed.reason;
        }),
      );
    },
    close: () => pool.destroy(),
  };
}
