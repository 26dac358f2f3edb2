/** What `migsweep run <fleet>` prints: the fleet's figures, a table per VM, or one JSON object. */
import { quantile } from 'simple-statistics';
import { flatRecord } from '../scenario/flatten.js';
import { formatBytes, formatMs } from '../common/format.js';
import { queuedS, type FleetResult, type VmRun } from './simulate-fleet.js';

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
    queuedMsMax: started.length ? Math.max(...started.map((v) => queuedS(v) * 1000)) : null,
    // every attempt's bytes crossed the links, the aborted ones' too
    transferredBytes: started.reduce((n, v) => n + sentS(v), 0),
    attempts: started.reduce((n, v) => n + v.attempts.length, 0),
    retried: started.filter((v) => v.attempts.length > 1).length,
    rounds: r.rounds,
    converged: r.converged,
  };
}

/** The bytes a VM's attempts sent, all of them. */
function sentS(v: VmRun): number {
  return v.attempts.reduce((n, a) => n + a.result.transferredBytes, 0);
}

/**
 * One VM's row: name, hosts, its last attempt's start, the time it queued
 * (over all attempts), how many attempts it took, then its last attempt's
 * single-VM metrics and parameters.
 */
export function vmRecord(v: VmRun): Record<string, unknown> {
  const base = {
    name: v.vm.name,
    from: v.vm.from,
    to: v.vm.to,
    startMs: Number.isFinite(v.startS) ? v.startS * 1000 : null,
    queuedMs: Number.isFinite(v.startS) ? queuedS(v) * 1000 : null,
    attempts: v.attempts.length,
  };
  if (v.result === null) return { ...base, outcome: 'not-started' };
  const flat = flatRecord(v.result, v.vm.scenario);
  // the link of a VM in a fleet is its share, which changes: show the first and the lowest
  delete flat.bandwidthBytesPerSec;
  delete flat.dirtyRateToBandwidth;
  return {
    ...base,
    ...flat,
    transferredBytesAllAttempts: sentS(v),
    shareFirstBytesPerSec: v.rates[0]?.bytesPerSec ?? null,
    shareMinBytesPerSec: v.rates.length ? Math.min(...v.rates.map((x) => x.bytesPerSec)) : null,
  };
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
    `attempts  ${f.attempts}${f.retried ? `; ${f.retried} VMs retried after an abort` : ''}`,
    `sent      ${formatBytes(f.transferredBytes as number)}${r.converged ? '' : `; the fixed point did not settle in ${r.rounds} rounds: the fleet was built event by event (exact)`}`,
    '',
  ];
  const rows = r.runs.map((v) => [
    v.vm.name,
    `${v.vm.from} -> ${v.vm.to}`,
    Number.isFinite(v.startS) ? ms(v.startS * 1000) : '-',
    Number.isFinite(v.startS) ? ms(queuedS(v) * 1000) : '-',
    String(v.attempts.length),
    v.result ? ms(v.result.totalTimeMs) : '-',
    v.result && Number.isFinite(v.result.downtimeMs) ? ms(v.result.downtimeMs) : '-',
    v.result ? formatBytes(v.result.transferredBytes) : '-',
    v.result ? `${v.result.outcome} (${v.result.stopReason})` : 'not started',
  ]);
  const head = ['vm', 'path', 'start', 'queued', 'attempts', 'total time', 'downtime', 'sent', 'outcome'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return `${lines.join('\n')}${fmt(head)}\n${rows.map(fmt).join('\n')}\n`;
}
