/**
 * The charts of a sweep over fleets (docs/fleets.md), from its runs.csv
 * (one row per fleet): the makespan against the p99 downtime, one point per
 * fleet, coloured by the first swept orchestrator field (the preset when it
 * is swept); and how the makespan and the worst downtime grow with the
 * swept concurrency limit (maxParallel, maxOutboundPerHost or
 * maxInboundPerHost), a line per orchestrator setting through the median
 * over the other orchestrator fields (the orders), the band from the best to
 * the worst. Each other swept value (a NIC speed, a VM's size) is a panel.
 *
 * They are chart kinds of the report (`charts:` in the sweep file), drawn
 * from the runs rows the report reads back (src/report/fleet-run.ts: at the
 * sampled axis values only), with the Gantt chart of one drain re-simulated
 * (fleet-gantt).
 */
import { quantile } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import type { ChartEntry } from '../charts-schema.js';
import type { BuiltChart, ChartContext, SkippedChart } from '../types.js';
import { InputError } from '../../common/errors.js';
import { fleetGanttSpec } from '../../fleet/gantt.js';
import { displayUnit, NUMBER_FORMAT } from '../units.js';
import { CONFIG, SCHEMA_URL, VARIANT_COLORS, wrapLines } from './style.js';

/** A runs.csv row of a fleet sweep, as text. */
export type FleetRow = Record<string, string>;

/** The concurrency limits a sweep may vary, in the order one is picked. */
export const CONCURRENCY_PATHS = ['orchestrator.maxOutboundPerHost', 'orchestrator.maxParallel', 'orchestrator.maxInboundPerHost'];

/** How the swept paths divide: the colour, the concurrency axis, the panels. */
export function fleetRoles(axisPaths: readonly string[]): { color: string | null; concurrency: string | null; panels: string[] } {
  const concurrency = CONCURRENCY_PATHS.find((p) => axisPaths.includes(p)) ?? null;
  const orchestrator = axisPaths.filter((p) => p.startsWith('orchestrator.') && p !== concurrency);
  const color = orchestrator.find((p) => p === 'orchestrator.preset') ?? orchestrator[0] ?? null;
  // a zip group's paths move together (both NICs): one panel field is enough, but the label shows them all
  const panels = axisPaths.filter((p) => !p.startsWith('orchestrator.'));
  return { color, concurrency, panels };
}

const num = (v: string | undefined) => (v === undefined || v === '' ? NaN : Number(v));
const panelOf = (r: FleetRow, panels: readonly string[]) => panels.map((p) => `${p.replace(/^hosts\./, '')} ${r[p]}`).join(', ') || 'all fleets';

/** One line of the growth chart: per orchestrator setting and panel, per limit k, the median, best and worst over the other fields. */
export interface GrowthPoint {
  setting: string;
  panel: string;
  k: number;
  metric: 'makespanMs' | 'downtimeMsMax';
  median: number;
  min: number;
  max: number;
}

export function growthPoints(rows: readonly FleetRow[], axisPaths: readonly string[]): GrowthPoint[] {
  const { color, concurrency, panels } = fleetRoles(axisPaths);
  if (concurrency === null) return [];
  const groups = new Map<string, { setting: string; panel: string; k: number; values: Record<GrowthPoint['metric'], number[]> }>();
  for (const r of rows) {
    const setting = color ? (r[color] ?? '') : 'all';
    const panel = panelOf(r, panels);
    const k = num(r[concurrency]);
    const key = JSON.stringify([setting, panel, k]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { setting, panel, k, values: { makespanMs: [], downtimeMsMax: [] } }));
    for (const m of ['makespanMs', 'downtimeMsMax'] as const) {
      const v = num(r[m]);
      if (Number.isFinite(v)) g.values[m].push(v);
    }
  }
  const out: GrowthPoint[] = [];
  for (const g of groups.values())
    for (const m of ['makespanMs', 'downtimeMsMax'] as const) {
      const xs = g.values[m];
      if (xs.length) out.push({ setting: g.setting, panel: g.panel, k: g.k, metric: m, median: quantile(xs, 0.5), min: Math.min(...xs), max: Math.max(...xs) });
    }
  return out;
}

