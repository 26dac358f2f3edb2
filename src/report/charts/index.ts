/**
 * The chart kinds, one file each, behind one signature; this table is the
 * only place that knows the list (a new chart = a new file + a row here +
 * its kind in charts-schema.ts).
 */
import type { ChartEntry, ChartKind } from '../charts-schema.js';
import type { BuiltChart, ChartContext, SkippedChart } from '../types.js';
import { compareChart } from './compare.js';
import { convergenceMap } from './convergence-map.js';
import { metricVsAxis } from './metric-vs-axis.js';
import { pareto } from './pareto.js';
import { promisedVsReal } from './promised-vs-real.js';
import { timelineChart } from './timeline.js';
import { costVsRatio, downtimeVsRatio } from './versus-ratio.js';
import { fleetGanttChart, growthChart, makespanVsP99Chart } from './fleet-sweep.js';

/**
 * Build one chart from its `charts` entry; `where` names the entry in
 * messages (`charts[2] (pareto)`). A chart with nothing to draw says why;
 * a chart asking for what the run lacks throws an InputError.
 */
export type ChartBuilder<K extends ChartKind> = (entry: ChartEntry & { kind: K }, ctx: ChartContext, where: string) => BuiltChart | SkippedChart;

export const CHARTS: { [K in ChartKind]: ChartBuilder<K> } = {
  'convergence-map': convergenceMap,
  'downtime-vs-ratio': downtimeVsRatio,
  'cost-vs-ratio': costVsRatio,
  pareto,
  'promised-vs-real': promisedVsReal,
  timeline: timelineChart,
  'metric-vs-axis': metricVsAxis,
  compare: compareChart,
  'makespan-vs-p99-downtime': makespanVsP99Chart,
  'growth-with-concurrency': growthChart,
  'fleet-gantt': fleetGanttChart,
};
