/**
 * The output formats of `migsweep compare`, one file each behind one
 * interface (the way hyperfine keeps its exporters); this table is the
 * only place that knows the list.
 */
import type { BenchComparison, Comparison } from '../types.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import { table } from './table.js';

export interface Exporter {
  /** two runs of a sweep */
  runs(c: Comparison): string;
  /** two benchmark results */
  bench(c: BenchComparison): string;
}

export const EXPORTERS = { table, json, markdown } as const satisfies Record<string, Exporter>;
export type ExportFormat = keyof typeof EXPORTERS;
