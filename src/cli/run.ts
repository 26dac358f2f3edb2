import type { Command } from 'commander';
import { simulate } from '../engine/index.js';
import type { RunResult, Scenario } from '../engine/types.js';
import { flatRecord, policyLabel } from '../scenario/flatten.js';
import { formatBytes, formatMs, formatRate } from '../common/format.js';
import { scenarioOf } from './scenario-input.js';
import { readDocument } from '../scenario/document.js';
import { isFleet, validateFleet } from '../fleet/validate.js';
import { simulateFleet } from '../fleet/simulate-fleet.js';
import { fleetJson, fleetSummary } from '../fleet/output.js';
import { writeTimeline } from '../report/timeline-file.js';
import { writeFleetGantt } from '../fleet/gantt-file.js';
import { basename, extname, join, relative } from 'node:path';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('simulate one migration scenario, or a fleet of migrations sharing links (YAML or JSON; docs/fleets.md), and print its metrics')
    .argument('<scenario-file>', 'scenario file, e.g. sweeps/examples/seed-thread.yaml (a fleet: sweeps/examples/drain.yaml)')
    .option('--set <path=value>', 'override a scenario value, e.g. --set workload.dirtyRate=200MiB/s (repeatable)', collect, [])
    .option('--json', 'print one flat JSON object: the metrics and the scenario parameters')
    .option('--timeline', 'also write the run over time: timeline.csv, timeline.vl.json and timeline.svg (a fleet: its Gantt chart, gantt.vl.json and gantt.svg)')
    .option('--chart', 'the same as --timeline')
    .option('--out <dir>', 'where --timeline writes (default: results/timeline/<scenario file name>)')
    .option('--png', 'with --timeline, also write timeline.png')
    .action(async (file: string, opts: { set: string[]; json?: boolean; timeline?: boolean; chart?: boolean; out?: string; png?: boolean }) => {
      // parsed once: a file with hosts and vms is a fleet, anything else a single-VM scenario
      const doc = readDocument(file);
      const fleet = isFleet(doc.data) ? validateFleet(doc.data, file, doc) : null;
      const name = basename(file, extname(file));
      if (opts.chart) opts.timeline = true;
      if (fleet !== null) {
        const result = simulateFleet(fleet);
        process.stdout.write(opts.json ? fleetJson(result) : fleetSummary(file, result));
        if (opts.timeline) {
          const gantt = await writeFleetGantt(result, name, opts.out ?? join('results', 'timeline', name), { png: opts.png });
          (opts.json ? process.stderr : process.stdout).write(`gantt: ${shownPath(gantt.svg)}\n`);
        }
        return;
      }
      const scenario = scenarioOf(doc, opts.set);
      const timeline = opts.timeline ? await writeTimeline(scenario, name, opts.out ?? join('results', 'timeline', name), { png: opts.png }) : null;
      const result = timeline?.result ?? simulate(scenario);
      if (opts.json) process.stdout.write(`${JSON.stringify(flatRecord(result, scenario))}\n`);
      else process.stdout.write(summary(file, scenario, result));
      // with --json, stdout stays one JSON object
      if (timeline) {
        (opts.json ? process.stderr : process.stdout).write(`timeline: ${shownPath(timeline.svg)}\n`);
      }
    });
}

/** A written file's path relative to the working folder when it is below it. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** The guest's rate; a trace's as its range and the mean its column shows (over the horizon, see meanRate). */
function writeRateText(s: Scenario): string {
  const trace = s.workload.file;
  if (s.workload.kind !== 'trace' || trace === undefined || trace.ratesBytesPerSec.length < 2) return formatRate(s.workload.dirtyRate);
  const rates = trace.ratesBytesPerSec;
  return `${formatRate(Math.min(...rates))} to ${formatRate(Math.max(...rates))} (mean ${formatRate(s.workload.dirtyRate)} over the ${formatMs(s.horizon * 1000)} horizon)`;
}

/** The human-readable summary of one run. */
export function summary(file: string, s: Scenario, r: RunResult): string {
  const lines: [string, string][] = [
    ['scenario', file],
    ['policy', policyLabel(s)],
    ['guest', `${formatBytes(s.vm.ram)} RAM, ${s.workload.kind} writes at ${writeRateText(s)} over ${formatBytes(s.workload.workingSet ?? s.vm.ram * (1 - s.vm.zeroShare))}`],
    ['link', `${formatRate(s.link.bandwidth)}${s.link.latency > 0 ? `, ${formatMs(s.link.latency * 1000)} latency` : ''}`],
  ];
  if (r.outcome === 'completed') {
    lines.push(['outcome', `completed (${r.stopReason}) after ${formatMs(r.totalTimeMs)}`]);
    const ratio = r.downtimeMs / r.expectedDowntimeMs;
    const off =
      Number.isFinite(ratio) && r.expectedDowntimeMs > 0 ? ` (${ratio >= 1 ? `${ratio.toPrecision(3)}x the promise` : `${(1 / ratio).toPrecision(3)}x below the promise`})` : '';
    lines.push(['downtime', `${formatMs(r.downtimeMs)} real, ${formatMs(r.expectedDowntimeMs)} expected by the policy${off}`]);
  } else if (r.outcome === 'unfinished') {
    lines.push(['outcome', `unfinished: still running at the ${formatMs(r.totalTimeMs)} horizon (expected downtime then ${formatMs(r.expectedDowntimeMs)})`]);
  } else {
    lines.push(['outcome', `aborted (${r.stopReason}) after ${formatMs(r.totalTimeMs)}; the guest stays on the source`]);
  }
  lines.push(['sent', `${formatBytes(r.transferredBytes)} (${r.transferFactor.toPrecision(3)} x RAM) in ${r.passes} full passes, ${r.syncs} syncs`]);
  if (r.maxThrottlePct > 0) lines.push(['throttle', `up to ${r.maxThrottlePct.toFixed(0)}%, ${r.throttleCpuSeconds.toPrecision(3)} vCPU-seconds taken`]);
  if (r.postcopyMs > 0) lines.push(['post-copy', formatMs(r.postcopyMs)]);
  const w = Math.max(...lines.map(([k]) => k.length));
  return `${lines.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
