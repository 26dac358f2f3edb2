/**
 * Chart 4, the trade-off view: total migration time against downtime, one
 * point per policy and condition (workload and link). Within each
 * condition the policies compete; those no other policy beats on both
 * counts (the Pareto front) are filled, the dominated ones hollow. A grey
 * line joins the policies of one condition.
 */
import { itemAt } from '../../common/lookup.js';
import type { TopLevelSpec } from 'vega-lite';
import { columnDimension, type ChartEntry } from '../charts-schema.js';
import { nonDominatedByGroup } from '../pareto.js';
import { numbers, pick, requireColumns } from '../table.js';
import { columnName, fieldRef, logAxis, showField } from '../units.js';
import type { BuiltChart, ChartContext, Row, SkippedChart } from '../types.js';
import { OUTCOME_EXPR, conditionTips, facetFor, horizonText, tipShown, tipText } from './encoding.js';
import { CONFIG, SCHEMA_URL, baselineOnTop, variantColor, variantLegendLabel, variantShape, wrapLines } from './style.js';

/** Derived fields the spec's data carry besides CSV columns. */
export const PARETO_FIELDS = ['front', 'condition'] as const;

export function pareto(entry: ChartEntry & { kind: 'pareto' }, ctx: ChartContext, where: string): BuiltChart | SkippedChart {
  const xm = entry.x ?? 'totalTimeMs';
  const ym = entry.y ?? 'downtimeMs';
  const stat = entry.stat ?? 'median';
  const xc = `${xm}_${stat}`;
  const yc = `${ym}_${stat}`;
  const { summary } = ctx.run;
  requireColumns(summary, 'summary.csv', where, ['variant', xc, yc, 'completedShare', ...(entry.facet && entry.facet !== 'none' ? [entry.facet] : [])]);
  const cond = ctx.conditionColumns;
  const key = (r: Row) => JSON.stringify(cond.map((c) => r[c]));
  const value = (v: unknown) => (typeof v === 'number' ? v : NaN);
  // a point stands for the scenario only when most of its replicates completed
  const point = (r: Row) => ((r.completedShare as number) >= 0.5 ? { x: value(r[xc]), y: value(r[yc]) } : { x: NaN, y: NaN });
  const front = nonDominatedByGroup(summary.rows, key, point);
  const facet = facetFor(summary.rows, entry.facet, summary.columns);
  const keep = [
    'variant',
    'policy',
    xc,
    yc,
    'completedShare',
    'dirtyRateBytesPerSec',
    'bandwidthBytesPerSec',
    'dirtyRateToBandwidth',
    ...cond,
    ...(facet ? [facet.column] : []),
  ].filter((c) => summary.columns.includes(c));
  const rows: Row[] = pick(summary.rows, keep).map((r, i) => ({ ...r, front: front[i] ? 'yes' : 'no', condition: key(itemAt(summary.rows, i)) }));
  const plotted = rows.filter((r) => Number.isFinite(point(r).x) && Number.isFinite(point(r).y));
  if (plotted.length === 0) return { skipped: 'no scenario completed, so there is no downtime to trade against time' };
  const conditions = new Set(rows.map((r) => r.condition)).size;
  // per variant, the conditions where one of its points is on the front (a variant with settings of its own has a point per setting)
  const frontIn = new Map<string, Set<unknown>>();
  for (const r of rows) if (r.front === 'yes') frontIn.set(String(r.variant), (frontIn.get(String(r.variant)) ?? new Set()).add(r.condition));
  const xs = showField(xm, numbers(plotted, xc), { source: xc, log: true });
  const ys = showField(ym, numbers(plotted, yc), { source: yc, log: true });
  const timeTitle = (m: string, s: { title: string }) => (columnDimension(m) === 'time' ? `${stat} ${columnName(m)}` : `${stat} ${s.title}`);
  const lx = logAxis(xm, numbers(plotted, xc), xs.unit.factor);
  const ly = logAxis(ym, numbers(plotted, yc), ys.unit.factor);
  const x = {
    field: fieldRef(xs.field),
    type: 'quantitative',
    title: timeTitle(xm, xs),
    scale: { type: 'log', nice: false, ...(lx.domain ? { domain: lx.domain } : {}) },
    axis: lx.axis,
  };
  const y = {
    field: fieldRef(ys.field),
    type: 'quantitative',
    title: timeTitle(ym, ys),
    scale: { type: 'log', nice: false, ...(ly.domain ? { domain: ly.domain } : {}) },
    axis: ly.axis,
  };
  const legendNames = new Map(
    ctx.variants.map((v) => [
      v,
      `${variantLegendLabel(v, ctx.policies.get(v))} (on the front in ${frontIn.get(v)?.size ?? 0} of ${conditions} ${cond.length ? 'workloads and links' : 'scenarios'})`,
    ]),
  );
  const color = variantColor(ctx.variants, legendNames);
  const shape = variantShape(ctx.variants, legendNames);
  const placeTips = conditionTips(rows, keep);
  const tooltip = [
    tipText('variant', 'policy variant'),
    tipText('policy', 'policy'),
    ...placeTips.tips,
    tipShown({ ...xs, title: `${stat} ${xs.title}` }),
    tipShown({ ...ys, title: `${stat} ${ys.title}` }),
    { field: 'front', type: 'nominal', title: 'on the front' },
  ];
  const unfinished = rows.length - plotted.length;
  const title = entry.title ?? `Trade-off: ${columnName(xm)} against ${columnName(ym)}`;
  const unit = {
    width: 340,
    height: 300,
    layer: [
      {
        mark: { type: 'line', color: '#c8c8c8', strokeWidth: 0.7 },
        encoding: { x, y, detail: { field: 'condition' }, order: { field: fieldRef(xs.field), type: 'quantitative' } },
      },
      {
        transform: [{ filter: "datum.front !== 'yes'" }],
        mark: { type: 'point', filled: false, fill: 'white', size: 50, strokeWidth: 1.3, opacity: 0.75 },
        encoding: { x, y, color, shape, tooltip },
      },
      {
        transform: [{ filter: "datum.front === 'yes'" }],
        mark: { type: 'point', filled: true, size: 70, stroke: '#222', strokeWidth: 0.6, opacity: 1 },
        encoding: { x, y, color, shape, tooltip },
      },
    ],
  };
  const spec = {
    $schema: SCHEMA_URL,
    title: {
      text: title,
      subtitle: wrapLines(
        [
          `One point per policy and ${cond.length ? 'workload and link' : 'scenario'} (${stat} over the replicates); lower and further left is better on both counts.`,
          `Filled: no other policy on the same workload and link is at least as good on both and better on one (the Pareto front); hollow: dominated. Grey lines join the policies of one workload and link.`,
          ...(unfinished > 0
            ? [`Not shown: ${unfinished} scenario${unfinished === 1 ? '' : 's'} that never completed (still running at ${horizonText(summary.rows)}), which have no downtime.`]
            : []),
          ...(facet?.note ? [facet.note] : []),
        ],
        facet ? 125 : 60,
      ),
    },
    data: { values: baselineOnTop(rows, ctx.variants) },
    transform: [
      ...placeTips.transforms,
      xs.transform,
      ys.transform,
      { calculate: OUTCOME_EXPR, as: 'outcome' },
      { filter: "datum.outcome === 'completed'" },
      ...(facet?.transforms ?? []),
    ],
    ...(facet ? { facet: { column: facet.header }, spec: unit } : unit),
    config: { ...CONFIG, legend: { ...CONFIG.legend, orient: 'bottom', direction: 'vertical', symbolOpacity: 1 } },
  } as TopLevelSpec;
  return {
    name: 'pareto',
    title,
    spec,
    caption:
      'Each grey line is one workload and link; the filled points on it are the policies worth arguing about there. ' +
      'A policy that is filled in most conditions is rarely beaten on both total time and downtime; the legend counts the conditions.',
  };
}
