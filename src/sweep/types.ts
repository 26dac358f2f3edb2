/**
 * Types shared by the sweep stage: the sweep file as read, the grid it
 * expands to (what the workers get), batches, and the run folder's manifest.
 */
import type { Scenario } from '../engine/types.js';
import type { PathSegment } from '../scenario/path.js';
import type { RunColumns } from './parquet/run-columns.js';

/** A range axis as written: `{ from: 1MiB/s, to: 2GiB/s, steps: 15, scale: log }`. */
export interface RangeSpec {
  from: number | string;
  to: number | string;
  steps?: number;
  step?: number | string;
  scale?: 'linear' | 'log';
  round?: boolean;
}

/** An axis as written: a list of values or a range. */
export type AxisSpec = unknown[] | RangeSpec;

export interface VariantSpec {
  name: string;
  description?: string;
  set?: Record<string, unknown>;
  axes?: Record<string, AxisSpec>;
  zip?: Record<string, AxisSpec>[];
}

/** A sweep file after the structural check (spec.ts), before its scenarios are validated. */
export interface SweepSpec {
  name?: string;
  description?: string;
  seed?: number;
  replicates?: number;
  base: Record<string, unknown>;
  axes?: Record<string, AxisSpec>;
  zip?: Record<string, AxisSpec>[];
  variants?: VariantSpec[];
  charts?: unknown[];
}

/**
 * One dimension of a variant's grid: an axis, or a zip group whose paths
 * advance together. `values[i][k]` is value i of path k, parsed to base
 * units (a number, or a subtree for an axis that replaces a mapping).
 */
export interface GridDim {
  /** where the dimension is written, e.g. `axes.workload.dirtyRate`, `zip[0]`, `variants[1].axes.policy[1].passes` */
  source: string;
  /** scenario paths as written (`policy[1].passes`) */
  paths: string[];
  /** the same paths as segments into a validated Scenario (a single policy is `policy[0]`) */
  segments: PathSegment[][];
  values: unknown[][];
  /** `JSON.stringify` of each value, for stable ids */
  keys: string[][];
  /** true when the dimension belongs to the variant, not to the whole sweep */
  own: boolean;
}

export interface GridVariant {
  name: string;
  /** the policy label of the variant's first scenario */
  policy: string;
  /** base + the variant's `set`, validated, in base units */
  base: Scenario;
  dims: GridDim[];
  /** product of the dimensions' lengths */
  scenarios: number;
  /** index of the variant's first scenario in the sweep */
  offset: number;
  /** [dim, path] pairs in the order they are applied: shallow paths first, so a deeper axis refines a mapping another one set */
  applyOrder: [number, number][];
  /** [dim, path] pairs sorted by path: the order they enter the scenario id */
  idOrder: [number, number][];
}

/** A sweep expanded: everything needed to build any task's scenario, id and seed. Plain data (sent to the workers). */
export interface Grid {
  name: string;
  seed: number;
  replicates: number;
  variants: GridVariant[];
  scenarios: number;
  tasks: number;
  /** the union of scenario parameter columns over all variants, in a deterministic order */
  paramColumns: string[];
  /** the runs.csv header */
  header: string[];
}

/** Which part of a sweep this process runs: scenarios g with g % count === index. */
export interface Shard {
  index: number;
  count: number;
  /** where the shard came from: `--shard`, `JOB_COMPLETION_INDEX`, `SLURM_ARRAY_TASK_ID` */
  from: string;
}

/**
 * Work for one worker call: the shard's task ordinals [start, end). With a
 * budget the worker stops after the first whole scenario that ends past it
 * and says where (BatchResult.end); the pool sends the rest again.
 */
export interface BatchRequest {
  start: number;
  end: number;
  budgetMs?: number;
}

/** Per-task status codes a batch returns next to its CSV text. */
export const STATUS = { completed: 0, aborted: 1, unfinished: 2, error: 3 } as const;

/**
 * What a worker returns for a batch: the bytes of each output file and a
 * few typed arrays, all transferred, never an object per row. `text` holds
 * the runs.csv rows (UTF-8); `summary` the summary.csv rows of the batch's
 * scenarios (batches hold whole scenarios); `metrics` the SUMMARY_METRICS
 * of each task, NaN for an empty cell.
 */
export interface BatchResult {
  /** the first task not done (= the request's end unless the budget ran out) */
  end: number;
  text: Uint8Array;
  summary: Uint8Array;
  status: Uint8Array;
  variant: Uint16Array;
  metrics: Float64Array;
  /** the rows as columns, for runs.parquet (only when the pool was asked for them) */
  columns?: RunColumns;
  ms: number;
}

/** One row of the terminal table: a variant's outcome over all its runs. */
export interface VariantSummary {
  variant: string;
  runs: number;
  errors: number;
  completedShare: number | null;
  totalTimeMsMedian: number | null;
  downtimeMsMedian: number | null;
  downtimeMsP95: number | null;
  transferFactorMedian: number | null;
  /** the medians and p95 are from a sketch (more runs than QuantileStore keeps exactly): within RELATIVE_ACCURACY */
  approximate?: boolean;
}
