/**
 * A metric against any axis of the sweep: x is one axis, one line per
 * value of a second (or per variant), one panel per value of up to two
 * more; every other axis is folded (the median over its values) and the
 * subtitle says so. This is the chart of a sweep over policy constants:
 * downtime and total time against the downtime limit, one line per
 * auto-converge increment, one panel per RAM size and dirty rate
 * (sweeps/examples/policy-constants.yaml; docs/report.md).
 *
 * The data are aggregated here, not in vega: one row per point drawn, so the
 * spec's size is that of the chart, never that of the sweep.
 */
import { median } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import { MAX_COLOR_LINES, MAX_FACET_PANELS } from '../chart-limits.js';
import { evenlySpaced } from '../axis-sample.js';
import type { ChartEntry } from '../charts-schema.js';
import { distinct, requireColumns } from '../table.js';
import { NUMBER_FORMAT, columnName, formatColumnValue, logAxis, showField } from '../units.js';
import type { BuiltChart, ChartContext, Cell, Row, SkippedChart } from '../types.js';
import { CONFIG, SCHEMA_URL, capital, wrapLines } from './style.js';

type Entry = ChartEntry & { kind: 'metric-vs-axis' };

/** Panels in a row when one column is drawn as panels: three of 240 px fit a page beside the legend. */
const WRAP_PANELS = 3;
/** The series column: a name, shown as it is. */
const SERIES = new Set(['variant']);

/**
 * The dimensions of a sweep a chart can put on x, colour or panels, most
 * values first: the manifest's axes that apply to every variant and take
 * more than one value among the rows, then the variant when there are
 * several.
 */
export function sweepDimensions(ctx: ChartContext): string[] {
  const rows = ctx.run.summary.rows;
  const axes = (ctx.run.manifest.axes ?? [])
    .filter((a) => typeof a.column === 'string' && ctx.run.summary.columns.includes(a.column))
    .filter((a) => !Array.isArray(a.variants) || ctx.variants.every((v) => a.variants!.includes(v)))
    .map((a) => a.column)
    .filter((c, i, all) => all.indexOf(c) === i && distinct(rows, c).length > 1);
  axes.sort((a, b) => distinct(rows, b).length - distinct(rows, a).length);
  // the variants, not their policy labels: a label that changes with a policy-constant axis would repeat that axis
  const series = ctx.variants.length > 1 ? ['variant'] : [];
  return [...axes, ...series];
}

/** The columns for x, colour and panels: those asked for, the rest by the rule of sweepDimensions (x: the numeric axis with most values). */
export function assignDimensions(
  entry: Pick<Entry, 'x' | 'color' | 'facet'>,
  dims: readonly string[],
  rows: readonly Row[],
): { x: string | null; color: string | null; facets: string[]; folded: string[] } {
  const numeric = (c: string) => rows.some((r) => typeof r[c] === 'number');
  const asked = [entry.x, entry.color, ...(Array.isArray(entry.facet) ? entry.facet : [entry.facet])].filter((c): c is string => typeof c === 'string' && c !== 'none');
  const free = dims.filter((d) => !asked.includes(d));
  const take = (pred: (c: string) => boolean) => {
    const i = free.findIndex(pred);
    return i < 0 ? null : free.splice(i, 1)[0]!;
  };
  const x = entry.x ?? take((c) => !SERIES.has(c) && numeric(c));
  // with several variants the lines are the variants: a policy is what a reader compares
  const color = entry.color === 'none' ? null : (entry.color ?? take((c) => SERIES.has(c)) ?? take(() => true));
  let facets: string[];
  if (entry.facet === 'none') facets = [];
  else if (entry.facet !== undefined) facets = Array.isArray(entry.facet) ? [...entry.facet] : [entry.facet];
  else facets = [take(() => true), take(() => true)].filter((c): c is string => c !== null);
  return { x, color, facets, folded: free };
}

/** A dimension's values in order (numbers ascending, names as first seen), sampled to `max` with a sentence when some are left out. */
function shownValues(rows: readonly Row[], col: string, max: number, role: string): { values: Cell[]; left: string | null } {
  const all = distinct(rows, col);
  if (all.every((v) => typeof v === 'number')) all.sort((a, b) => a - b);
  if (all.length <= max) return { values: all, left: null };
  const values = evenlySpaced(all, max);
  return { values, left: `${role}: ${max} of the ${all.length} values of ${columnName(col)} (evenly spaced); the others are not drawn.` };
}

