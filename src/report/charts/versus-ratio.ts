/**
 * Charts 2 and 3: metrics against the dirty-rate-to-bandwidth ratio (L of the
 * closed-form model: above 1 the guest dirties memory faster than the link
 * sends it), one line per policy variant, one panel per link bandwidth.
 *   downtime-vs-ratio: the downtime, the policy's limit as a rule, the spread
 *     over replicates as a band; runs that never finished marked at the top.
 *   cost-vs-ratio: total migration time (with the horizon as a rule) and
 *     bytes sent / RAM, the costs a forced end saves or spends.
 */
import { itemAt } from '../../common/lookup.js';
import type { TopLevelSpec } from 'vega-lite';
import { formatMs } from '../../common/format.js';
import { NARROW_LOG_DECADES, TICK_SLACK } from '../chart-limits.js';
import { axisColumns, followsFrom } from '../chart-context.js';
import type { ChartEntry, SummaryMetric } from '../charts-schema.js';
import { distinct, numbers, pick, requireColumns } from '../table.js';
import { NUMBER_FORMAT, columnName, datumRef, fieldRef, humanExpr, logAxis, showField, type ShownField } from '../units.js';
import type { BuiltChart, ChartContext, Row } from '../types.js';
import { OUTCOME_EXPR, conditionTips, facetFor, horizonText, tipShare, tipShown, tipText, type Facet } from './encoding.js';
import { CONFIG, SCHEMA_URL, baselineOnTop, capital, legendLabels, variantColor, variantShape, wrapLines } from './style.js';

type Entry = ChartEntry & { kind: 'downtime-vs-ratio' | 'cost-vs-ratio' };

/** Summary columns bounding the band for each `band` choice. */
const BAND_COLUMNS = { p95: ['min', 'p95'], ci: ['ciLow', 'ciHigh'], minmax: ['min', 'max'] } as const;
const BAND_WORDS = {
  p95: 'replicates from the lowest to the 95th percentile',
  ci: "the 95% confidence interval of the replicates' mean",
  minmax: 'replicates from the lowest to the highest',
};

export function downtimeVsRatio(entry: ChartEntry & { kind: 'downtime-vs-ratio' }, ctx: ChartContext, where: string): BuiltChart {
  return versusRatio(entry, ctx, where, ['downtimeMs']);
}

export function costVsRatio(entry: ChartEntry & { kind: 'cost-vs-ratio' }, ctx: ChartContext, where: string): BuiltChart {
  return versusRatio(entry, ctx, where, ['totalTimeMs', 'transferFactor']);
}

