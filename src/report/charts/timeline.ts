/**
 * Chart 6, the timeline of single runs: pending dirty bytes over time, the
 * guest's dirty rate, the CPU throttle and the downtime limit when they
 * change, with the end of every full pass, the pause, the stop of the guest
 * and the end marked, and the downtime shaded. `migsweep run --timeline`
 * draws one run; the report draws one workload and link under each policy.
 */
import { itemAt } from '../../common/lookup.js';
import type { TopLevelSpec } from 'vega-lite';
import type { RunResult } from '../../engine/types.js';
import { formatBytes, formatMs } from '../../common/format.js';
import type { ChartEntry } from '../charts-schema.js';
import { chartableTimeline, type ChartableTimeline, type TimelineEvent } from '../timeline-data.js';
import type { TimelinePoint } from '../../engine/types.js';
import { displayUnit, humanExpr, niceMarks, NUMBER_FORMAT } from '../units.js';
import type { BuiltChart, ChartContext, SkippedChart } from '../types.js';
import { shareRepeatedData } from './shared-data.js';
import { CONFIG, SCHEMA_URL, VARIANT_COLORS, wrapLines } from './style.js';

/** One run to draw: its name (a variant or a file), its outcome in words, its points. */
export interface TimelineRun {
  name: string;
  color: string;
  result: RunResult;
  points: readonly TimelinePoint[];
}

const EVENT_COLORS: Record<TimelineEvent['kind'], string> = {
  pass: '#9a9a9a',
  pause: '#e08a00',
  stop: '#c0392b',
  end: '#222222',
  horizon: '#777777',
  abort: '#7b3294',
};

/** What happened, in one line: `completed in 6.7 min (transfer-factor): downtime 17.3 s, 3 passes, 3.5 x RAM sent`. */
export function runStatus(r: RunResult): string {
  const sent = `${r.passes} full pass${r.passes === 1 ? '' : 'es'}, ${formatBytes(r.transferredBytes)} sent (${r.transferFactor.toPrecision(2)} × RAM)`;
  if (r.outcome === 'completed') return `completed in ${formatMs(r.totalTimeMs)} (${r.stopReason}): downtime ${formatMs(r.downtimeMs)}, ${sent}`;
  if (r.outcome === 'unfinished') return `never completed: still copying at the ${formatMs(r.totalTimeMs)} horizon after ${sent}`;
  return `aborted after ${formatMs(r.totalTimeMs)} (${r.stopReason}), ${sent}; the guest stays on the source`;
}

/** The spec of one or more runs' timelines, stacked, each on its own time axis. */
export function timelineSpec(runs: readonly TimelineRun[], title: string, subtitle: readonly string[]): TopLevelSpec {
  const blocks = runs.map((run) => runBlock(run, chartableTimeline(run.points, run.result), runs.length > 1));
  return shareRepeatedData({
    $schema: SCHEMA_URL,
    title: { text: title, subtitle: wrapLines(subtitle, 95) },
    vconcat: blocks,
    spacing: 28,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config: CONFIG,
  }) as TopLevelSpec;
}

