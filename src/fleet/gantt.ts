/**
 * The Gantt chart of one fleet (`migsweep run <fleet-file> --timeline`):
 * each VM's wait in the queue, pre-copy, downtime and post-copy on one time
 * axis, and below it each VM's share of the link over time (the `rates` of
 * its VmRun) stacked, so the NIC's use shows.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatMs } from '../common/format.js';
import { CONFIG, SCHEMA_URL, VARIANT_COLORS, wrapLines } from '../report/charts/style.js';
import { displayUnit, NUMBER_FORMAT } from '../report/units.js';
import type { FleetResult, VmRun } from './simulate-fleet.js';

export type GanttPhase = 'queued' | 'pre-copy' | 'downtime' | 'post-copy' | 'aborted' | 'unfinished';

/** One bar: a VM's phase from `fromMs` to `toMs` (ms since the fleet's start). */
export interface GanttBar {
  vm: string;
  phase: GanttPhase;
  fromMs: number;
  toMs: number;
}

/** A VM's share of its path from `tMs` on (bytes/s), 0 when it does not run. */
export interface SharePoint {
  vm: string;
  tMs: number;
  bytesPerSec: number;
}

const PHASE_COLORS: Record<GanttPhase, string> = {
  queued: '#d9d9d9',
  'pre-copy': '#4c78a8',
  downtime: '#c0392b',
  'post-copy': '#e08a00',
  aborted: '#7b3294',
  unfinished: '#9a9a9a',
};

/**
 * A VM's bars, attempt by attempt: its wait in the queue, then for a
 * completed attempt pre-copy from its start until the guest stops, the
 * downtime, then post-copy (the last `postcopyMs`). An aborted or
 * unfinished attempt is one bar of that outcome (an aborted one retried
 * is followed by the wait for its retry). A guest paused before post-copy
 * has a downtime that runs into the post-copy: its downtime bar stops
 * where the post-copy starts.
 */
export function vmBars(v: VmRun): GanttBar[] {
  const bars: GanttBar[] = [];
  const name = v.vm.name;
  v.attempts.forEach((a, k) => {
    // the wait: from the request (the first) or from the abort before (a retry), so the bars leave no gap
    const prev = v.attempts[k - 1];
    const askedMs = (prev ? prev.startS + prev.result.totalTimeMs / 1000 : a.requestedS) * 1000;
    const startMs = a.startS * 1000;
    if (startMs > askedMs) bars.push({ vm: name, phase: 'queued', fromMs: askedMs, toMs: startMs });
    const r = a.result;
    const endMs = startMs + r.totalTimeMs;
    if (r.outcome !== 'completed') {
      bars.push({ vm: name, phase: r.outcome === 'aborted' ? 'aborted' : 'unfinished', fromMs: startMs, toMs: endMs });
      return;
    }
    // with post-copy the guest stops for the switch-over (its downtime) just before the post-copy; a guest paused
    // earlier counts the post-copy in its downtime, so its downtime bar is what is left before the post-copy
    const postFromMs = endMs - r.postcopyMs;
    const stoppedMs = r.postcopyMs > 0 && r.downtimeMs > r.postcopyMs ? r.downtimeMs - r.postcopyMs : r.downtimeMs;
    const downFromMs = Math.max(startMs, postFromMs - stoppedMs);
    if (downFromMs > startMs) bars.push({ vm: name, phase: 'pre-copy', fromMs: startMs, toMs: downFromMs });
    if (postFromMs > downFromMs) bars.push({ vm: name, phase: 'downtime', fromMs: downFromMs, toMs: postFromMs });
    if (r.postcopyMs > 0) bars.push({ vm: name, phase: 'post-copy', fromMs: postFromMs, toMs: endMs });
  });
  return bars;
}

/**
 * Every VM's share at every instant any share changes (a dense table, so
 * that the shares stack): its rate from its VmRun's `rates` while it runs,
 * 0 before its start and from its end.
 */
