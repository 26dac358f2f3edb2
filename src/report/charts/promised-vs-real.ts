/**
 * Chart 5, promised against real downtime: the downtime the policy expected
 * when it switched over (`expectedDowntimeMs`) against the downtime the
 * guest saw (`downtimeMs`), one point per scenario, with the diagonal (as
 * promised) and 10x, 100x guides. This is Treutner's 2011 complaint: QEMU
 * divided by a buffer's bandwidth, not the network's, and missed its 30 ms
 * by a factor of about 20.
 */
import { median } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import { NARROW_LOG_DECADES } from '../chart-limits.js';
import type { ChartEntry } from '../charts-schema.js';
import { distinct, numbers, pick, requireColumns } from '../table.js';
import { fieldRef, humanExpr, niceMarks, showField } from '../units.js';
import type { BuiltChart, ChartContext, Row, SkippedChart } from '../types.js';
import { OUTCOME_EXPR, conditionTips, facetFor, tipShown, tipText } from './encoding.js';
import { CONFIG, SCHEMA_URL, baselineOnTop, legendLabels, variantColor, variantShape, wrapLines } from './style.js';

/** Guides y = k x: what the policy promised, and 10, 100, 1000 times that. */
const GUIDES = [1, 10, 100, 1000, 10000];

export function promisedVsReal(entry: ChartEntry & { kind: 'promised-vs-real' }, ctx: ChartContext, where: string): BuiltChart | SkippedChart {
  const stat = entry.stat ?? 'median';
  const xc = `expectedDowntimeMs_${stat}`;
  const yc = `downtimeMs_${stat}`;
  const { summary } = ctx.run;
  requireColumns(summary, 'summary.csv', where, ['variant', xc, yc, 'completedShare']);
  const done = summary.rows.filter((r) => (r.completedShare as number) >= 0.5 && (r[xc] as number) > 0 && (r[yc] as number) > 0);
  if (done.length === 0) return { skipped: 'no scenario completed, so there is no real downtime to compare' };
  const facet = facetFor(summary.rows, undefined, summary.columns);
  const facetCol = facet?.column ?? null;
  const all = [...numbers(done, xc), ...numbers(done, yc)];
  // both axes in one unit and one range, so that the diagonal runs at 45 degrees
  const marks = niceMarks('downtimeMs', Math.min(...all) / 10, Math.max(...all) * 10, Math.log10(Math.max(...all) / Math.min(...all)) < NARROW_LOG_DECADES);
  const lo = marks.filter((v) => v <= Math.min(...all)).pop() ?? Math.min(...all);
  const hi = marks.find((v) => v >= Math.max(...all)) ?? Math.max(...all);
  const ticks = marks.filter((v) => v >= lo && v <= hi);
  const xs = showField('expectedDowntimeMs', all, { source: xc, log: true });
  const ys = showField('downtimeMs', all, { source: yc, log: true });
  const f = xs.unit.factor;
  const scale = { type: 'log', domain: [lo / f, hi / f], nice: false };
  const axis = { values: ticks.map((v) => v / f), labelExpr: humanExpr('downtimeMs', `(datum.value * ${f})`) };
  const labels = legendLabels(ctx.variants, ctx.policies);
  const color = variantColor(ctx.variants, labels);
  const shape = variantShape(ctx.variants, labels);
  const x = { field: fieldRef(xs.field), type: 'quantitative', title: `${stat} downtime expected at switch-over`, scale, axis };
  const y = { field: fieldRef(ys.field), type: 'quantitative', title: `${stat} real downtime`, scale, axis };
  const keep = ['variant', 'policy', xc, yc, 'completedShare', 'dirtyRateBytesPerSec', 'bandwidthBytesPerSec', 'dirtyRateToBandwidth', ...(facetCol ? [facetCol] : [])].filter(
    (c) => summary.columns.includes(c),
  );
  // each guide from the lower or left edge to the upper one; its label halfway, along the line
  const visible = GUIDES.filter((k) => lo * k * 10 <= hi);
  const guides = visible.flatMap((k) => [
    { k, gx: lo / f, gy: (lo * k) / f, label: '' },
    { k, gx: hi / k / f, gy: hi / f, label: '' },
    { k, gx: Math.sqrt((lo * hi) / k) / f, gy: Math.sqrt(lo * hi * k) / f, label: k === 1 ? 'as promised' : `${k}× the promise` },
  ]);
  const placeTips = conditionTips(done, keep);
  const unit = {
    width: 300,
    height: 300,
    layer: [
      {
        data: { values: guides },
        layer: [
          {
            mark: { type: 'line', color: '#999', strokeDash: [4, 3], strokeWidth: 1 },
            encoding: {
              x: { field: 'gx', type: 'quantitative', scale, axis },
              y: { field: 'gy', type: 'quantitative', scale, axis },
              detail: { field: 'k' },
              order: { field: 'gx', type: 'quantitative' },
            },
          },
          {
            transform: [{ filter: "datum.label !== ''" }],
            // equal log ranges on a square plot: the guides run at 45 degrees
            mark: { type: 'text', align: 'center', baseline: 'bottom', dy: -2, fontSize: 9, color: '#666', angle: 315 },
            encoding: { x: { field: 'gx', type: 'quantitative', scale, axis }, y: { field: 'gy', type: 'quantitative', scale, axis }, text: { field: 'label' } },
          },
        ],
      },
      {
        mark: { type: 'point', filled: true, size: 55, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          shape,
          tooltip: [
            tipText('variant', 'policy variant'),
            tipText('policy', 'policy'),
            ...placeTips.tips,
            tipShown({ ...xs, title: `${stat} expected downtime (${xs.unit.unit})` }),
            tipShown({ ...ys, title: `${stat} real downtime (${ys.unit.unit})` }),
            { field: 'realToPromised', type: 'quantitative', title: 'real / expected', format: ',.3~r' },
          ],
        },
      },
    ],
  };
  const title = entry.title ?? 'Promised against real downtime';
  const subtitle = [
    'One point per scenario that completed. On the diagonal the guest was stopped exactly as long as the policy expected when it stopped it; above it, longer.',
    ...factorSentence(done, ctx.variants[0], xc, yc, facetCol),
    ...(facet?.note ? [facet.note] : []),
  ];
  const spec = {
    $schema: SCHEMA_URL,
    title: { text: title, subtitle: wrapLines(subtitle, facet ? 125 : 60) },
    data: { values: baselineOnTop(pick(done, keep), ctx.variants) },
    transform: [
      ...placeTips.transforms,
      xs.transform,
      ys.transform,
      { calculate: OUTCOME_EXPR, as: 'outcome' },
      { calculate: `datum[${JSON.stringify(yc)}] / datum[${JSON.stringify(xc)}]`, as: 'realToPromised' },
      ...(facet?.transforms ?? []),
    ],
    ...(facet ? { facet: { column: facet.header }, spec: unit } : unit),
    config: { ...CONFIG, legend: { ...CONFIG.legend, orient: 'bottom', direction: 'vertical', symbolOpacity: 1 } },
  } as TopLevelSpec;
  return {
    name: 'promised-vs-real',
    title,
    spec,
    caption:
      'Points far above the diagonal are the 2011 complaint: the policy believed it would stop the guest for its limit and stopped it far longer. ' +
      'Points on the far right are forced endings (a raised limit, a pass or byte cap, a pause): there nobody promised a short downtime.',
  };
}

