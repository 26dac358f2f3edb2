/**
 * The comparison with a baseline (`migsweep compare <baseline> <this run>
 * --out <this run>/compare.json`): per metric, each scenario's mean in the
 * baseline against its mean in this run, one colour per policy variant.
 * On the diagonal nothing changed; the dashed lines are the threshold;
 * triangles are the regressions (up) and improvements (down) the
 * comparison found. Drawn only when the run folder holds compare.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Comparison } from '../../compare/types.js';
import type { ChartEntry } from '../charts-schema.js';
import { columnName, fieldRef, logAxis, NUMBER_FORMAT, showField, spansDecades } from '../units.js';
import type { BuiltChart, ChartContext, SkippedChart } from '../types.js';
import { CONFIG, SCHEMA_URL, baselineOnTop, legendLabels, variantColor, wrapLines } from './style.js';

export const COMPARE_FILE = 'compare.json';

const VERDICTS = ['regression', 'improvement', 'changed', 'not-significant', 'within-threshold', 'unchanged'] as const;
const SHAPES = ['triangle-up', 'triangle-down', 'diamond', 'square', 'circle', 'circle'];

/** Whether the run folder holds a comparison for the report to draw. */
export function hasComparison(runDir: string): boolean {
  return existsSync(join(runDir, COMPARE_FILE));
}

/** compare.json of this run, or why it cannot be drawn. */
function readComparison(ctx: ChartContext): Comparison | { reason: string } {
  const file = join(ctx.run.dir, COMPARE_FILE);
  if (!existsSync(file)) return { reason: `no comparison: run migsweep compare <baseline-dir> ${ctx.run.dir} --out ${file}` };
  let c: Comparison;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Comparison;
  } catch (e) {
    return { reason: `${file} is not JSON (${(e as Error).message})` };
  }
  if (c?.kind !== 'compare' || !Array.isArray(c.scenarios)) return { reason: `${file} is not a comparison written by migsweep compare --out` };
  const m = ctx.run.manifest;
  if (c.candidate.start !== m.start || c.candidate.fingerprint !== m.fingerprint)
    return { reason: `${file} compares another run (candidate started ${c.candidate.start}, this run ${String(m.start)}); compare again with --out ${file}` };
  return c;
}

interface Point {
  variant: string;
  scenario: string;
  baseline: number;
  candidate: number;
  change: string;
  verdict: string;
}

/** One panel: baseline against candidate for one metric, both axes in one unit and range so that the diagonal runs at 45 degrees. */
function panel(metric: string, points: Point[], threshold: number, color: object) {
  const values = points.flatMap((p) => [p.baseline, p.candidate]);
  const share = metric === 'completedShare';
  const log = !share && values.every((v) => v > 0) && spansDecades(values);
  const shown = showField(metric, values, { log });
  const f = shown.unit.factor;
  let lo = share ? 0 : Math.min(...values);
  let hi = share ? 1 : Math.max(...values);
  let axis: Record<string, unknown> = { format: share ? '.0%' : NUMBER_FORMAT };
  if (log) {
    const l = logAxis(metric, values, f);
    axis = l.axis;
    if (l.domain) [lo, hi] = [l.domain[0] * f, l.domain[1] * f];
  } else if (!share) {
    const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
    [lo, hi] = [Math.max(0, lo - pad), hi + pad];
  }
  const scale = { type: log ? 'log' : 'linear', domain: [lo / f, hi / f], nice: false, ...(log ? {} : { zero: false }) };
  // a log time axis labels each tick in its own unit (logAxis), so its title needs none
  const title = share ? 'completed share' : log && 'labelExpr' in axis ? columnName(metric) : shown.title;
  const guides = [1, 1 + threshold, 1 - threshold].flatMap((k) => [
    { k: String(k), gx: lo / f, gy: (lo * k) / f },
    { k: String(k), gx: hi / f / Math.max(k, 1), gy: (hi * Math.min(k, 1)) / f },
  ]);
  const enc = (field: string, t: string) => ({ field: fieldRef(field), type: 'quantitative', title: t, scale, axis });
  return {
    width: 260,
    height: 260,
    layer: [
      {
        data: { values: guides },
        mark: { type: 'line', color: '#999', strokeWidth: 1, clip: true },
        encoding: {
          x: { field: 'gx', type: 'quantitative', scale, axis, title: `baseline ${title}` },
          y: { field: 'gy', type: 'quantitative', scale, axis, title: `this run ${title}` },
          detail: { field: 'k' },
          strokeDash: {
            field: 'k',
            type: 'nominal',
            scale: {
              domain: ['1', String(1 + threshold), String(1 - threshold)],
              range: [
                [1, 0],
                [4, 3],
                [4, 3],
              ],
            },
            legend: null,
          },
        },
      },
      {
        data: { values: points },
        transform: [
          { calculate: `datum.baseline / ${f}`, as: 'bx' },
          { calculate: `datum.candidate / ${f}`, as: 'cx' },
        ],
        mark: { type: 'point', filled: true, opacity: 0.85 },
        encoding: {
          x: enc('bx', `baseline ${title}`),
          y: enc('cx', `this run ${title}`),
          color,
          shape: { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: [...VERDICTS], range: SHAPES } },
          size: { condition: { test: "datum.verdict === 'regression' || datum.verdict === 'improvement'", value: 90 }, value: 25 },
          tooltip: [
            { field: 'variant', type: 'nominal', title: 'policy variant' },
            { field: 'scenario', type: 'nominal', title: 'scenario' },
            { field: 'bx', type: 'quantitative', title: `baseline${shown.unit.unit ? ` (${shown.unit.unit})` : ''}`, format: share ? '.0%' : NUMBER_FORMAT },
            { field: 'cx', type: 'quantitative', title: `this run${shown.unit.unit ? ` (${shown.unit.unit})` : ''}`, format: share ? '.0%' : NUMBER_FORMAT },
            { field: 'change', type: 'nominal', title: 'change' },
            { field: 'verdict', type: 'nominal', title: 'verdict' },
          ],
        },
      },
    ],
  };
}

