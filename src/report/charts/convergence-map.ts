/**
 * Chart 1, the convergence map: for each policy variant, a grid of dirty
 * rate (x) by link bandwidth (y); a cell is coloured by the median downtime
 * where the migration completed and grey where it never did. It answers
 * "where does each policy finish at all, and at what price".
 */
import { median } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import { evenlySpaced } from '../axis-sample.js';
import { axisColumns, followsFrom } from '../chart-context.js';
import { MAX_MAP_CELLS_PER_SIDE } from '../chart-limits.js';
import type { ChartEntry } from '../charts-schema.js';
import { distinct, numbers, pick, requireColumns } from '../table.js';
import { NUMBER_FORMAT, columnName, datumRef, fieldRef, humanExpr, niceMarks, showField } from '../units.js';
import type { BuiltChart, ChartContext, Row } from '../types.js';
import { OUTCOME_EXPR, horizonText, tipShare, tipShown, tipText } from './encoding.js';
import { CONFIG, SCHEMA_URL, wrapLines } from './style.js';

const UNFINISHED_COLOR = '#d4d4d4';
const ABORTED_COLOR = '#6f6f6f';

/** `link bandwidth (Gbit/s)` on two lines: a vertical title longer than a short grid would run into the next panel's. */
function splitTitle(t: string): string | string[] {
  const [, name, unit] = /^(.*) (\(.*\))$/.exec(t) ?? [];
  return name !== undefined && unit !== undefined ? [name, unit] : t;
}

