import { simulate } from '../engine/index.js';
import { POLICIES } from '../engine/policies/index.js';
import type { LinkRateChange } from '../engine/migration.js';
import type { RunResult, Scenario } from '../engine/types.js';
import type { Orchestrator } from './orchestrators.js';
import { maxMinShares, type Flow } from './share.js';

export interface FleetHost {
  name: string;
  /** NIC capacity, the same in each direction (full duplex), bytes/s */
  nicBytesPerSec: number;
}

export interface FleetVm {
  name: string;
  from: string;
  to: string;
  /** when the migration is asked for (s); it starts when the orchestrator admits it */
  requestedStartS: number;
  priority: number;
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

export interface VmRun {
  vm: FleetVm;
  /** when the orchestrator started it (s), NaN when it never started before the horizon */
  startS: number;
  /** null when it never started */
  result: RunResult | null;
  /** its share of the path over its migration: (seconds since its start, bytes/s) */
  rates: LinkRateChange[];
}

export interface FleetResult {
  runs: VmRun[];
  /** from 0 to the end of the last migration that started (s) */
  makespanS: number;
  /** fixed-point rounds until the start and end times stopped changing */
  rounds: number;
  converged: boolean;
}

/** More rounds than this and the fleet is reported as not converged (with the last round's figures). */
export const MAX_ROUNDS = 200;
const TEN_GBIT = 10e9 / 8;

/**
 * Simulate concurrent migrations that share their hosts' NICs (and a core
 * link), under an orchestrator's admission rules.
 *
 * Each migration is one single-VM engine run under a link rate that
 * changes at given instants (simulate's linkRateChanges): its max-min fair
 * share of every link on its path, capped by its base's max-bandwidth and
 * the orchestrator's split. Shares change only when a migration starts or
 * ends, so the fleet is a fixed point: from the migrations' durations the
 * orchestrator's schedule gives start and end times; those give each
 * migration its rate over time; the engine gives new durations; repeat
 * until no time changes. Round 0 runs every migration alone. A fleet of one
 * VM is exactly that VM's single run (its rate never changes).
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

  let durations: number[] = f.vms.map((vm, i) => runVm(vm.scenario, alone[i] as number, [], f.horizonS - vm.requestedStartS).totalTimeMs / 1000);
  let runs: VmRun[] = [];
  let previous: number[] | null = null;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const starts = admit(f, order, durations);
    const schedules = rateSchedules(f, starts, durations, flows, capacities);
    runs = f.vms.map((vm, i) => {
      const startS = starts[i] as number;
      if (!Number.isFinite(startS)) return { vm, startS: NaN, result: null, rates: [] };
      const rates = schedules[i] as LinkRateChange[];
      const result = runVm(vm.scenario, (rates[0] as LinkRateChange).bytesPerSec, rates.slice(1), f.horizonS - startS);
      return { vm, startS, result, rates };
    });
    const next = runs.map((r, i) => (r.result ? r.result.totalTimeMs / 1000 : (durations[i] as number)));
    const times = [...starts, ...next];
    if (previous !== null && times.every((t, i) => same(t, previous![i] as number))) return finish(runs, round, true);
    previous = times;
    durations = next;
  }
  return finish(runs, MAX_ROUNDS, false);
}

function same(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function finish(runs: VmRun[], rounds: number, converged: boolean): FleetResult {
  let makespanS = 0;
  for (const r of runs) if (r.result) makespanS = Math.max(makespanS, r.startS + r.result.totalTimeMs / 1000);
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

/**
 * The orchestrator's schedule for given durations: start times (NaN = not
 * before the horizon). At every instant a migration is asked for or ends,
 * the queue is scanned in order and each migration whose limits allow it
 * starts (a blocked one does not hold up those behind it).
 */
function admit(f: Fleet, order: number[], durations: number[]): number[] {
  const o = f.orchestrator;
  const starts = f.vms.map(() => NaN);
  const ends = f.vms.map(() => NaN);
  const out = new Map<string, number>();
  const inb = new Map<string, number>();
  const nic = new Map(f.hosts.map((h) => [h.name, h.nicBytesPerSec]));
  let waiting = [...order];
  let running: number[] = [];
  let now = 0;
  let first = true;
  while (waiting.length > 0 || running.length > 0) {
    // the next instant: a migration asked for, or one ending
    // (a queued migration that its limits hold back waits for an end, not for an instant of its own)
    let next = first ? 0 : Infinity;
    for (const i of waiting) {
      const asked = (f.vms[i] as FleetVm).requestedStartS;
      if (asked > now) next = Math.min(next, asked);
    }
    for (const i of running) next = Math.min(next, ends[i] as number);
    if (!(next < f.horizonS)) break;
    first = false;
    now = next;
    running = running.filter((i) => {
      if ((ends[i] as number) > now) return true;
      const vm = f.vms[i] as FleetVm;
      out.set(vm.from, (out.get(vm.from) ?? 0) - 1);
      inb.set(vm.to, (inb.get(vm.to) ?? 0) - 1);
      return false;
    });
    waiting = waiting.filter((i) => {
      const vm = f.vms[i] as FleetVm;
      if (vm.requestedStartS > now) return true;
      const outbound = out.get(vm.from) ?? 0;
      const inbound = inb.get(vm.to) ?? 0;
      const slots = o.costSlots ? ((nic.get(vm.from) ?? 0) < TEN_GBIT ? 4 : 8) : 0;
      const blocked =
        (o.maxParallel > 0 && running.length >= o.maxParallel) ||
        (o.maxOutboundPerHost > 0 && outbound >= o.maxOutboundPerHost) ||
        (o.maxInboundPerHost > 0 && inbound >= o.maxInboundPerHost) ||
        (slots > 0 && outbound >= slots);
      if (blocked) return true;
      starts[i] = now;
      ends[i] = now + (durations[i] as number);
      running.push(i);
      out.set(vm.from, outbound + 1);
      inb.set(vm.to, inbound + 1);
      return false;
    });
  }
  return starts;
}

/** Each started migration's share over its run: (seconds since its start, bytes/s), first entry at 0. */
function rateSchedules(f: Fleet, starts: number[], durations: number[], flows: CappedFlow[], capacities: number[]): LinkRateChange[][] {
  const n = f.vms.length;
  const ends = starts.map((s, i) => s + (durations[i] as number));
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