/** What both charts share: display units, the colour by orchestrator setting, the order as a shape, the panel facet. */
function fleetEncodings(rows: readonly FleetRow[], axisPaths: readonly string[]) {
  const { color, concurrency } = fleetRoles(axisPaths);
  const tu = displayUnit(
    'totalTimeMs',
    rows.map((r) => num(r.makespanMs)),
  );
  const du = displayUnit(
    'downtimeMs',
    rows.flatMap((r) => [num(r.downtimeMsP99), num(r.downtimeMsMax)]),
  );
  const settings = color ? [...new Set(rows.map((r) => r[color] ?? ''))] : ['all'];
  const colorEnc = {
    field: 'setting',
    type: 'nominal',
    title: color?.replace('orchestrator.', '') ?? 'fleet',
    sort: settings,
    scale: { domain: settings, range: VARIANT_COLORS },
    legend: { orient: 'bottom', symbolOpacity: 1 },
  };
  // the second orchestrator field (the order) as the points' shape
  const shapeField = axisPaths.find((p) => p.startsWith('orchestrator.') && p !== color && p !== concurrency) ?? null;
  const facet = { field: 'panel', type: 'nominal', title: null, header: { labelFontSize: 12 } };
  return { tu, du, colorEnc, shapeField, facet };
}

