/**
 * Which charts a report draws when the sweep file has no `charts` section,
 * chosen from the sweep's own axes (manifest.json). A sweep over dirty rate
 * and link bandwidth (the population of the 2011 debate and most sweeps
 * since) gets the six charts built for it. A sweep with other axes (policy
 * constants, RAM sizes, working sets) gets `metric-vs-axis` charts of
 * downtime and total time first, which put those axes on x, colour and
 * panels; the convergence map and the charts against dirty rate / bandwidth
 * only when both of those are axes. docs/report.md says the same for users.
 */
import { DEFAULT_CHARTS, type ChartEntry } from './charts-schema.js';
import { CONCURRENCY_PATHS } from './charts/fleet-sweep.js';
import type { Manifest } from './types.js';

/** The population axes the six default charts are drawn over. */
const RATE_BY_LINK = ['dirtyRateBytesPerSec', 'bandwidthBytesPerSec'];
const OVER_RATE_BY_LINK = new Set<ChartEntry['kind']>(['convergence-map', 'downtime-vs-ratio', 'cost-vs-ratio']);

/** Axis columns of the manifest with more than one value. */
function axisColumns(manifest: Manifest): string[] {
  return (manifest.axes ?? []).filter((a) => typeof a.column === 'string' && Array.isArray(a.values) && a.values.length > 1).map((a) => a.column);
}

export function defaultCharts(manifest: Manifest): ChartEntry[] {
  const axes = axisColumns(manifest);
  const others = axes.filter((c) => !RATE_BY_LINK.includes(c));
  if (others.length === 0) return [...DEFAULT_CHARTS];
  const rateByLink = RATE_BY_LINK.every((c) => axes.includes(c));
  const perAxis: ChartEntry[] = [
    { kind: 'metric-vs-axis', name: 'downtime-vs-axis', metric: 'downtimeMs' },
    { kind: 'metric-vs-axis', name: 'total-time-vs-axis', metric: 'totalTimeMs' },
  ];
  return [...perAxis, ...DEFAULT_CHARTS.filter((e) => rateByLink || !OVER_RATE_BY_LINK.has(e.kind))];
}

/** The charts of a sweep over fleets without a `charts` section: the scatter, the growth with the limit when one is swept, one drain's Gantt. */
export function defaultFleetCharts(axisPaths: readonly string[]): ChartEntry[] {
  const growth: ChartEntry[] = CONCURRENCY_PATHS.some((p) => axisPaths.includes(p)) ? [{ kind: 'growth-with-concurrency' }] : [];
  return [{ kind: 'makespan-vs-p99-downtime' }, ...growth, { kind: 'fleet-gantt' }];
}
