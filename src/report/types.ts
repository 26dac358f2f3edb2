/** Types shared by the report: the run folder as read back, and what a chart builder gets and returns. */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartEntry } from './charts-schema.js';
import type { RunResult, Scenario, TimelinePoint } from '../engine/types.js';
import type { FleetResult } from '../fleet/simulate-fleet.js';
import type { SampledAxis } from './axis-sample.js';
import type { VariantTally } from './variant-table.js';

/** One CSV cell as read back: empty = null, a number in full = number, else text. */
export type Cell = number | string | null;
export type Row = Record<string, Cell>;

export interface Table {
  columns: string[];
  rows: Row[];
}

/** One axis of the sweep, as the manifest lists it: the scenario path, its CSV column, the values in base units. */
export interface ManifestAxis {
  path: string;
  column: string;
  values: unknown[];
  /** where the axis is written (`axes.vm.ram`, `variants[1].axes.policy[1].passes`): the grid dimension it is */
  source?: string;
  /** the variants the axis applies to */
  variants?: string[];
}

/**
 * What the report reads from manifest.json (the sweep writes more; the
 * report shows any other top-level scalar as it is). Every field is
 * optional so that a report can be drawn from a partial or older manifest.
 */
export interface Manifest {
  name?: string;
  file?: string;
  seed?: number;
  replicates?: number;
  version?: string;
  commit?: string | null;
  node?: string;
  host?: string;
  workers?: number;
  shard?: unknown;
  start?: string;
  end?: string;
  durationMs?: number;
  counts?: { tasks?: number; scenarios?: number; done?: number; errors?: number };
  axes?: ManifestAxis[];
  charts?: unknown;
  sweep?: unknown;
  [key: string]: unknown;
}

/** A finished sweep's output folder, read back for the report (manifest.json and summary.csv; never runs.csv). */
export interface RunFolder {
  dir: string;
  manifest: Manifest;
  /** the summary.csv rows the charts draw: all of them, or those at the sampled axes' kept values */
  summary: Table;
  /** scenarios in summary.csv (rows read, kept or not) */
  scenarios: number;
  /** the axes whose values the charts show only in part (every chart's subtitle says so) */
  sampledAxes: SampledAxis[];
  /** the per-policy table over every scenario of summary.csv */
  variantTable: VariantTally;
  /** per kept row's scenarioId, its row number in summary.csv (0 for the first): the scenario's index in the grid when the folder is a whole sweep */
  rowOrdinals?: Map<string, number>;
}

/** Everything a chart builder may use. Built once per report. */
export interface ChartContext {
  run: RunFolder;
  /** variant names in the sweep's order: the colour domain of every chart */
  variants: string[];
  /** each variant's policy labels; several when the variant has axes of its own */
  policies: Map<string, string[]>;
  /** what one line or panel stands for: the variant, or the policy label when a variant spans several policies */
  seriesField: 'variant' | 'policy';
  /** a sentence when a base's own rate limit is below some links of the sweep (see rateCapNote) */
  rateCapNote: string | null;
  /** columns that describe the workload and link (not the policy): scenarios sharing them compete in the Pareto view */
  conditionColumns: string[];
  /** one workload and link re-simulated with timelines, for the timeline chart; or why there is none */
  timeline?: (entry: ChartEntry & { kind: 'timeline' }) => TimelineExample | { reason: string };
  /** a run of a sweep over fleets: its fleet rows (the single-VM summary is then empty) */
  fleet?: FleetRunData;
}

/** A sweep over fleets read back for the report (src/report/fleet-run.ts). */
export interface FleetRunData {
  name: string;
  /** the swept fleet paths: runs.csv's columns after `fleet` */
  axisPaths: string[];
  /** the runs rows (one per fleet, cells as runs.csv text) at the kept values of the sampled axes */
  rows: Record<string, string>[];
  /** the fleets of the sweep */
  fleets: number;
  /** fleet i re-simulated, and its swept values */
  simulate(i: number): { result: FleetResult; values: [string, unknown][] };
}

/** One workload and link re-simulated with timelines, under one or more policy variants. */
export interface TimelineExample {
  /** the condition in words: "dirty rate 256 MiB/s, link 1 Gbit/s" */
  caption: string;
  /** why this one was picked, in a sentence */
  why: string;
  runs: { variant: string; scenario: Scenario; result: RunResult; points: TimelinePoint[] }[];
}

/** A chart that is not drawn, and why (said in the report). */
export interface SkippedChart {
  skipped: string;
}

/** A chart ready to write: its file name (without extension), its spec, and a line saying what it is for. */
export interface BuiltChart {
  name: string;
  title: string;
  spec: TopLevelSpec;
  /** one or two sentences for the report: what to look at */
  caption: string;
  /** sampled sweep axes whose sampling the chart's subtitle states itself (the report adds a sentence for the others) */
  sampledColumns?: string[];
}
