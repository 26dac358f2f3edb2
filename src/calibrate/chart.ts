// The calibration chart: predicted against measured total time and bytes
// (log-log, one point per run and model, the diagonal = a perfect
// prediction) and syncs (with the +-1 band of the target), as a Vega-Lite
// spec (rendered to SVG headlessly by src/report/render.ts).
import type { TopLevelSpec } from 'vega-lite';
import type { ModelRows, MetricPair, RunComparison } from './compare.js';
import { PAGE_SEEDS } from './predict.js';

const MIB = 2 ** 20;
const MODEL_COLORS = { fluid: '#1f77b4', page: '#ff7f0e' } as const;

interface Point {
  run: string;
  model: string;
  measured: number;
  predicted: number;
  error: string;
}

function points(rows: ModelRows, pick: (r: RunComparison) => MetricPair, factor: number, positiveOnly: boolean): Point[] {
  const out: Point[] = [];
  for (const model of ['fluid', 'page'] as const) {
    for (const r of rows[model]) {
      const m = pick(r);
      if (m.measured === null || m.predicted === null) continue;
      if (positiveOnly && !(m.measured > 0 && m.predicted > 0)) continue;
      const e = m.relError;
      out.push({
        run: r.name,
        model,
        measured: m.measured / factor,
        predicted: m.predicted / factor,
        error: e === null ? '-' : `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`,
      });
    }
  }
  return out;
}

/** A log scale's domain: whole decades around every measured and predicted value. */
function logDomain(ps: readonly Point[]): [number, number] {
  const vs = ps.flatMap((p) => [p.measured, p.predicted]);
  if (vs.length === 0) return [1, 10];
  // a point within a factor 1.5 of the edge gets one more decade, so it is not drawn on the axis
  const lo = Math.min(...vs) / 1.5;
  const hi = Math.max(...vs) * 1.5;
  return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
}

const TOOLTIP = [
  { field: 'run', type: 'nominal', title: 'run' },
  { field: 'model', type: 'nominal', title: 'model' },
  { field: 'measured', type: 'quantitative', title: 'measured', format: ',.4~r' },
  { field: 'predicted', type: 'quantitative', title: 'predicted', format: ',.4~r' },
  { field: 'error', type: 'nominal', title: 'relative error' },
];

const LEGEND = { title: 'model', labelLimit: 320, labelExpr: `datum.label == 'page' ? 'page, contiguous (${PAGE_SEEDS} seeds)' : 'fluid engine'` };

function pointLayer(ps: Point[], scale: Record<string, unknown>, unit: string, axis: Record<string, unknown> = {}): Record<string, unknown> {
  const title = (what: string): string => (unit === '' ? what : `${what} (${unit})`);
  return {
    data: { values: ps },
    mark: { type: 'point', filled: true, size: 70, opacity: 0.85, clip: true },
    encoding: {
      x: { field: 'measured', type: 'quantitative', scale, axis, title: title('measured') },
      y: { field: 'predicted', type: 'quantitative', scale, axis, title: title('predicted') },
      // one legend: color and shape share field, title and labels
      color: { field: 'model', type: 'nominal', scale: { domain: ['fluid', 'page'], range: [MODEL_COLORS.fluid, MODEL_COLORS.page] }, legend: LEGEND },
      shape: { field: 'model', type: 'nominal', scale: { domain: ['fluid', 'page'], range: ['circle', 'diamond'] }, legend: LEGEND },
      tooltip: TOOLTIP,
    },
  };
}

function logPanel(title: string, ps: Point[], unit: string): Record<string, unknown> {
  const domain = logDomain(ps);
  const scale = { type: 'log', domain };
  // a tick and a grid line per decade only: minor log ticks crowd a 280 px panel
  const decades: number[] = [];
  for (let v = domain[0]; v <= domain[1] * 1.0001; v *= 10) decades.push(v);
  const axis = { values: decades, format: '~g' };
  return {
    title,
    width: 280,
    height: 280,
    layer: [
      {
        data: { values: [{ v: domain[0] }, { v: domain[1] }] },
        mark: { type: 'line', color: '#888', strokeDash: [4, 4] },
        encoding: { x: { field: 'v', type: 'quantitative', scale }, y: { field: 'v', type: 'quantitative', scale } },
      },
      pointLayer(ps, scale, unit, axis),
    ],
  };
}

function syncsPanel(ps: Point[], target: number): Record<string, unknown> {
  const hi = Math.max(2, ...ps.flatMap((p) => [p.measured, p.predicted])) + 1;
  const scale = { domain: [0, hi], nice: false };
  return {
    title: `dirty-bitmap syncs (band: within ${target})`,
    width: 280,
    height: 280,
    layer: [
      {
        data: { values: [{ v: 0 }, { v: hi }] },
        transform: [
          { calculate: `datum.v - ${target}`, as: 'lo' },
          { calculate: `datum.v + ${target}`, as: 'hi' },
        ],
        mark: { type: 'area', color: '#2ca02c', opacity: 0.12, clip: true },
        encoding: {
          x: { field: 'v', type: 'quantitative', scale },
          y: { field: 'lo', type: 'quantitative', scale },
          y2: { field: 'hi' },
        },
      },
      {
        data: { values: [{ v: 0 }, { v: hi }] },
        mark: { type: 'line', color: '#888', strokeDash: [4, 4], clip: true },
        encoding: { x: { field: 'v', type: 'quantitative', scale }, y: { field: 'v', type: 'quantitative', scale } },
      },
      pointLayer(ps, scale, ''),
    ],
  };
}

/** The Vega-Lite spec: three panels side by side, data inline. */
export function comparisonChartSpec(rows: ModelRows, syncsTarget: number): TopLevelSpec {
  const time = points(rows, (r) => r.totalTimeMs, 1000, true);
  const bytes = points(rows, (r) => r.transferredBytes, MIB, true);
  const syncs = points(rows, (r) => r.syncs, 1, false);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: 'migsweep calibration: the engine against real QEMU, predicted vs measured per run',
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif' },
    hconcat: [logPanel('total migration time', time, 's'), logPanel('bytes sent', bytes, 'MiB'), syncsPanel(syncs, syncsTarget)],
    resolve: { scale: { color: 'shared', shape: 'shared' } },
  } as unknown as TopLevelSpec;
}
