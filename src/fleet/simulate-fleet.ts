import type { LinkRateChange } from '../engine/migration.js';
import type { RunResult, Scenario } from '../engine/types.js';
import { admit, type AttemptEstimate, type ScheduledAttempt } from './admission.js';
import type { Orchestrator } from './orchestrators.js';
import { simulateEventByEvent } from './event-by-event.js';
import { addRate, makespanS, prepare, runAttempt, runVm, vmRuns } from './setup.js';
import { pathRates, type CappedFlow } from './share.js';

export interface FleetHost {
  name: string;
  /** NIC capacity, the same in each direction (full duplex), bytes/s */
  nicBytesPerSec: number;
  /** RAM the host gives its guests (bytes); null or absent: no limit */
  memoryBytes?: number | null;
}

export interface FleetVm {
  name: string;
  from: string;
  to: string;
  /** when the migration is asked for (s); it starts when the orchestrator admits it */
  requestedStartS: number;
  priority: number;
  /** names of the VMs whose migrations must end before this one is asked for */
  after?: readonly string[];
  /** the VM's own scenario; its link bandwidth is replaced by its share */
  scenario: Scenario;
}

/** A validated fleet: hosts, an optional shared core link, the VMs to move, the admission rules. */
export interface Fleet {
  hosts: FleetHost[];
  coreBytesPerSec: number | null;
  vms: FleetVm[];
  orchestrator: Orchestrator;
  horizonS: number;
}

/** One attempt of a VM's migration: an engine run from its start under its share. */
export interface AttemptRun {
  /** when this attempt was asked for (s): the VM's request, or the previous attempt's abort plus the retry delay */
  requestedS: number;
  startS: number;
  result: RunResult;
  /** its share of the path over the attempt: (seconds since its start, bytes/s) */
  rates: LinkRateChange[];
}

export interface VmRun {
  vm: FleetVm;
  /** when the VM was asked for (s): its start, or the end of the last VM it waits for; NaN when never */
  requestedS: number;
  /** when its last attempt started (s), NaN when it never started before the horizon */
  startS: number;
  /** its last attempt's result (the migration that counts); null when it never started */
  result: RunResult | null;
  /** its last attempt's share of the path: (seconds since that attempt's start, bytes/s) */
  rates: LinkRateChange[];
  /** every attempt that started, in order (the last is startS, result, rates); more than one when aborted ones were retried */
  attempts: AttemptRun[];
}

export interface FleetResult {
  runs: VmRun[];
  /** from 0 to the end of the last attempt that started (s) */
  makespanS: number;
  /** fixed-point rounds until the start and end times stopped changing (MAX_ROUNDS when they did not) */
  rounds: number;
  /** false: the fixed point did not settle and the fleet was built event by event (exact either way) */
  converged: boolean;
}

/**
 * More rounds than this and the fleet is built event by event instead
 * (exact; `converged: false` says so). All 576 fleets of sweeps/drain.yaml
 * settle in at most 17 (docs/fleets.md, "Convergence").
 */
export const MAX_ROUNDS = 50;

/** Time a VM spent in the orchestrator's queue (s): over all its attempts, from each one's request to its start. */
export function queuedS(v: VmRun): number {
  return v.attempts.reduce((t, a) => t + (a.startS - a.requestedS), 0);
}

/**
 * Simulate concurrent migrations that share their hosts' NICs (and a core
 * link), under an orchestrator's admission rules.
 *
 * Each attempt of a migration is one single-VM engine run under a link
 * rate that changes at given instants (simulate's linkRateChanges): its
 * max-min fair share of every link on its path, capped by its base's
 * max-bandwidth and the orchestrator's split. Shares change only when an
 * attempt starts or ends, so the fleet is a fixed point: from the
 * attempts' durations and outcomes the orchestrator's schedule (admit)
 * gives start and end times and the retries of aborted attempts; those
 * give each attempt its rate over time; the engine gives new durations and
 * outcomes; repeat until nothing changes. Round 0 runs every migration
 * alone. A fleet of one VM is exactly that VM's single run (its rate never
 * changes). docs/fleets.md, "Convergence", says what is proven about it:
 * a settled fixed point is the event-by-event construction's fleet, which
 * is used instead when MAX_ROUNDS rounds do not settle.
 */
