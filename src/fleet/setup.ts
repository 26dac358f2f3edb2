/**
 * What both constructions of a fleet (the fixed point in simulate-fleet.ts
 * and the event-by-event one in event-by-event.ts) start from: each
 * migration's path and cap over the links, the links' capacities, the rate
 * a migration has alone, the admission order; and one engine run of a VM
 * under a rate that changes at given instants.
 */
import { simulate } from '../engine/index.js';
import { POLICIES } from '../engine/policies/index.js';
import type { LinkRateChange } from '../engine/migration.js';
import type { RunResult, Scenario } from '../engine/types.js';
import type { CappedFlow } from './share.js';
import type { AttemptRun, Fleet, FleetVm, VmRun } from './simulate-fleet.js';

export interface FleetSetup {
  /** per VM: the links it crosses (its source's send side, its destination's receive side, the core link) and its cap */
  flows: CappedFlow[];
  /** per link: its capacity (bytes/s); host i's send side is link 2i, its receive side 2i + 1, the core link last */
  capacities: number[];
  /** per VM: its path's rate when it runs alone (bytes/s) */
  alone: number[];
  /** the VMs in the order the orchestrator considers them */
  order: number[];
}

export function prepare(f: Fleet): FleetSetup {
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
  return { flows, capacities, alone, order: admissionOrder(f, alone) };
}

/** One engine run of a VM's scenario: its first rate, the changes after (seconds since its start), until the horizon (s). */
export function runVm(s: Scenario, bytesPerSec: number, changes: LinkRateChange[], horizonS: number): RunResult {
  const scenario: Scenario = { ...s, link: { ...s.link, bandwidth: bytesPerSec }, horizon: Math.max(horizonS, 1e-9) };
  return simulate(scenario, changes.length > 0 ? { linkRateChanges: changes } : {});
}

/** Runs an attempt under its rate list (first entry at 0) up to the fleet's horizon. */
export function runAttempt(f: Fleet, vm: number, startS: number, rates: readonly LinkRateChange[]): RunResult {
  return runVm((f.vms[vm] as FleetVm).scenario, (rates[0] as LinkRateChange).bytesPerSec, rates.slice(1), f.horizonS - startS);
}

/** Appends a rate from `atS` on, unless it is the rate already in force (so both constructions give the engine the same list). */
export function addRate(list: LinkRateChange[], atS: number, bytesPerSec: number): boolean {
  const last = list[list.length - 1];
  if (last !== undefined && last.bytesPerSec === bytesPerSec) return false;
  list.push({ atS, bytesPerSec });
  return true;
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

/** Each VM's run from its attempts (the last one counts). */
export function vmRuns(f: Fleet, requestedS: readonly number[], attempts: readonly AttemptRun[][]): VmRun[] {
  return f.vms.map((vm, i) => {
    const list = attempts[i] as AttemptRun[];
    const last = list[list.length - 1];
    const asked = requestedS[i] as number;
    return last
      ? { vm, requestedS: asked, startS: last.startS, result: last.result, rates: last.rates, attempts: list }
      : { vm, requestedS: asked, startS: NaN, result: null, rates: [], attempts: [] };
  });
}

/** From 0 to the end of the last attempt (s). */
export function makespanS(runs: readonly VmRun[]): number {
  let end = 0;
  for (const r of runs) for (const a of r.attempts) end = Math.max(end, a.startS + a.result.totalTimeMs / 1000);
  return end;
}