function versusRatio(entry: Entry, ctx: ChartContext, where: string, defaults: SummaryMetric[]): BuiltChart {
  const metrics = entry.metrics ?? defaults;
  const x = entry.x ?? 'dirtyRateToBandwidth';
  const stat = entry.stat ?? 'median';
  const band = entry.band ?? 'p95';
  const { summary } = ctx.run;
  const rows = summary.rows;
  const bandCols = band === 'none' ? [] : metrics.flatMap((m) => BAND_COLUMNS[band].map((s) => `${m}_${s}`));
  requireColumns(summary, 'summary.csv', where, [
    'variant',
    x,
    'completedShare',
    'unfinishedShare',
    'abortedShare',
    ...metrics.map((m) => `${m}_${stat}`),
    ...bandCols,
    ...(entry.facet && entry.facet !== 'none' ? [entry.facet] : []),
  ]);
  const facet = facetFor(rows, entry.facet, summary.columns);
  const facetCol = facet?.column ?? null;
  const xs = showField(x, numbers(rows, x));
  // one line per series and per value of every other varying workload or link parameter (not x, not the panels')
  const alongX = new Set([x, 'dirtyRateBytesPerSec', 'dirtyRateToBandwidth', ...(facetCol ? [facetCol] : [])]);
  // (and of every other axis of the sweep that varies within a series: a policy constant such as the downtime limit)
  const lineBy = [
    ...ctx.conditionColumns.filter((c) => !alongX.has(c) && distinct(rows, c).length > 1),
    ...axisColumns(ctx.run).filter((c) => !alongX.has(c) && !ctx.conditionColumns.includes(c) && !followsFrom(rows, c, [ctx.seriesField])),
  ];
  const keep = [
    'variant',
    'policy',
    x,
    'completedShare',
    'unfinishedShare',
    'abortedShare',
    'downtimeLimitMs',
    'horizonMs',
    'n',
    'dirtyRateBytesPerSec',
    'bandwidthBytesPerSec',
    ...(facetCol ? [facetCol] : []),
    ...lineBy,
    ...metrics.map((m) => `${m}_${stat}`),
    ...bandCols,
  ].filter((c) => summary.columns.includes(c));
  const placeTips = conditionTips(rows, summary.columns);
  const tipBase = [tipText('variant', 'policy variant'), tipShown(xs), ...placeTips.tips, tipShare('completedShare', 'completed')];
  const panels = metrics.map((m, i) => metricPanel(m, i, { entry, ctx, rows, x: xs, stat, band, facet, tipBase, last: i === metrics.length - 1, first: i === 0 }));
  const isDowntime = entry.kind === 'downtime-vs-ratio';
  const title =
    entry.title ??
    (isDowntime
      ? `${capital(columnName(itemAt(metrics, 0)))} against dirty rate / link bandwidth`
      : `${metrics.map((m, i) => (i === 0 ? capital(columnName(m)) : columnName(m))).join(' and ')} against dirty rate / link bandwidth`);
  const subtitle = [
    `x: the guest's dirty rate divided by the link bandwidth (log scale); above 1 the guest dirties memory faster than the link can send it.`,
    `Lines: the ${stat} over ${replicatesText(rows)}${band !== 'none' ? `; shaded: ${BAND_WORDS[band]}` : ''}.${facet ? ` One panel per ${columnName(facetCol!)}.` : ''}`,
  ];
  if (facet?.note) subtitle.push(facet.note);
  if (ctx.rateCapNote) subtitle.push(ctx.rateCapNote);
  if (lineBy.length) subtitle.push(`One line per policy and ${lineBy.map(columnName).join(', ')} (they vary too).`);
  if (metrics.includes('downtimeMs')) subtitle.push(`× along the top edge: the migration never completed (still running at ${horizonText(rows)}), so it has no downtime.`);
  if (metrics.includes('totalTimeMs')) subtitle.push(`Hollow points: never completed; their time is ${horizonText(rows)}.`);
  const spec = {
    $schema: SCHEMA_URL,
    title: { text: title, subtitle: wrapLines(subtitle, facet ? 105 : 60) },
    data: { values: baselineOnTop(pick(rows, keep), ctx.variants) },
    transform: [
      ...placeTips.transforms,
      xs.transform,
      { calculate: OUTCOME_EXPR, as: 'outcome' },
      { calculate: [ctx.seriesField, ...lineBy].map((c) => `${datumRef(c)}`).join(" + '|' + "), as: 'line' },
      ...(facet?.transforms ?? []),
    ],
    vconcat: panels,
    resolve: { scale: { color: 'shared', shape: 'shared' } },
    config: { ...CONFIG, legend: { ...CONFIG.legend, orient: 'bottom', direction: 'vertical', symbolOpacity: 1 } },
  } as TopLevelSpec;
  return {
    name: entry.kind,
    title,
    spec,
    caption: isDowntime
      ? 'Where the lines stay flat the rule met its limit; where a line climbs the policy bought the end of the migration with downtime; where a line stops (× at the top) the migration never ended.'
      : 'Total time grows with the ratio until the migration no longer ends (hollow points at the horizon); bytes sent / RAM says how much the link carried for it.',
  };
}

interface PanelArgs {
  entry: Entry;
  ctx: ChartContext;
  rows: Row[];
  x: ShownField;
  stat: string;
  band: 'p95' | 'ci' | 'minmax' | 'none';
  facet: Facet | null;
  tipBase: object[];
  first: boolean;
  last: boolean;
}