export function convergenceMap(entry: ChartEntry & { kind: 'convergence-map' }, ctx: ChartContext, where: string): BuiltChart {
  const x = entry.x ?? 'dirtyRateBytesPerSec';
  const y = entry.y ?? 'bandwidthBytesPerSec';
  const metric = entry.metric ?? 'downtimeMs';
  const stat = entry.stat ?? 'median';
  const value = `${metric}_${stat}`;
  const { summary } = ctx.run;
  requireColumns(summary, 'summary.csv', where, ['variant', x, y, value, 'completedShare', 'unfinishedShare', 'abortedShare']);
  // at most MAX_MAP_CELLS_PER_SIDE columns and rows of cells: the others are left out, and the subtitle says so
  const sideNotes: string[] = [];
  const covered: string[] = [];
  const side = (col: string) => {
    const all = distinct(summary.rows, col)
      .filter((v): v is number => typeof v === 'number')
      .sort((a, b) => a - b);
    if (all.length <= MAX_MAP_CELLS_PER_SIDE) return null;
    // counted against the sweep's own axis when the report sampled it already (one sentence, not two)
    const sweepAxis = ctx.run.sampledAxes.find((a) => a.column === col);
    const total = sweepAxis ? `the sweep's ${sweepAxis.values.length}` : `the ${all.length}`;
    sideNotes.push(`Sampled: ${MAX_MAP_CELLS_PER_SIDE} of ${total} values of ${columnName(col)} have cells (evenly spaced); the others are not drawn.`);
    covered.push(col);
    return new Set(evenlySpaced(all, MAX_MAP_CELLS_PER_SIDE));
  };
  const keepX = side(x);
  const keepY = side(y);
  const rows = summary.rows.filter((r) => (keepX === null || keepX.has(r[x] as number)) && (keepY === null || keepY.has(r[y] as number)));
  const xs = showField(x, numbers(rows, x), { log: true });
  const ys = showField(y, numbers(rows, y), { log: true });
  const vs = showField(metric, numbers(rows, value), { source: value, title: `${stat} ${columnName(metric)}` });
  const ts = summary.columns.includes('totalTimeMs_median')
    ? showField('totalTimeMs', numbers(rows, 'totalTimeMs_median'), { source: 'totalTimeMs_median', title: 'median total time' })
    : null;
  const keep = ['variant', 'policy', x, y, value, 'completedShare', 'unfinishedShare', 'abortedShare', 'dirtyRateToBandwidth', 'totalTimeMs_median'].filter((c) =>
    summary.columns.includes(c),
  );
  const panels = ctx.seriesField === 'variant' ? [...ctx.variants] : ctx.variants.flatMap((v) => ctx.policies.get(v) ?? []);
  // condition columns and the sweep's other axes (policy constants too: a downtime limit) that vary within a cell,
  // other than the two axes and what follows from them and the panel: the cell shows the medians over them
  const derivedFromAxes = new Set([x, y, 'dirtyRateToBandwidth']);
  const others = [...new Set([...ctx.conditionColumns, ...axisColumns(ctx.run)])].filter(
    (c) => !derivedFromAxes.has(c) && distinct(rows, c).length > 1 && !followsFrom(rows, c, [ctx.seriesField, x, y]),
  );
  const cellsBy = [...new Set(['variant', 'policy', ctx.seriesField, x, y])].filter((f) => f === x || f === y || keep.includes(f));
  // what the colour scale spans: the coloured cells' values (medians when scenarios share a cell), in display units
  const shownValues = cellValues(rows, value, others.length ? cellsBy : null)
    .map((v) => v / vs.unit.factor)
    .filter((v) => v > 0);
  // white text on the darker half of the colour ramp
  const lo = Math.min(...shownValues);
  const hi = Math.max(...shownValues);
  const dark = vs.log ? Math.sqrt(lo * hi) * Math.pow(hi / lo, 0.15) : lo + 0.65 * (hi - lo);
  // legend marks inside the scale's span only: a mark outside it is drawn that far beyond the gradient (a legend a page tall)
  const legendMarks = vs.log
    ? niceMarks(metric, lo * vs.unit.factor, hi * vs.unit.factor, undefined, vs.unit.factor)
        .map((v) => v / vs.unit.factor)
        .filter((v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
    : [];
  const aborted = numbers(rows, 'abortedShare').some((v) => v > 0);
  const variantsLabel = ctx.variants.length > 1 ? 'per policy variant' : '';
  const title = entry.title ?? `Where each policy converges, and the ${stat} ${columnName(metric)} it costs`;
  const spec = {
    $schema: SCHEMA_URL,
    title: {
      text: title,
      subtitle: wrapLines(
        [
          `One cell per dirty rate and link bandwidth${variantsLabel ? `, one panel ${variantsLabel}` : ''}. Colour: ${stat} ${columnName(metric)} over the replicates${vs.log ? ' (log scale)' : ''}.`,
          `Light grey: the migration never completed, it was still copying at ${horizonText(rows)}${aborted ? '; dark grey: aborted' : ''}.`,
          ...(others.length
            ? [`Also varying in this sweep: ${others.map(columnName).join(', ')}; each cell shows the medians over ${others.length === 1 ? 'its values' : 'them'}.`]
            : []),
          ...sideNotes,
        ],
        120,
      ),
    },
    data: { values: pick(rows, keep) },
    transform: [
      xs.transform,
      ys.transform,
      vs.transform,
      ...(ts ? [ts.transform] : []),
      // when other workload or link parameters vary too, several scenarios share a cell: it shows their medians
      ...(others.length
        ? [
            {
              aggregate: [value, vs.field, 'completedShare', 'unfinishedShare', 'abortedShare', 'dirtyRateToBandwidth', ...(ts ? [ts.field] : [])]
                .filter((f) => f === vs.field || (ts && f === ts.field) || keep.includes(f))
                .map((f) => ({ op: 'median', field: fieldRef(f), as: f })),
              groupby: cellsBy.map((f) => (f === x ? xs.field : f === y ? ys.field : f)).map(fieldRef),
            },
          ]
        : []),
      { calculate: OUTCOME_EXPR, as: 'outcome' },
      { calculate: humanExpr(metric, datumRef(value)), as: 'cellLabel' },
    ],
    // one panel per variant, or per policy when a variant has several (axes of its own)
    facet: { field: ctx.seriesField, type: 'nominal', title: null, sort: panels, header: { labelFontSize: 13 } },
    columns: Math.min(2, Math.max(1, panels.length)),
    spec: {
      width: { step: 40 },
      height: { step: 30 },
      encoding: {
        x: { field: fieldRef(xs.field), type: 'ordinal', title: xs.title, sort: 'ascending', axis: { labelAngle: 0, format: NUMBER_FORMAT, formatType: 'number' } },
        y: { field: fieldRef(ys.field), type: 'ordinal', title: splitTitle(ys.title), sort: 'descending', axis: { format: NUMBER_FORMAT, formatType: 'number' } },
        tooltip: [
          tipText('variant', 'policy variant'),
          tipText('policy', 'policy'),
          tipShown(xs),
          tipShown(ys),
          { field: 'dirtyRateToBandwidth', type: 'quantitative', title: 'dirty rate / link bandwidth', format: NUMBER_FORMAT },
          tipShare('completedShare', 'completed'),
          tipShare('unfinishedShare', 'unfinished'),
          tipShare('abortedShare', 'aborted'),
          tipShown(vs),
          ...(ts ? [tipShown(ts)] : []),
        ].filter((t) => t.field !== 'dirtyRateToBandwidth' || keep.includes('dirtyRateToBandwidth')),
      },
      layer: [
        {
          transform: [{ filter: "datum.outcome === 'completed'" }],
          mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
          encoding: {
            color: {
              field: fieldRef(vs.field),
              type: 'quantitative',
              title: `${stat} ${columnName(metric)}`,
              scale: { type: vs.log ? 'log' : 'linear', scheme: 'yelloworangered' },
              legend: {
                orient: 'right',
                direction: 'vertical',
                gradientLength: 160,
                titleLimit: 300,
                ...(legendMarks.length >= 2 ? { values: legendMarks } : {}),
                labelExpr: humanExpr(metric, `(datum.value * ${vs.unit.factor})`),
              },
            },
          },
        },
        {
          // not a scale: a second colour scale would split the shared downtime legend per panel
          transform: [{ filter: "datum.outcome !== 'completed'" }],
          mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
          encoding: { color: { condition: { test: "datum.outcome === 'aborted'", value: ABORTED_COLOR }, value: UNFINISHED_COLOR } },
        },
        {
          transform: [{ filter: "datum.outcome === 'completed'" }],
          mark: { type: 'text', fontSize: 9 },
          encoding: {
            text: { field: 'cellLabel', type: 'nominal' },
            color: { condition: { test: `${JSON.stringify(vs.field)} in datum && datum[${JSON.stringify(vs.field)}] > ${dark}`, value: 'white' }, value: 'black' },
          },
        },
      ],
    },
    config: CONFIG,
  } as TopLevelSpec;
  return {
    sampledColumns: covered,
    name: 'convergence-map',
    title,
    spec,
    caption:
      'Read across a row: as the guest dirties memory faster, cells turn from pale (short downtime) to dark, and grey where the migration never ends. ' +
      'A policy that forces the end has no grey cells; the price is the colour of the cells where the plain rule had none.',
  };
}

/**
 * The values of the cells the colour scale spans, as the chart computes
 * them: a cell is coloured when its scenarios mostly completed
 * (OUTCOME_EXPR), with the median of `value` over the scenarios that share
 * it when the rows are grouped by `groupBy` (the chart's aggregate), else
 * each row is a cell.
 */
export function cellValues(rows: readonly Row[], value: string, groupBy: readonly string[] | null): number[] {
  const num = (r: Row, c: string) => (typeof r[c] === 'number' && Number.isFinite(r[c]) ? r[c] : null);
  const cells = new Map<string, Row[]>();
  rows.forEach((r, i) => {
    const key = groupBy === null ? String(i) : JSON.stringify(groupBy.map((c) => r[c] ?? null));
    const list = cells.get(key);
    if (list === undefined) cells.set(key, [r]);
    else list.push(r);
  });
  const med = (list: Row[], c: string): number | null => {
    const vs = list.map((r) => num(r, c)).filter((v): v is number => v !== null);
    return vs.length ? median(vs) : null;
  };
  const out: number[] = [];
  for (const list of cells.values()) {
    const v = med(list, value);
    if (v !== null && (med(list, 'completedShare') ?? 0) >= 0.5) out.push(v);
  }
  return out;
}