/** "qemu-2011: the real downtime is a median 21× the expected one on 1 Gbit/s links, ..." for the first variant. */
function factorSentence(rows: readonly Row[], variant: string | undefined, xc: string, yc: string, facetCol: string | null): string[] {
  if (variant === undefined) return [];
  const own = rows.filter((r) => r.variant === variant);
  const groups = facetCol ? distinct(own, facetCol) : [null];
  const parts: string[] = [];
  for (const g of groups) {
    const sel = g === null ? own : own.filter((r) => r[facetCol!] === g);
    const ratios = sel.map((r) => (r[yc] as number) / (r[xc] as number)).filter((v) => Number.isFinite(v) && v > 0);
    if (ratios.length === 0) continue;
    const m = median(ratios);
    const shown = facetCol && typeof g === 'number' ? showField(facetCol, numbers(rows, facetCol)) : null;
    const where = shown ? ` on ${+(Number(g) / shown.unit.factor).toPrecision(3)} ${shown.unit.unit}` : '';
    parts.push(`${m >= 1.95 ? `${+m.toPrecision(2)}×` : `${+m.toPrecision(2)}×`}${where}`);
  }
  if (parts.length === 0) return [];
  return [`${variant}: its real downtime is a median ${parts.join(', ')} the downtime it expected.`];
}
