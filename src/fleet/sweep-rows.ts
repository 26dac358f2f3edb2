/**
 * The two tables of a sweep over fleets: runs.csv, one row per fleet (its
 * swept values, then its figures: makespan, downtime quantiles, times,
 * bytes, outcomes, VMs over the SLO), and migrations.csv, one row per VM
 * migration (the fleet's index and swept values, then the VM's row of
 * `migsweep run --json`). Column sets are fixed, so that every fleet's rows
 * line up whatever its policies.
 */
import { quantile } from 'simple-statistics';
import { METRIC_COLUMNS } from '../scenario/flatten.js';
import { csvText, type CsvCell } from '../sweep/csv.js';
import { fleetFigures, vmRecord } from './output.js';
import { queuedS, type FleetResult } from './simulate-fleet.js';

export const FLEET_COLUMNS = [
  'makespanMs',
  'vmCount',
  'completed',
  'aborted',
  'unfinished',
  'notStarted',
  'overSlo',
  'downtimeMsMedian',
  'downtimeMsP99',
  'downtimeMsMax',
  'totalTimeMsMedian',
  'totalTimeMsMax',
  'queuedMsMedian',
  'queuedMsMax',
  'queuedMsTotal',
  'transferredBytes',
  'attempts',
  'retried',
  'rounds',
  'converged',
] as const;

export const MIGRATION_COLUMNS = [
  'name',
  'from',
  'to',
  'startMs',
  'queuedMs',
  'attempts',
  ...METRIC_COLUMNS,
  'overSlo',
  'policy',
  'workloadPreset',
  'dirtyRateBytesPerSec',
  'seed',
  'shareFirstBytesPerSec',
  'shareMinBytesPerSec',
] as const;

const cell = (v: unknown): CsvCell => (typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : null);

/** A fleet's figures by FLEET_COLUMNS; overSlo is null without an SLO. */
export function fleetRecord(r: FleetResult, sloDowntimeMs: number | null): Record<(typeof FLEET_COLUMNS)[number], CsvCell> {
  const f = fleetFigures(r);
  const started = r.runs.filter((v) => v.result !== null);
  const totals = started.map((v) => v.result!.totalTimeMs);
  const queued = started.map((v) => queuedS(v) * 1000);
  const q = (xs: number[], p: number) => (xs.length ? quantile(xs, p) : null);
  return {
    makespanMs: f.makespanMs as number,
    vmCount: f.vmCount as number,
    completed: f.completed as number,
    aborted: f.aborted as number,
    unfinished: f.unfinished as number,
    notStarted: f.notStarted as number,
    overSlo: sloDowntimeMs === null ? null : started.filter((v) => v.result!.downtimeMs > sloDowntimeMs).length,
    downtimeMsMedian: f.downtimeMsMedian as number | null,
    downtimeMsP99: f.downtimeMsP99 as number | null,
    downtimeMsMax: f.downtimeMsMax as number | null,
    totalTimeMsMedian: q(totals, 0.5),
    totalTimeMsMax: totals.length ? Math.max(...totals) : null,
    queuedMsMedian: q(queued, 0.5),
    queuedMsMax: f.queuedMsMax as number | null,
    queuedMsTotal: queued.reduce((a, b) => a + b, 0),
    transferredBytes: f.transferredBytes as number,
    attempts: f.attempts as number,
    retried: f.retried as number,
    rounds: r.rounds,
    converged: String(r.converged),
  };
}

/** Fleet i's rows of both tables as CSV text (no header). */
export function fleetRowsText(i: number, swept: readonly unknown[], r: FleetResult, sloDowntimeMs: number | null): { runs: string; migrations: string } {
  const lead = [i, ...swept.map(cell)];
  const fleet = fleetRecord(r, sloDowntimeMs);
  const migrations = r.runs.map((v) => {
    const rec = vmRecord(v);
    const down = v.result?.downtimeMs;
    rec.overSlo = sloDowntimeMs === null || down === undefined || !Number.isFinite(down) ? null : String(down > sloDowntimeMs);
    return [...lead, ...MIGRATION_COLUMNS.map((c) => cell(rec[c]))];
  });
  return { runs: csvText([[...lead, ...FLEET_COLUMNS.map((c) => fleet[c])]]), migrations: csvText(migrations) };
}