/** `a`, `a and b`, `a, b and c`. */
function wordList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const label = (col: string, v: Cell) => (SERIES.has(col) ? String(v) : formatColumnValue(col, v));

export function metricVsAxis(entry: Entry, ctx: ChartContext, where: string): BuiltChart | SkippedChart {
  const metric = entry.metric ?? 'downtimeMs';
  const stat = entry.stat ?? 'median';
  const value = `${metric}_${stat}`;
  const { summary } = ctx.run;
  const explicit = [entry.x, entry.color, ...(Array.isArray(entry.facet) ? entry.facet : [entry.facet])].filter((c): c is string => typeof c === 'string' && c !== 'none');
  requireColumns(summary, 'summary.csv', where, ['completedShare', value, ...explicit]);
  const dims = assignDimensions(entry, sweepDimensions(ctx), summary.rows);
  if (dims.x === null) return { skipped: 'the sweep has no axis with more than one number to draw along x' };
  const notes: string[] = [];
  const colorShown = dims.color ? shownValues(summary.rows, dims.color, MAX_COLOR_LINES, 'Lines') : null;
  const facetShown = dims.facets.map((c) => shownValues(summary.rows, c, MAX_FACET_PANELS, 'Panels'));
  for (const s of [colorShown, ...facetShown]) if (s?.left) notes.push(s.left);
  const keepValue = (col: string | null, shown: { values: Cell[] } | null, r: Row) => col === null || shown === null || shown.values.includes(r[col] ?? null);
  // one point per x, line and panel: the median over the folded axes of each scenario's statistic
  const groups = new Map<string, { row: Row; values: number[]; completed: number[] }>();
  const keyCols = [dims.x, ...(dims.color ? [dims.color] : []), ...dims.facets];
  for (const r of summary.rows) {
    if (!keepValue(dims.color, colorShown, r) || dims.facets.some((c, i) => !keepValue(c, facetShown[i]!, r))) continue;
    if (typeof r[dims.x] !== 'number') continue;
    const key = JSON.stringify(keyCols.map((c) => r[c]));
    let g = groups.get(key);
    if (g === undefined) {
      g = { row: Object.fromEntries(keyCols.map((c) => [c, r[c] ?? null])), values: [], completed: [] };
      groups.set(key, g);
    }
    const share = typeof r.completedShare === 'number' ? r.completedShare : 0;
    g.completed.push(share);
    // a scenario that mostly did not complete has no downtime to speak of: it leaves a gap
    if (share >= 0.5 && typeof r[value] === 'number') g.values.push(r[value]);
  }
  // panels: the first facet column across, the second down, each headed `RAM 4 GiB`
  const panelLabel = (col: string, v: Cell) => `${SERIES.has(col) ? '' : `${columnName(col)} `}${label(col, v)}`;
  const data: Row[] = [...groups.values()].map((g) => ({
    ...g.row,
    ...(dims.color ? { line: label(dims.color, g.row[dims.color] ?? null) } : {}),
    ...Object.fromEntries(dims.facets.map((c, i) => [`panel${i}`, panelLabel(c, g.row[c] ?? null)])),
    [value]: g.values.length ? median(g.values) : null,
    completedShare: median(g.completed),
    scenarios: g.completed.length,
  }));
  const ys = data.map((d) => d[value]).filter((v): v is number => typeof v === 'number');
  if (ys.length === 0) return { skipped: `no scenario completed, so there is no ${columnName(metric)} to draw` };
  const xsAll = data.map((d) => d[dims.x!]).filter((v): v is number => typeof v === 'number');
  const xs = showField(dims.x, xsAll);
  const yv = showField(metric, ys, { source: value });
  const xLog = xs.log ? logAxis(dims.x, xsAll, xs.unit.factor) : null;
  const yLog = yv.log ? logAxis(metric, ys, yv.unit.factor) : null;
  if (dims.folded.length)
    notes.push(
      `Folded: each point is the median over ${wordList(dims.folded.map((c) => `the ${distinct(summary.rows, c).length} values of ${columnName(c)}`))} (not drawn separately).`,
    );
  const sort = (col: string, shown: { values: Cell[] }) => shown.values.map((v) => label(col, v));
  const encoding: Record<string, unknown> = {
    x: {
      field: xs.field,
      type: 'quantitative',
      title: xLog && dims.x.endsWith('Ms') ? columnName(dims.x) : xs.title,
      scale: xs.log ? { type: 'log', ...(xLog?.domain ? { domain: xLog.domain, nice: false } : {}) } : { zero: false },
      axis: xLog?.axis ?? { format: NUMBER_FORMAT },
    },
    y: {
      field: yv.field,
      type: 'quantitative',
      title: `${stat} ${yLog && metric.endsWith('Ms') ? columnName(metric) : yv.title}`,
      scale: yv.log ? { type: 'log', ...(yLog?.domain ? { domain: yLog.domain, nice: false } : {}) } : { zero: true },
      axis: yLog?.axis ?? { format: NUMBER_FORMAT },
    },
    tooltip: [
      { field: xs.field, type: 'quantitative', title: xs.title, format: NUMBER_FORMAT },
      { field: yv.field, type: 'quantitative', title: `${stat} ${yv.title}`, format: NUMBER_FORMAT },
      ...(dims.color ? [{ field: 'line', type: 'nominal', title: columnName(dims.color) }] : []),
      ...dims.facets.map((_, i) => ({ field: `panel${i}`, type: 'nominal', title: 'panel' })),
      { field: 'completedShare', type: 'quantitative', title: 'completed', format: '.0%' },
      { field: 'scenarios', type: 'quantitative', title: 'scenarios in this point' },
    ],
    ...(dims.color && colorShown
      ? {
          color: {
            field: 'line',
            type: 'ordinal',
            title: columnName(dims.color),
            sort: sort(dims.color, colorShown),
            scale: { scheme: SERIES.has(dims.color) ? 'category10' : 'viridis' },
          },
        }
      : {}),
  };
  const layers: unknown[] = [
    { mark: { type: 'line', strokeWidth: 1.6 }, encoding },
    { mark: { type: 'point', filled: true, size: 22 }, encoding },
  ];
  // downtime against the downtime limit: the line where the policy kept its promise
  if (dims.x === 'downtimeLimitMs' && (metric === 'downtimeMs' || metric === 'expectedDowntimeMs') && xs.unit.factor === yv.unit.factor) {
    layers.push({
      transform: [{ calculate: `datum[${JSON.stringify(xs.field)}]`, as: 'limit' }],
      mark: { type: 'line', color: '#888', strokeDash: [4, 3], strokeWidth: 1 },
      encoding: { x: encoding.x, y: { field: 'limit', type: 'quantitative' } },
    });
    notes.push('Dashed: downtime equal to the limit (below it, the policy kept its promise).');
  }
  const title = entry.title ?? `${capital(stat)} ${columnName(metric)} against ${columnName(dims.x)}`;
  const subtitle = [
    `x: ${columnName(dims.x)}${xs.log ? ' (log scale)' : ''}; y: the ${stat} ${columnName(metric)} over each scenario's replicates${yv.log ? ' (log scale)' : ''}.`,
    `${dims.color ? `One line per ${columnName(dims.color)}` : 'One line'}${dims.facets.length ? `; one panel per ${wordList(dims.facets.map(columnName))}` : ''}. Gaps: most replicates did not complete.`,
    ...notes,
  ];
  const panelField = (i: number) => ({ field: `panel${i}`, type: 'ordinal', title: null, sort: facetShown[i]!.values.map((v) => panelLabel(dims.facets[i]!, v)) });
  // one panel column: panels wrap at WRAP_PANELS a row (six in a row are wider than a page); two: across and down
  const facetSpec = dims.facets.length === 1 ? panelField(0) : dims.facets.length === 2 ? { column: panelField(0), row: panelField(1) } : null;
  const inner = { width: 240, height: 170, layer: layers };
  const spec = {
    $schema: SCHEMA_URL,
    title: { text: title, subtitle: wrapLines(subtitle, dims.facets.length ? 110 : 70) },
    data: { values: data },
    transform: [xs.transform, yv.transform],
    ...(facetSpec !== null ? { facet: facetSpec, ...(dims.facets.length === 1 ? { columns: WRAP_PANELS } : {}), spec: inner, resolve: { scale: { y: 'shared' } } } : inner),
    config: { ...CONFIG, legend: { ...CONFIG.legend, orient: 'right', direction: 'vertical', titleLimit: 0 } },
  } as TopLevelSpec;
  return {
    name: entry.kind,
    title,
    spec,
    caption: `Read across x for the ${columnName(dims.x)} that gives the ${columnName(metric)} you want${dims.color ? `; the lines show what ${columnName(dims.color)} changes` : ''}.`,
  };
}
