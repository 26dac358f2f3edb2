import { FluidMemory } from './memory/fluid.js';
import { PageMemory } from './memory/pages.js';
import type { MemoryModel } from './memory/model.js';
import { Migration, type LinkRateChange } from './migration.js';
import { POLICIES } from './policies/index.js';
import type { Base, Rule } from './policy.js';
import { Random } from './random.js';
import { resolveEstimator } from './estimator.js';
import type { RunResult, Scenario, TimelinePoint } from './types.js';
import { WORKLOADS } from './workloads/index.js';
import { RateSchedule } from './workloads/rate-schedule.js';
import { wireConfig } from './wire/config.js';

export interface SimulateOptions {
  /** collect one point per event (syncs, decisions, pauses, the end) */
  timeline?: TimelinePoint[];
  /**
   * Changes of the link's rate at given instants (a fleet driver's shares of
   * a shared link), in time order; the scenario's bandwidth holds until the
   * first. None: the scenario's link, exactly as without this option.
   */
  linkRateChanges?: readonly LinkRateChange[];
  /** called with the memory model after the run, to read its page counters (sent pages, XBZRLE look-ups) */
  afterRun?: (mem: MemoryModel) => void;
}

/**
 * Simulate one migration. Pure: the result depends on the scenario alone
 * (its seed drives the only randomness, in `page` fidelity). The scenario
 * must have been validated (src/scenario); this throws on what validation
 * rules out.
 */
export function simulate(s: Scenario, opts: SimulateOptions = {}): RunResult {
  const [first, ...addOns] = s.policy;
  const head = first === undefined ? undefined : POLICIES[first.kind];
  if (first === undefined || head === undefined || head.role !== 'base') throw new Error(`policy[0] must be a base policy, found '${first?.kind}'`);
  // the base as the controllers configure it (multifd channels, XBZRLE: docs/wire.md#controllers)
  const base: Base = head.create(addOns.length > 0 ? wireConfig(s.policy, s.vm.ram).baseParams : first);
  const rules: Rule[] = [];
  for (const [j, entry] of addOns.entries()) {
    const mod = POLICIES[entry.kind];
    if (mod === undefined || mod.role !== 'rule') throw new Error(`policy[${j + 1}] must be an add-on rule, found '${entry.kind}'`);
    rules.push(mod.create(entry));
  }
  if (RateSchedule.wanted(s)) rules.unshift(RateSchedule.of(s));
  const workload = WORKLOADS[s.workload.kind];
  if (workload === undefined) throw new Error(`unknown workload '${s.workload.kind}'`);
  const classes = workload.classes(s);
  const mem: MemoryModel =
    s.fidelity === 'page'
      ? new PageMemory(s.vm.ram, s.vm.pageSize, classes, new Random(s.seed), s.workload.layout === 'contiguous')
      : new FluidMemory(s.vm.ram, s.vm.pageSize, classes, s.workload.layout === 'contiguous');
  const m = new Migration({
    mem,
    base,
    rules,
    linkBytesPerSec: s.link.bandwidth,
    latencyS: s.link.latency,
    linkJitter: s.link.jitter,
    seed: s.seed,
    vcpus: s.vm.vcpus,
    deviceStateBytes: s.vm.deviceState,
    cpuShare: s.workload.cpuShare,
    horizonS: s.horizon,
    estimator: resolveEstimator(s, base.defaultEstimator),
    timeline: opts.timeline ?? null,
    linkRateChanges: opts.linkRateChanges,
    devices: s.vm.devices,
    content: { compressibility: s.workload.compressibility ?? 1, deltaBytes: s.workload.deltaBytes ?? s.vm.pageSize },
  });
  base.run(m);
  opts.afterRun?.(mem);
  return m.result();
}