function runBlock(run: TimelineRun, tl: ChartableTimeline, named: boolean) {
  const tu = displayUnit('tMs', [tl.endMs]);
  const t = (ms: number) => ms / tu.factor;
  const width = 720;
  const xAxis = {
    field: 't',
    type: 'quantitative',
    title: `time since the start of the migration (${tu.unit})`,
    scale: { domain: [0, t(tl.endMs)], nice: false, zero: true },
    axis: { format: NUMBER_FORMAT },
  };
  // every panel without time labels; the block's last one gets them (withTimeAxis)
  const x = { ...xAxis, title: null, axis: null };
  const series = tl.series.map((p) => ({ ...p, t: t(p.tMs) }));
  const events = tl.events.map((e) => ({ ...e, t: t(e.tMs) }));
  const passes = events.filter((e) => e.kind === 'pass');
  // label passes no closer than a tenth of the width to each other or to the end
  const minGap = 0.1 * t(tl.endMs);
  let lastLabel = -Infinity;
  const labelled = events.filter((e) => {
    if (e.kind !== 'pass') return true;
    if (e.t - lastLabel < minGap || t(tl.endMs) - e.t < minGap / 2) return false;
    lastLabel = e.t;
    return true;
  });
  const bu = displayUnit(
    'pendingBytes',
    series.map((p) => p.pendingBytes),
  );
  const ru = displayUnit(
    'dirtyRateBytesPerSec',
    series.map((p) => p.dirtyRateBytesPerSec),
  );
  const eventColor = { field: 'kind', type: 'nominal', scale: { domain: Object.keys(EVENT_COLORS), range: Object.values(EVENT_COLORS) }, legend: null };
  const eventRules = (withLabels: boolean) => ({
    data: { values: withLabels ? events : events.filter((e) => e.kind !== 'pass' || passes.length <= 40) },
    mark: { type: 'rule', strokeWidth: 1 },
    encoding: {
      x,
      color: eventColor,
      strokeDash: { condition: { test: "datum.kind === 'pass'", value: [2, 3] }, value: [1, 0] },
      tooltip: [
        { field: 'label', type: 'nominal', title: 'event' },
        { field: 't', type: 'quantitative', title: `time (${tu.unit})`, format: NUMBER_FORMAT },
      ],
    },
  });
  const downtimeRect = tl.downtime
    ? [
        {
          data: { values: [{ from: t(tl.downtime.fromMs), to: t(tl.downtime.toMs), label: `downtime ${formatMs(tl.downtime.toMs - tl.downtime.fromMs)}` }] },
          mark: { type: 'rect', color: '#c0392b', opacity: 0.12 },
          encoding: { x: { ...x, field: 'from' }, x2: { field: 'to' }, tooltip: [{ field: 'label', type: 'nominal', title: 'guest not running' }] },
        },
      ]
    : [];
  // event labels on three rows, so that a stop and an end a few seconds apart do not overwrite each other
  const row: Record<TimelineEvent['kind'], number> = { pass: 2, pause: 14, stop: 26, end: 38, horizon: 26, abort: 14 };
  const labelRows = labelled.map((e) => ({ ...e, row: row[e.kind], right: e.kind === 'end' || e.kind === 'horizon' || (e.kind !== 'pass' && e.t > 0.75 * t(tl.endMs)) }));
  const eventLabels = {
    data: { values: labelRows },
    layer: [...new Set(labelRows.map((e) => e.row))].flatMap((r) =>
      [false, true].map((right) => ({
        transform: [{ filter: `datum.row === ${r} && ${right ? '' : '!'}datum.right` }],
        mark: { type: 'text', align: right ? 'right' : 'left', baseline: 'top', dx: right ? -3 : 3, fontSize: 10 },
        encoding: { x, y: { value: r }, text: { field: 'label' }, color: eventColor },
      })),
    ),
  };
  const pending = {
    width,
    height: 130,
    layer: [
      ...downtimeRect,
      {
        data: { values: series },
        transform: [{ calculate: `datum.pendingBytes / ${bu.factor}`, as: 'pending' }],
        layer: [
          {
            mark: { type: 'area', color: run.color, opacity: 0.25, interpolate: 'linear' },
            encoding: { x, y: { field: 'pending', type: 'quantitative', title: `pending (${bu.unit})`, scale: { zero: true }, stack: null } },
          },
          {
            mark: { type: 'line', color: run.color, strokeWidth: 1.2 },
            encoding: {
              x,
              y: { field: 'pending', type: 'quantitative', title: `pending (${bu.unit})` },
              tooltip: [
                { field: 't', type: 'quantitative', title: `time (${tu.unit})`, format: NUMBER_FORMAT },
                { field: 'pending', type: 'quantitative', title: `pending dirty (${bu.unit})`, format: NUMBER_FORMAT },
              ],
            },
          },
        ],
      },
      eventRules(true),
      eventLabels,
    ],
  };
  const timeTip = { field: 't', type: 'quantitative', title: `time (${tu.unit})`, format: NUMBER_FORMAT };
  const rateValues = series.map((p) => p.dirtyRateBytesPerSec / ru.factor);
  const panels: object[] = [
    pending,
    slimPanel(width, `dirty rate (${ru.unit})`, series, x, {
      transform: [{ calculate: `datum.dirtyRateBytesPerSec / ${ru.factor}`, as: 'rate' }],
      mark: { type: 'line', interpolate: 'step-after', color: '#555', strokeWidth: 1.2 },
      encoding: {
        // head room, so that a constant rate is a line, not the panel's top edge
        y: {
          field: 'rate',
          type: 'quantitative',
          title: null,
          scale: { domain: [0, Math.max(1e-9, ...rateValues) * 1.6], nice: false },
          axis: { tickCount: 2, format: NUMBER_FORMAT },
        },
        tooltip: [timeTip, { field: 'rate', type: 'quantitative', title: `dirty rate (${ru.unit})`, format: NUMBER_FORMAT }],
      },
    }),
    slimPanel(width, 'bytes sent / RAM', series, x, {
      transform: [{ calculate: `datum.transferredBytes / ${run.result.ramBytes}`, as: 'sent' }],
      mark: { type: 'line', color: '#555', strokeWidth: 1.2 },
      encoding: {
        y: {
          field: 'sent',
          type: 'quantitative',
          title: null,
          scale: { zero: true, domain: [0, Math.max(...series.map((p) => p.transferredBytes / run.result.ramBytes)) * 1.6], nice: false },
          axis: { tickCount: 3, format: NUMBER_FORMAT },
        },
        tooltip: [timeTip, { field: 'sent', type: 'quantitative', title: 'bytes sent / RAM', format: ',.3~r' }],
      },
    }),
  ];
  if (series.some((p) => p.throttlePct > 0)) {
    panels.push(
      slimPanel(width, 'CPU throttle (%)', series, x, {
        mark: { type: 'line', interpolate: 'step-after', color: '#7b3294', strokeWidth: 1.2 },
        encoding: {
          y: { field: 'throttlePct', type: 'quantitative', title: null, scale: { domain: [0, 160] }, axis: { values: [0, 50, 100] } },
          tooltip: [timeTip, { field: 'throttlePct', type: 'quantitative', title: 'CPU throttle (%)', format: '.0f' }],
        },
      }),
    );
  }
  const limits = series.map((p) => p.downtimeLimitMs);
  if (Math.min(...limits) !== Math.max(...limits)) {
    const lo = Math.min(...limits);
    const hi = Math.max(...limits);
    const log = hi / lo >= 10;
    const marks = log ? niceMarks('downtimeLimitMs', lo, hi) : [];
    panels.push(
      slimPanel(width, 'downtime limit', series, x, {
        mark: { type: 'line', interpolate: 'step-after', color: '#2c7fb8', strokeWidth: 1.2 },
        encoding: {
          y: {
            field: 'downtimeLimitMs',
            type: 'quantitative',
            title: null,
            scale: log ? { type: 'log', domain: [lo, hi * 4], nice: false } : { zero: true, domain: [0, hi * 1.6] },
            axis: { ...(marks.length >= 2 ? { values: marks } : { tickCount: 2 }), labelExpr: humanExpr('downtimeLimitMs', 'datum.value') },
          },
          tooltip: [timeTip, { field: 'downtimeLimitMs', type: 'quantitative', title: 'downtime limit (ms)', format: NUMBER_FORMAT }],
        },
      }),
    );
  }
  // the time axis and its title go under the last panel only
  const last = panels.length - 1;
  return {
    // a single run's name is the chart's title already: its block says only what happened
    title: named
      ? { text: run.name, subtitle: runStatus(run.result), anchor: 'start', fontSize: 13, subtitleFontSize: 11, offset: 6 }
      : { text: runStatus(run.result), anchor: 'start', fontSize: 12, fontWeight: 'normal', offset: 6 },
    vconcat: panels.map((p, i) => (i === last ? withTimeAxis(p, xAxis) : p)),
    spacing: 6,
    resolve: { scale: { x: 'shared', y: 'independent' } },
  };
}