export function simulateFleet(f: Fleet, opts: { maxRounds?: number } = {}): FleetResult {
  const setup = prepare(f);
  const { flows, capacities, alone, order } = setup;
  const maxRounds = opts.maxRounds ?? MAX_ROUNDS;
  const estimateOf = (r: RunResult): AttemptEstimate => ({ durationS: r.totalTimeMs / 1000, aborted: r.outcome === 'aborted' });
  const aloneEstimates = f.vms.map((vm, i) => estimateOf(runVm(vm.scenario, alone[i] as number, [], f.horizonS - vm.requestedStartS)));
  // the last round's estimate of each VM's attempts; an attempt it did not have takes the VM's last one
  let estimates: AttemptEstimate[][] = aloneEstimates.map((e) => [e]);
  let runs: VmRun[] = [];
  let previous: number[] | null = null;
  for (let round = 1; round <= maxRounds; round++) {
    const schedule = admit(f, order, (vm, k) => {
      const list = estimates[vm] as AttemptEstimate[];
      return list[Math.min(k, list.length - 1)] as AttemptEstimate;
    });
    const jobs = schedule.attempts.flat();
    const schedules = rateSchedules(jobs, flows, capacities);
    const results = jobs.map((a, j) => runAttempt(f, a.vm, a.startS, schedules[j] as LinkRateChange[]));
    const attemptRuns: AttemptRun[][] = f.vms.map(() => []);
    jobs.forEach((a, j) => attemptRuns[a.vm]?.push({ requestedS: a.requestedS, startS: a.startS, result: results[j] as RunResult, rates: schedules[j] as LinkRateChange[] }));
    runs = vmRuns(f, schedule.requestedS, attemptRuns);
    const next = runs.map((r, i) => (r.attempts.length > 0 ? r.attempts.map((a) => estimateOf(a.result)) : (estimates[i] as AttemptEstimate[])));
    // the round's times: every VM's request, its attempts' starts, durations and outcomes
    const times = runs.flatMap((r, i) => [
      r.requestedS,
      r.attempts.length,
      ...r.attempts.flatMap((a, k) => [a.startS, (next[i]![k] as AttemptEstimate).durationS, Number(next[i]![k]!.aborted)]),
    ]);
    if (previous !== null && previous.length === times.length && times.every((t, i) => same(t, previous![i] as number))) return finish(runs, round, true);
    previous = times;
    estimates = next;
  }
  // not settled: the event-by-event construction, exact by construction (docs/fleets.md, "Convergence")
  return { ...simulateEventByEvent(f, setup), rounds: maxRounds, converged: false };
}

function same(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function finish(runs: VmRun[], rounds: number, converged: boolean): FleetResult {
  return { runs, makespanS: makespanS(runs), rounds, converged };
}

/** Each scheduled attempt's share over its run: (seconds since its start, bytes/s), first entry at 0. */
function rateSchedules(jobs: readonly ScheduledAttempt[], vmFlows: readonly CappedFlow[], capacities: number[]): LinkRateChange[][] {
  const instants = [...new Set(jobs.flatMap((a) => [a.startS, a.endS]).filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  const out: LinkRateChange[][] = jobs.map(() => []);
  for (const t of instants) {
    const active = jobs.flatMap((a, j) => (a.startS <= t && t < a.endS ? [j] : []));
    if (active.length === 0) continue;
    const rates = pathRates(
      capacities,
      active.map((j) => vmFlows[(jobs[j] as ScheduledAttempt).vm] as CappedFlow),
    );
    active.forEach((j, k) => addRate(out[j] as LinkRateChange[], t - (jobs[j] as ScheduledAttempt).startS, rates[k] as number));
  }
  return out;
}
