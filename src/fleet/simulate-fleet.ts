import { simulate } from '../engine/index.js';
import { POLICIES } from '../engine/policies/index.js';
import type { LinkRateChange } from '../engine/migration.js';
import type { RunResult, Scenario } from '../engine/types.js';
import { admit, type AttemptEstimate, type ScheduledAttempt } from './admission.js';
import type { Orchestrator } from './orchestrators.js';
import { maxMinShares, type Flow } from './share.js';

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
  /** fixed-point rounds until the start and end times stopped changing */
  rounds: number;
  converged: boolean;
}

/** More rounds than this and the fleet is reported as not converged (with the last round's figures). */
export const MAX_ROUNDS = 200;

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
 * changes). docs/fleets.md, "Convergence", says what is proven about it.
 */
export function simulateFleet(f: Fleet): FleetResult {
  const hostIndex = new Map(f.hosts.map((h, i) => [h.name, i]));
  const capacities = f.hosts.flatMap((h) => [h.nicBytesPerSec, h.nicBytesPerSec]);
  if (f.coreBytesPerSec !== null) capacities.push(f.coreBytesPerSec);
  const flows: CappedFlow[] = f.vms.map((vm) => {
    const from = hostIndex.get(vm.from) as number;
    const to = hostIndex.get(vm.to) as number;
    const links = [2 * from, 2 * to + 1, ...(f.coreBytesPerSec !== null ? [2 * f.hosts.length] : [])];
    return { links, ...flowCap(vm, f) };
  });
  // alone, a migration has its whole path: its base applies its own rate limit to the live copy
  const alone = flows.map((fl) => Math.min(...fl.links.map((l) => capacities[l] as number)));
  const order = admissionOrder(f, alone);

  const estimateOf = (r: RunResult): AttemptEstimate => ({ durationS: r.totalTimeMs / 1000, aborted: r.outcome === 'aborted' });
  const aloneEstimates = f.vms.map((vm, i) => estimateOf(runVm(vm.scenario, alone[i] as number, [], f.horizonS - vm.requestedStartS)));
  // the last round's estimate of each VM's attempts; an attempt it did not have takes the VM's last one
  let estimates: AttemptEstimate[][] = aloneEstimates.map((e) => [e]);
  let runs: VmRun[] = [];
  let previous: number[] | null = null;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const schedule = admit(f, order, (vm, k) => {
      const list = estimates[vm] as AttemptEstimate[];
      return list[Math.min(k, list.length - 1)] as AttemptEstimate;
    });
    const jobs = schedule.attempts.flat();
    const schedules = rateSchedules(jobs, flows, capacities);
    const results = jobs.map((a, j) => {
      const rates = schedules[j] as LinkRateChange[];
      return runVm((f.vms[a.vm] as FleetVm).scenario, (rates[0] as LinkRateChange).bytesPerSec, rates.slice(1), f.horizonS - a.startS);
    });
    const attemptRuns: AttemptRun[][] = f.vms.map(() => []);
    jobs.forEach((a, j) => attemptRuns[a.vm]?.push({ requestedS: a.requestedS, startS: a.startS, result: results[j] as RunResult, rates: schedules[j] as LinkRateChange[] }));
    runs = f.vms.map((vm, i) => {
      const list = attemptRuns[i] as AttemptRun[];
      const last = list[list.length - 1];
      const requestedS = schedule.requestedS[i] as number;
      return last
        ? { vm, requestedS, startS: last.startS, result: last.result, rates: last.rates, attempts: list }
        : { vm, requestedS, startS: NaN, result: null, rates: [], attempts: [] };
    });
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
  return finish(runs, MAX_ROUNDS, false);
}

