/** What `migsweep run <fleet>` prints: the fleet's figures, a table per VM, or one JSON object. */
import { quantile } from 'simple-statistics';
import { flatRecord } from '../scenario/flatten.js';
import { formatBytes, formatMs } from '../common/format.js';
import type { FleetResult, VmRun } from './simulate-fleet.js';

/** The fleet's figures with the single-VM names, in ms and bytes. */
export function fleetFigures(r: FleetResult): Record<string, number | boolean | null> {
  const started = r.runs.filter((v) => v.result !== null);
  const downtimes = started.map((v) => v.result!.downtimeMs).filter((d) => Number.isFinite(d));
  const count = (o: string) => started.filter((v) => v.result!.outcome === o).length;
  const q = (p: number) => (downtimes.length ? quantile(downtimes, p) : null);
  return {
    makespanMs: r.makespanS * 1000,
    vmCount: r.runs.length,
    completed: count('completed'),
    aborted: count('aborted'),
    unfinished: count('unfinished'),
    notStarted: r.runs.length - started.length,
    downtimeMsMedian: q(0.5),
    downtimeMsP99: q(0.99),
    downtimeMsMax: downtimes.length ? Math.max(...downtimes) : null,
    queuedMsMax: started.length ? Math.max(...started.map((v) => (v.startS - v.vm.requestedStartS) * 1000)) : null,
    transferredBytes: started.reduce((n, v) => n + v.result!.transferredBytes, 0),
    rounds: r.rounds,
    converged: r.converged,
  };
}

/** One VM's row: name, hosts, start and queue time, then the single-VM metrics and parameters. */
export function vmRecord(v: VmRun): Record<string, unknown> {
  const base = {
    name: v.vm.name,
    from: v.vm.from,
    to: v.vm.to,
    startMs: Number.isFinite(v.startS) ? v.startS * 1000 : null,
    queuedMs: Number.isFinite(v.startS) ? (v.startS - v.vm.requestedStartS) * 1000 : null,
  };
  if (v.result === null) return { ...base, outcome: 'not-started' };
  const flat = flatRecord(v.result, v.vm.scenario);
  // the link of a VM in a fleet is its share, which changes: show the first and the lowest
  delete flat.bandwidthBytesPerSec;
  delete flat.dirtyRateToBandwidth;
  return { ...base, ...flat, shareFirstBytesPerSec: v.rates[0]?.bytesPerSec ?? null, shareMinBytesPerSec: v.rates.length ? Math.min(...v.rates.map((x) => x.bytesPerSec)) : null };
}

export function fleetJson(r: FleetResult): string {
  return `${JSON.stringify({ ...fleetFigures(r), vms: r.runs.map(vmRecord) })}\n`;
}

export function fleetSummary(file: string, r: FleetResult): string {
  const f = fleetFigures(r);
  const ms = (v: unknown) => (typeof v === 'number' ? formatMs(v) : '-');
  const lines = [
    `fleet     ${file}: ${f.vmCount} VMs`,
    `makespan  ${ms(f.makespanMs)}; ${f.completed} completed, ${f.aborted} aborted, ${f.unfinished} unfinished${f.notStarted ? `, ${f.notStarted} not started before the horizon` : ''}`,
    `downtime  median ${ms(f.downtimeMsMedian)}, p99 ${ms(f.downtimeMsP99)}, max ${ms(f.downtimeMsMax)}; longest wait in the queue ${ms(f.queuedMsMax)}`,
    `sent      ${formatBytes(f.transferredBytes as number)}${r.converged ? '' : `; WARNING: the shares did not settle in ${r.rounds} rounds (the figures are the last round's)`}`,
    '',
  ];
  const rows = r.runs.map((v) => [
    v.vm.name,
    `${v.vm.from} -> ${v.vm.to}`,
    Number.isFinite(v.startS) ? ms(v.startS * 1000) : '-',
    Number.isFinite(v.startS) ? ms((v.startS - v.vm.requestedStartS) * 1000) : '-',
    v.result ? ms(v.result.totalTimeMs) : '-',
    v.result && Number.isFinite(v.result.downtimeMs) ? ms(v.result.downtimeMs) : '-',
    v.result ? formatBytes(v.result.transferredBytes) : '-',
    v.result ? `${v.result.outcome} (${v.result.stopReason})` : 'not started',
  ]);
  const head = ['vm', 'path', 'start', 'queued', 'total time', 'downtime', 'sent', 'outcome'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return `${lines.join('\n')}${fmt(head)}\n${rows.map(fmt).join('\n')}\n`;
}