/** The makespan against the p99 downtime: one point per fleet row. */
export function makespanVsP99Spec(rows: readonly FleetRow[], axisPaths: readonly string[], name: string, title?: string): TopLevelSpec {
  const { color, panels } = fleetRoles(axisPaths);
  const { tu, du, colorEnc, shapeField, facet } = fleetEncodings(rows, axisPaths);
  const points = rows.map((r) => ({
    setting: color ? r[color] : 'all',
    panel: panelOf(r, panels),
    makespan: num(r.makespanMs) / tu.factor,
    p99: num(r.downtimeMsP99) / du.factor,
    fleet: r.fleet,
    shape: shapeField ? r[shapeField] : 'all',
    swept: axisPaths.map((p) => `${p} ${r[p]}`).join(', '),
  }));
  return {
    $schema: SCHEMA_URL,
    title: {
      text: title ?? `${name}: how long the drain takes against what the guests feel`,
      subtitle: wrapLines(
        [`One point per fleet: its makespan (start of the drain to the end of its last migration) and the 99th percentile of its VMs' downtimes, coloured by ${color ?? 'fleet'}.`],
        95,
      ),
    },
    data: { values: points },
    facet: { column: facet },
    spec: {
      width: 340,
      height: 260,
      mark: { type: 'point', filled: true, opacity: 0.7 },
      encoding: {
        x: { field: 'makespan', type: 'quantitative', title: `makespan (${tu.unit}, log scale)`, scale: { type: 'log' }, axis: { format: NUMBER_FORMAT } },
        y: { field: 'p99', type: 'quantitative', title: `p99 downtime (${du.unit})`, scale: { zero: false }, axis: { format: NUMBER_FORMAT } },
        color: colorEnc,
        ...(shapeField ? { shape: { field: 'shape', type: 'nominal', title: shapeField.replace('orchestrator.', ''), legend: { orient: 'bottom' } } } : {}),
        tooltip: [{ field: 'fleet' }, { field: 'swept' }, { field: 'makespan', format: NUMBER_FORMAT }, { field: 'p99', format: NUMBER_FORMAT }],
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** The makespan and the worst downtime against the swept concurrency limit; null when no limit is swept. */
export function growthSpec(rows: readonly FleetRow[], axisPaths: readonly string[], name: string, title?: string): TopLevelSpec | null {
  const { color, concurrency } = fleetRoles(axisPaths);
  const { tu, du, colorEnc, facet } = fleetEncodings(rows, axisPaths);
  if (concurrency === null) return null;
  {
    const growth = growthPoints(rows, axisPaths).map((p) => {
      const f = p.metric === 'makespanMs' ? tu.factor : du.factor;
      return { ...p, median: p.median / f, min: p.min / f, max: p.max / f };
    });
    const others = axisPaths.filter((p) => p.startsWith('orchestrator.') && p !== concurrency && p !== color);
    const panel = (metric: GrowthPoint['metric'], title: string) => ({
      width: 340,
      height: 200,
      transform: [{ filter: { field: 'metric', equal: metric } }],
      layer: [
        {
          mark: { type: 'area', opacity: 0.15 },
          encoding: { x: { field: 'k', type: 'quantitative' }, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color: colorEnc },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'k', type: 'quantitative', title: `${concurrency.replace('orchestrator.', '')} (migrations at once)`, axis: { tickMinStep: 1, format: 'd' } },
            y: { field: 'median', type: 'quantitative', title, scale: metric === 'makespanMs' ? { type: 'log' } : {}, axis: { format: NUMBER_FORMAT } },
            color: colorEnc,
            tooltip: [
              { field: 'setting' },
              { field: 'k' },
              { field: 'median', format: NUMBER_FORMAT },
              { field: 'min', format: NUMBER_FORMAT },
              { field: 'max', format: NUMBER_FORMAT },
            ],
          },
        },
      ],
    });
    return {
      $schema: SCHEMA_URL,
      title: {
        text: title ?? `${name}: the drain against the concurrency limit`,
        subtitle: wrapLines(
          [
            `Top: the makespan; bottom: the longest downtime of any VM. A line per ${color ?? 'fleet'}: the median${others.length ? ` over ${others.join(', ')}` : ''}, the band from the best to the worst.`,
          ],
          95,
        ),
      },
      data: { values: growth },
      vconcat: [
        { facet: { column: facet }, spec: panel('makespanMs', `makespan (${tu.unit}, log scale)`) },
        { facet: { column: { ...facet, header: { labels: false, title: null } } }, spec: panel('downtimeMsMax', `worst downtime (${du.unit})`) },
      ],
      config: CONFIG,
    } as TopLevelSpec;
  }
}

type Entry<K extends ChartEntry['kind']> = ChartEntry & { kind: K };

/** The fleet rows of the run, or why the chart is not drawn (a run of a single-VM sweep). */
function fleetOf(ctx: ChartContext, where: string): NonNullable<ChartContext['fleet']> {
  if (ctx.fleet === undefined)
    throw new InputError(String(ctx.run.dir), [{ path: where, message: 'this chart draws a sweep over fleets (docs/fleets.md); this run is a sweep of single VMs' }]);
  return ctx.fleet;
}

const ORCHESTRATOR_CAPTION =
  'Each fleet ran with its own orchestrator setting; the colour is the first swept orchestrator field (the preset when it is swept), the shape the next (the order).';

export function makespanVsP99Chart(entry: Entry<'makespan-vs-p99-downtime'>, ctx: ChartContext, where: string): BuiltChart | SkippedChart {
  const f = fleetOf(ctx, where);
  if (f.rows.length === 0) return { skipped: 'the run holds no fleets' };
  const spec = makespanVsP99Spec(f.rows, f.axisPaths, f.name, entry.title);
  return {
    name: 'makespan-vs-p99-downtime',
    title: entry.title ?? 'Makespan against p99 downtime',
    spec,
    caption: `Down and to the left is better: a short drain whose guests barely notice. ${ORCHESTRATOR_CAPTION}`,
  };
}

export function growthChart(entry: Entry<'growth-with-concurrency'>, ctx: ChartContext, where: string): BuiltChart | SkippedChart {
  const f = fleetOf(ctx, where);
  const spec = growthSpec(f.rows, f.axisPaths, f.name, entry.title);
  if (spec === null) return { skipped: `the sweep does not vary a concurrency limit (${CONCURRENCY_PATHS.join(', ')})` };
  return {
    name: 'growth-with-concurrency',
    title: entry.title ?? 'The drain against the concurrency limit',
    spec,
    caption:
      'More migrations at once shorten the drain only while the links have room; past that they share the same bytes and each guest waits longer in pre-copy, so its downtime grows.',
  };
}

/** The fleet whose makespan is the median of the rows (the lower of the two middle ones; the first such fleet). */
export function medianMakespanFleet(rows: readonly FleetRow[]): number | null {
  const known = rows.filter((r) => Number.isFinite(num(r.makespanMs))).sort((a, b) => num(a.makespanMs) - num(b.makespanMs) || num(a.fleet) - num(b.fleet));
  const mid = known[Math.floor((known.length - 1) / 2)];
  return mid === undefined ? null : num(mid.fleet);
}

export function fleetGanttChart(entry: Entry<'fleet-gantt'>, ctx: ChartContext, where: string): BuiltChart | SkippedChart {
  const f = fleetOf(ctx, where);
  if (entry.fleet !== undefined && entry.fleet >= f.fleets)
    throw new InputError(String(ctx.run.dir), [{ path: `${where}.fleet`, message: `the sweep has ${f.fleets} fleets (0 to ${f.fleets - 1}), found ${entry.fleet}` }]);
  const i = entry.fleet ?? medianMakespanFleet(f.rows);
  if (i === null) return { skipped: 'no fleet has a makespan to pick the median of; name one with fleet: <index>' };
  const drain = f.simulate(i);
  const swept = drain.values.map(([p, v]) => `${p} ${String(v)}`).join(', ');
  return {
    name: 'fleet-gantt',
    title: entry.title ?? `One drain, VM by VM (fleet ${i})`,
    spec: fleetGanttSpec(drain.result, entry.title ?? `${f.name}: fleet ${i}, VM by VM`),
    caption:
      `Fleet ${i}${swept ? ` (${swept})` : ''}, re-simulated${entry.fleet === undefined ? `: its makespan is the median of the ${f.rows.length} fleets drawn` : ''}. ` +
      'A long grey bar is a VM waiting for the orchestrator; a thin share below is a migration the others crowd out.',
  };
}