function same(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function finish(runs: VmRun[], rounds: number, converged: boolean): FleetResult {
  let makespanS = 0;
  for (const r of runs) for (const a of r.attempts) makespanS = Math.max(makespanS, a.startS + a.result.totalTimeMs / 1000);
  return { runs, makespanS, rounds, converged };
}

function runVm(s: Scenario, bytesPerSec: number, changes: LinkRateChange[], horizonS: number): RunResult {
  const scenario: Scenario = { ...s, link: { ...s.link, bandwidth: bytesPerSec }, horizon: Math.max(horizonS, 1e-9) };
  return simulate(scenario, changes.length > 0 ? { linkRateChanges: changes } : {});
}

/** A migration's path and cap, and whether the cap is its base's own live rate limit (which its engine run applies itself). */
interface CappedFlow extends Flow {
  capIsOwnLimit: boolean;
}

/** The migration's own cap: its base's live rate limit, and the orchestrator's split of the slower NIC. */
function flowCap(vm: FleetVm, f: Fleet): { cap: number; capIsOwnLimit: boolean } {
  const entry = vm.scenario.policy[0];
  const module = entry ? POLICIES[entry.kind] : undefined;
  const own = module && module.role === 'base' && entry ? module.create(entry).maxBandwidthBytesPerSec : Infinity;
  let cap = own;
  const o = f.orchestrator;
  if (o.splitBandwidth && o.maxOutboundPerHost > 0) {
    const nic = (name: string) => f.hosts.find((h) => h.name === name)?.nicBytesPerSec ?? Infinity;
    cap = Math.min(cap, Math.min(nic(vm.from), nic(vm.to)) / o.maxOutboundPerHost);
  }
  return { cap, capIsOwnLimit: cap === own };
}

/** The order in which queued migrations are considered (ties: as listed). */
function admissionOrder(f: Fleet, alone: number[]): number[] {
  const key = (i: number): number => {
    const vm = f.vms[i] as FleetVm;
    switch (f.orchestrator.order) {
      case 'smallest-ram':
        return vm.scenario.vm.ram;
      case 'largest-ram':
        return -vm.scenario.vm.ram;
      case 'lowest-dirty-rate':
        return vm.scenario.workload.dirtyRate;
      case 'highest-dirty-rate':
        return -vm.scenario.workload.dirtyRate;
      case 'shortest-predicted':
        return vm.scenario.vm.ram / (alone[i] as number);
      case 'priority':
        return -vm.priority;
      default:
        return 0;
    }
  };
  return f.vms.map((_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
}

/** Each scheduled attempt's share over its run: (seconds since its start, bytes/s), first entry at 0. */
function rateSchedules(jobs: readonly ScheduledAttempt[], vmFlows: readonly CappedFlow[], capacities: number[]): LinkRateChange[][] {
  const n = jobs.length;
  const starts = jobs.map((a) => a.startS);
  const ends = jobs.map((a) => a.endS);
  const flows = jobs.map((a) => vmFlows[a.vm] as CappedFlow);
  const instants = [...new Set([...starts, ...ends].filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  const out: LinkRateChange[][] = starts.map(() => []);
  for (const t of instants) {
    const active: number[] = [];
    for (let i = 0; i < n; i++) if ((starts[i] as number) <= t && t < (ends[i] as number)) active.push(i);
    if (active.length === 0) continue;
    const shares = maxMinShares(
      capacities,
      active.map((i) => flows[i] as Flow),
    );
    // a migration held by its base's own rate limit is given its share of what the path leaves free: its base
    // applies the limit to the live copy, and the stop-and-copy, which no limit holds, gets the rest. The free
    // part of a link is split evenly between the migrations so held on it, so the rates never exceed the link.
    // A cap the engine does not know (oVirt's split) is the rate itself.
    const held = active.map((i, k) => {
      const flow = flows[i] as CappedFlow;
      return flow.capIsOwnLimit && (shares[k] as number) >= flow.cap * (1 - 1e-12);
    });
    const free = capacities.map((c) => c);
    const heldOn = capacities.map(() => 0);
    active.forEach((i, k) => {
      for (const l of (flows[i] as Flow).links) {
        free[l] = (free[l] as number) - (shares[k] as number);
        if (held[k]) heldOn[l] = (heldOn[l] as number) + 1;
      }
    });
    active.forEach((i, k) => {
      const list = out[i] as LinkRateChange[];
      const flow = flows[i] as Flow;
      let rate = shares[k] as number;
      if (held[k]) rate += Math.min(...flow.links.map((l) => Math.max(0, free[l] as number) / (heldOn[l] as number)));
      const last = list[list.length - 1];
      if (last === undefined || last.bytesPerSec !== rate) list.push({ atS: t - (starts[i] as number), bytesPerSec: rate });
    });
  }
  return out;
}