export function sharePoints(runs: readonly VmRun[]): SharePoint[] {
  // each VM's attempts as spans (an aborted attempt retried later sent bytes too)
  const vms = runs
    .filter((v) => v.attempts.length > 0)
    .map((v) => ({
      name: v.vm.name,
      spans: v.attempts.map((a) => ({ startMs: a.startS * 1000, endMs: a.startS * 1000 + a.result.totalTimeMs, rates: a.rates })),
    }));
  const instants = [...new Set(vms.flatMap(({ spans }) => spans.flatMap(({ startMs, endMs, rates }) => [...rates.map((r) => startMs + r.atS * 1000), endMs])))].sort(
    (a, b) => a - b,
  );
  const points: SharePoint[] = [];
  for (const t of instants)
    for (const { name, spans } of vms) {
      let rate = 0;
      for (const { startMs, endMs, rates } of spans) if (t >= startMs && t < endMs) for (const r of rates) if (startMs + r.atS * 1000 <= t) rate = r.bytesPerSec;
      points.push({ vm: name, tMs: t, bytesPerSec: rate });
    }
  return points;
}

/** The Gantt spec: bars per VM (listed order, top to bottom), the stacked shares below on the same time axis. */
export function fleetGanttSpec(result: FleetResult, title: string): TopLevelSpec {
  const bars = result.runs.flatMap(vmBars);
  const shares = sharePoints(result.runs);
  const tu = displayUnit('tMs', [result.makespanS * 1000]);
  const ru = displayUnit(
    'bandwidthBytesPerSec',
    shares.map((p) => p.bytesPerSec),
  );
  const names = result.runs.map((v) => v.vm.name);
  const phases = (Object.keys(PHASE_COLORS) as GanttPhase[]).filter((p) => bars.some((b) => b.phase === p));
  const domain = [0, (result.makespanS * 1000) / tu.factor];
  const x = (field: string, withAxis: boolean) => ({
    field,
    type: 'quantitative',
    title: withAxis ? `time since the drain began (${tu.unit})` : null,
    scale: { domain, nice: false, zero: true },
    axis: withAxis ? { format: NUMBER_FORMAT } : { labels: false, title: null },
  });
  const width = 720;
  const notStarted = result.runs.filter((v) => v.result === null).map((v) => v.vm.name);
  const subtitle = [
    `Makespan ${formatMs(result.makespanS * 1000)}, ${result.runs.length} VMs.`,
    'Grey: waiting for the orchestrator; blue: pre-copy; red: the guest is stopped (downtime); orange: post-copy.',
    "Below: each VM's share of its path over time, stacked.",
    ...(notStarted.length ? [`Not started before the horizon: ${notStarted.join(', ')}.`] : []),
    ...(result.converged ? [] : [`The fixed point did not settle in ${result.rounds} rounds: the fleet drawn was built event by event.`]),
  ];
  return {
    $schema: SCHEMA_URL,
    title: { text: title, subtitle: wrapLines(subtitle, 95) },
    vconcat: [
      {
        width,
        height: Math.max(60, 18 * names.length),
        data: { values: bars.map((b) => ({ ...b, from: b.fromMs / tu.factor, to: b.toMs / tu.factor, took: formatMs(b.toMs - b.fromMs) })) },
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y: { field: 'vm', type: 'nominal', sort: names, title: null },
          x: x('from', false),
          x2: { field: 'to' },
          color: { field: 'phase', type: 'nominal', title: null, scale: { domain: phases, range: phases.map((p) => PHASE_COLORS[p]) }, legend: { orient: 'top' } },
          tooltip: [{ field: 'vm' }, { field: 'phase' }, { field: 'took', title: 'duration' }],
        },
      },
      {
        width,
        height: 160,
        data: { values: shares.map((p) => ({ vm: p.vm, t: p.tMs / tu.factor, share: p.bytesPerSec / ru.factor })) },
        mark: { type: 'area', interpolate: 'step-after' },
        encoding: {
          x: x('t', true),
          y: { field: 'share', type: 'quantitative', stack: 'zero', title: `share of the link (${ru.unit})`, axis: { format: NUMBER_FORMAT } },
          color: { field: 'vm', type: 'nominal', sort: names, title: 'VM', scale: { range: VARIANT_COLORS }, legend: names.length > 12 ? null : { orient: 'right' } },
          order: { field: 'vm' },
          tooltip: [{ field: 'vm' }, { field: 't', title: `from (${tu.unit})`, format: NUMBER_FORMAT }, { field: 'share', title: ru.unit, format: NUMBER_FORMAT }],
        },
      },
    ],
    spacing: 12,
    resolve: { scale: { color: 'independent' } },
    config: CONFIG,
  } as TopLevelSpec;
}