/**
 * A short panel under the pending bytes: its name written inside at the top
 * left (a vertical axis title longer than the panel would push the panels
 * apart), the series drawn by `layer`, its x channel added here.
 */
function slimPanel(width: number, name: string, series: object[], x: object, layer: { transform?: object[]; mark: object; encoding: Record<string, unknown> }) {
  return {
    width,
    height: 48,
    layer: [
      { data: { values: series }, ...layer, encoding: { x, ...layer.encoding } },
      {
        data: { values: [{}] },
        mark: { type: 'text', align: 'left', baseline: 'top', fontSize: 10, color: '#444' },
        encoding: { x: { value: 4 }, y: { value: 2 }, text: { value: name } },
      },
    ],
  };
}

/** The last panel of a block shows the time axis with its title: every x encoding in it, nested layers too, gets the axis. */
function withTimeAxis(panel: object, xAxis: { title: string; axis: object }): object {
  const p = panel as { encoding?: { x?: object }; layer?: object[] };
  const out: Record<string, unknown> = { ...p };
  if (p.encoding?.x) out.encoding = { ...p.encoding, x: { ...p.encoding.x, title: xAxis.title, axis: xAxis.axis } };
  if (p.layer) out.layer = p.layer.map((l) => withTimeAxis(l, xAxis));
  return out;
}

/** The report's timeline chart: the `charts` entry's scenario under each policy variant (or the one asked for). */
export function timelineChart(entry: ChartEntry & { kind: 'timeline' }, ctx: ChartContext): BuiltChart | SkippedChart {
  const example = ctx.timeline?.(entry) ?? { reason: 'no scenario to re-simulate was given' };
  if ('reason' in example) return { skipped: example.reason };
  const runs: TimelineRun[] = example.runs.map((r) => ({
    name: r.variant,
    color: itemAt(VARIANT_COLORS, Math.max(0, ctx.variants.indexOf(r.variant)) % VARIANT_COLORS.length),
    result: r.result,
    points: r.points,
  }));
  const title = entry.title ?? `One migration over time: ${example.caption}`;
  const subtitle = [
    `Pending dirty: what the migration still has to send. It falls during a pass over RAM and rises as the guest writes again; the pre-copy can stop only when it is small enough.`,
    `Dotted lines: ends of full passes over RAM. Red: the guest is stopped (downtime shaded); orange: paused by the management side.`,
    example.why,
  ];
  return {
    name: 'timeline',
    title,
    spec: timelineSpec(runs, title, subtitle),
    caption: `${example.why} Each policy on its own time axis.`,
  };
}