/** One row of panels: metric `m` against x, a line per variant, faceted when asked. */
function metricPanel(m: SummaryMetric, index: number, a: PanelArgs) {
  const col = `${m}_${a.stat}`;
  const vals = numbers(a.rows, col);
  const ys = showField(m, vals, { source: col });
  const canMiss = m === 'downtimeMs' || m === 'expectedDowntimeMs';
  // a log time axis labels each tick in its own unit (100ms, 1min), so its title has none
  const yTitle = ys.log && m.endsWith('Ms') ? `${a.stat} ${columnName(m)}` : `${a.stat} ${ys.title}`;
  const f = ys.unit.factor;
  const bandT =
    a.band === 'none' ? [] : BAND_COLUMNS[a.band].map((s, k) => ({ calculate: `${datumRef(`${m}_${s}`)} / ${f}`, as: k === 0 ? `band_lo_${index}` : `band_hi_${index}` }));
  // on a log scale of downtime, head room above the data for the row of crosses that mark runs without one
  // the downtime limit is drawn as a rule, so it must lie inside the axis
  const limits = canMiss ? numbers(a.rows, 'downtimeLimitMs') : [];
  const logY = ys.log ? logAxis(m, [...vals, ...limits], f, canMiss ? 4 : 1) : { axis: {} };
  const yScale = ys.log
    ? { type: 'log', nice: false, ...(logY.domain ? { domain: logY.domain } : {}) }
    : { type: 'linear', zero: m === 'transferFactor' ? false : true, nice: true };
  const yAxis = { title: yTitle, format: NUMBER_FORMAT, ...logY.axis };
  const xEnc = {
    field: fieldRef(a.x.field),
    type: 'quantitative',
    title: a.last ? a.x.title : null,
    scale: { type: a.x.log ? 'log' : 'linear', nice: false },
    axis: { format: NUMBER_FORMAT, labelFlush: true, ...(a.x.log ? { values: decadeTicks(a.rows, a.x) } : {}), labels: true },
  };
  const y = { field: fieldRef(ys.field), type: 'quantitative', scale: yScale, axis: yAxis };
  const series = a.ctx.seriesField;
  const labels = legendLabels(a.ctx.variants, a.ctx.policies);
  const color = variantColor(a.ctx.variants, labels);
  const tooltip = [...a.tipBase, tipShown({ ...ys, title: yTitle })];
  const layers: object[] = [];
  if (a.band !== 'none')
    layers.push({
      transform: [{ filter: "datum.outcome === 'completed'" }, ...bandT],
      mark: { type: 'area', opacity: 0.18 },
      encoding: {
        x: xEnc,
        y: { field: `band_lo_${index}`, type: 'quantitative', scale: yScale, axis: yAxis },
        y2: { field: `band_hi_${index}` },
        color,
        detail: { field: 'line' },
      },
    });
  const hasValue = `isValid(${datumRef(ys.field)}) && ${datumRef(ys.field)} > 0`;
  // a thin dashed line through every point with a value; the solid one only through completed runs
  layers.push({
    transform: [{ filter: hasValue }],
    mark: { type: 'line', strokeWidth: 1, strokeDash: [3, 3], opacity: 0.7 },
    encoding: { x: xEnc, y, color, detail: { field: 'line' } },
  });
  layers.push({
    transform: [{ filter: `datum.outcome === 'completed' && ${hasValue}` }],
    mark: { type: 'line', strokeWidth: 2 },
    // a variant with constants of its own: one dash pattern per setting
    encoding: {
      x: xEnc,
      y,
      color,
      detail: { field: 'line' },
      ...(series === 'policy' ? { strokeDash: { field: 'policy', type: 'nominal', title: 'policy', legend: { labelLimit: 0 } } } : {}),
    },
  });
  const shape = variantShape(a.ctx.variants, labels);
  layers.push({
    transform: [{ filter: `datum.outcome === 'completed' && ${hasValue}` }],
    mark: { type: 'point', size: 45, filled: true, opacity: 1 },
    encoding: { x: xEnc, y, color, shape, tooltip },
  });
  const hollow = a.rows.some((r) => !((r.completedShare as number) >= 0.5) && typeof r[col] === 'number' && r[col] > 0);
  if (hollow)
    layers.push({
      transform: [{ filter: `datum.outcome !== 'completed' && ${hasValue}` }],
      mark: { type: 'point', size: 45, filled: false, fill: 'white', strokeWidth: 1.5, opacity: 1 },
      encoding: { x: xEnc, y, color, shape, tooltip: [...tooltip, tipShare('unfinishedShare', 'unfinished'), tipShare('abortedShare', 'aborted')] },
    });
  if (canMiss) {
    if (limits.length > 0) {
      layers.push({
        transform: [
          { aggregate: [{ op: 'min', field: 'downtimeLimitMs', as: 'limitMs' }] },
          { calculate: `datum.limitMs / ${f}`, as: 'limit' },
          // one rule, at the smallest limit when the sweep has several (a rule each would hide the lines)
          { calculate: `'${new Set(limits).size > 1 ? 'smallest downtime limit' : 'downtime limit'} ' + (${humanExpr('downtimeLimitMs', 'datum.limitMs')})`, as: 'limitLabel' },
        ],
        layer: [
          { mark: { type: 'rule', strokeDash: [6, 4], color: '#333' }, encoding: { y: { field: 'limit', type: 'quantitative', scale: yScale, axis: yAxis } } },
          {
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 3, fontSize: 10, color: '#333' },
            encoding: { y: { field: 'limit', type: 'quantitative', scale: yScale, axis: yAxis }, x: { value: 0 }, text: { field: 'limitLabel' } },
          },
        ],
      });
    }
    // runs without a value (never completed): a cross per variant along the top edge, one row per variant
    a.ctx.variants.forEach((v, i) => {
      const missing = a.rows.some((r) => r.variant === v && !(typeof r[col] === 'number' && r[col] > 0));
      if (!missing) return;
      layers.push({
        transform: [{ filter: `datum.variant === ${JSON.stringify(v)} && !(${hasValue})` }],
        mark: { type: 'point', shape: 'cross', size: 40, filled: true, opacity: 0.9 },
        encoding: { x: xEnc, y: { value: 5 + 7 * i }, color, tooltip: [...a.tipBase, tipShare('unfinishedShare', 'unfinished'), tipShare('abortedShare', 'aborted')] },
      });
    });
  }
  if (m === 'totalTimeMs') {
    const horizons = numbers(a.rows, 'horizonMs');
    if (horizons.length > 0) {
      layers.push({
        transform: [{ aggregate: [{ op: 'max', field: 'horizonMs', as: 'horizonMs' }] }, { calculate: `datum.horizonMs / ${f}`, as: 'horizon' }],
        layer: [
          { mark: { type: 'rule', strokeDash: [2, 3], color: '#888' }, encoding: { y: { field: 'horizon', type: 'quantitative', scale: yScale, axis: yAxis } } },
          {
            mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, fontSize: 10, color: '#666' },
            encoding: {
              y: { field: 'horizon', type: 'quantitative', scale: yScale, axis: yAxis },
              x: { value: 0 },
              text: { value: `horizon (${formatMs(Math.max(...horizons))}): still running` },
            },
          },
        ],
      });
    }
  }
  if (a.entry.x === undefined || a.entry.x === 'dirtyRateToBandwidth') {
    // L = 1: the textbook limit of pre-copy (the guest dirties as fast as the link sends)
    layers.push({
      data: { values: [{ one: 1 }] },
      layer: [
        { mark: { type: 'rule', color: '#999', strokeDash: [1, 2] }, encoding: { x: { field: 'one', type: 'quantitative', scale: xEnc.scale } } },
        {
          mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, fontSize: 9, color: '#777', angle: 0 },
          encoding: { x: { field: 'one', type: 'quantitative', scale: xEnc.scale }, y: { value: a.facet ? 218 : 218 }, text: { value: 'ratio 1' } },
        },
      ],
    });
  }
  const unit = { width: 260, height: 220, transform: [ys.transform], layer: layers };
  if (!a.facet) return { ...unit, title: null };
  return {
    facet: { column: { ...a.facet.header, header: { ...a.facet.header.header, ...(a.first ? {} : { labels: false }) } } },
    spec: unit,
  };
}

/** Tick values at decades (and 1-2-5 when the range is narrow) for a log x axis, in display units. */
function decadeTicks(rows: readonly Row[], s: ShownField): number[] {
  const vals = numbers(rows, s.field.split('__')[0] ?? s.field)
    .map((v) => v / s.unit.factor)
    .filter((v) => v > 0);
  if (vals.length === 0) return [];
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const out: number[] = [];
  const span = Math.log10(hi / lo);
  const steps = span < NARROW_LOG_DECADES ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const k of steps) {
      const v = k * 10 ** e;
      if (v >= lo / TICK_SLACK && v <= hi * TICK_SLACK) out.push(v);
    }
  return out;
}

function replicatesText(rows: readonly Row[]): string {
  const n = numbers(rows, 'n');
  if (n.length === 0) return 'the replicates';
  const lo = Math.min(...n);
  const hi = Math.max(...n);
  return lo === hi ? `${lo} replicate${lo === 1 ? '' : 's'} per point` : `${lo} to ${hi} replicates per point`;
}