/** Each scenario's points: one per compared metric with a mean on both sides, and its completed share. */
function pointsByMetric(c: Comparison): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  const add = (metric: string, p: Point) => out.set(metric, [...(out.get(metric) ?? []), p]);
  const pct = (r: number | null) => (r === null ? '-' : `${r >= 0 ? '+' : ''}${(100 * r).toFixed(1)}%`);
  for (const s of c.scenarios) {
    for (const m of s.metrics) {
      if (m.baseline.mean === null || m.candidate.mean === null) continue;
      add(m.metric, { variant: s.variant, scenario: s.label, baseline: m.baseline.mean, candidate: m.candidate.mean, change: pct(m.relative), verdict: m.verdict });
    }
    const share = (o: Comparison['scenarios'][number]['outcome']['baseline']) => (o.n - o.errors > 0 ? o.completed / (o.n - o.errors) : null);
    const a = share(s.outcome.baseline);
    const b = share(s.outcome.candidate);
    if (a !== null && b !== null)
      add('completedShare', { variant: s.variant, scenario: s.label, baseline: a, candidate: b, change: `${Math.round(100 * (b - a))} pts`, verdict: s.outcome.verdict });
  }
  return out;
}

export function compareChart(entry: ChartEntry & { kind: 'compare' }, ctx: ChartContext): BuiltChart | SkippedChart {
  const c = readComparison(ctx);
  if ('reason' in c) return { skipped: c.reason };
  const byMetric = pointsByMetric(c);
  if (byMetric.size === 0) return { skipped: 'the comparison has no scenario with values on both sides' };
  const variants = [...new Set([...ctx.variants, ...c.scenarios.map((s) => s.variant)])];
  const color = variantColor(variants, legendLabels(variants, ctx.policies));
  const panels = [...byMetric].map(([metric, points]) => panel(metric, baselineOnTop(points, variants), c.settings.threshold, color));
  const pct = `${+(c.settings.threshold * 100).toPrecision(3)}%`;
  const title = entry.title ?? 'This run against the baseline, per policy';
  const subtitle = [
    `Baseline ${c.baseline.dir} (${c.baseline.commit ? `commit ${c.baseline.commit.slice(0, 7)}` : 'no commit'}); one point per scenario: its mean over the replicates in the baseline (x) and in this run (y).`,
    `On the solid diagonal nothing changed; between the dashed lines the change is ${pct} or less. ${c.counts.regressions} regressions (triangles up), ${c.counts.improvements} improvements (down).`,
  ];
  const spec = {
    $schema: SCHEMA_URL,
    title: { text: title, subtitle: wrapLines(subtitle, 110) },
    hconcat: panels,
    resolve: { scale: { color: 'shared', shape: 'shared' } },
    config: { ...CONFIG, legend: { ...CONFIG.legend, orient: 'bottom', direction: 'vertical', symbolOpacity: 1 } },
  } as TopLevelSpec;
  return {
    name: 'compare',
    title,
    spec,
    caption:
      `Points off the diagonal changed. Triangles are changes beyond ${pct} that are certain (deterministic scenarios) or significant over the replicates; ` +
      'squares changed beyond the threshold but within the noise. The regressions and improvements are listed by migsweep compare (compare.json in this folder).',
  };
}
