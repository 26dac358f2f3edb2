/**
 * Reading a fleet file (docs/fleets.md): hosts with their NICs, an optional
 * core link, the VMs to move (each a single-VM scenario plus from, to,
 * start; `count` copies an item, and a value written `{ oneOf: [...] }` or
 * `{ distribution: ... }` is drawn per copy from the fleet's seed), the orchestrator (a preset and any
 * field of its own), a horizon and a seed. Problems name the file, line and
 * path, what was expected and the nearest valid name.
 */
import { Random, hashString } from '../engine/random.js';
import type { Scenario } from '../engine/types.js';
import type { SourceDocument } from '../scenario/document.js';
import { InputError, suggest, type InputProblem } from '../common/errors.js';
import { formatPathSegments, type PathSegment } from '../scenario/path.js';
import { parseQuantity } from '../scenario/quantity.js';
import { describeFound } from '../common/errors.js';
import { formatBytes } from '../common/format.js';
import { validateScenario } from '../scenario/validate.js';
import { drawOne, isDistributionSpec, parseAnyQuantity, readDistribution } from '../scenario/distribution.js';
import { FLEET_ORDERS, ORCHESTRATOR_PRESETS, orchestratorFromPreset, type FleetOrder, type Orchestrator } from './orchestrators.js';
import type { Fleet, FleetHost, FleetVm } from './simulate-fleet.js';

const TOP_KEYS = ['hosts', 'core', 'vms', 'defaults', 'orchestrator', 'horizon', 'seed'];
const VM_KEYS = ['name', 'from', 'to', 'start', 'count', 'priority', 'after'];
const ORCHESTRATOR_KEYS = [
  'preset',
  'maxParallel',
  'maxOutboundPerHost',
  'maxInboundPerHost',
  'costSlots',
  'splitBandwidth',
  'order',
  'retries',
  'retryDelay',
  'retryBackoff',
  'retryDelayMax',
];
const HOST_KEYS = ['nic', 'memory'];

/** Whether parsed YAML is a fleet (it has hosts and vms) rather than a single-VM scenario. */
export function isFleet(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'hosts' in raw && 'vms' in raw;
}

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

export function validateFleet(raw: unknown, file: string, doc?: SourceDocument): Fleet {
  const problems: InputProblem[] = [];
  const at = (path: PathSegment[], message: string) => {
    const pos = doc?.locate(path);
    problems.push({ path: formatPathSegments(path), message, line: pos?.line, col: pos?.col });
  };
  const top = raw as Raw;
  for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) at([k], `unknown key '${k}'${suggest(k, TOP_KEYS)} (allowed here: ${TOP_KEYS.join(', ')})`);
  const quantityAt = (path: PathSegment[], v: unknown, dim: 'rate' | 'time' | 'bytes', positive: boolean): number | null => {
    const q = parseQuantity(v, dim);
    if (!q.ok) {
      at(path, q.reason);
      return null;
    }
    if (positive ? !(q.value > 0) : q.value < 0) {
      at(path, `expected a ${positive ? 'positive' : 'non-negative'} ${dim === 'rate' ? 'rate' : dim === 'bytes' ? 'size' : 'duration'}, found ${describeFound(v)}`);
      return null;
    }
    return q.value;
  };

  const hosts: FleetHost[] = [];
  if (!isMap(top.hosts) || Object.keys(top.hosts).length === 0) at(['hosts'], `expected a mapping of host names to { nic: <rate> }, found ${describeFound(top.hosts)}`);
  else
    for (const [name, h] of Object.entries(top.hosts)) {
      if (!isMap(h) || h.nic === undefined) {
        at(['hosts', name], `expected { nic: <rate> } (the host's NIC capacity, e.g. 10Gbit/s), found ${describeFound(h)}`);
        continue;
      }
      for (const k of Object.keys(h)) if (!HOST_KEYS.includes(k)) at(['hosts', name, k], `unknown key '${k}'${suggest(k, HOST_KEYS)} (allowed here: ${HOST_KEYS.join(', ')})`);
      const nic = quantityAt(['hosts', name, 'nic'], h.nic, 'rate', true);
      const memory = h.memory === undefined ? null : quantityAt(['hosts', name, 'memory'], h.memory, 'bytes', true);
      if (nic !== null) hosts.push({ name, nicBytesPerSec: nic, memoryBytes: memory });
    }
  const hostNames = isMap(top.hosts) ? Object.keys(top.hosts) : [];

  let core: number | null = null;
  if (top.core !== undefined) {
    if (!isMap(top.core) || top.core.bandwidth === undefined) at(['core'], `expected { bandwidth: <rate> }, found ${describeFound(top.core)}`);
    else core = quantityAt(['core', 'bandwidth'], top.core.bandwidth, 'rate', true);
  }
  const horizonS = top.horizon === undefined ? 3600 : (quantityAt(['horizon'], top.horizon, 'time', true) ?? 3600);
  const seed = typeof top.seed === 'number' && Number.isInteger(top.seed) && top.seed >= 0 ? top.seed : 1;
  if (top.seed !== undefined && seed !== top.seed) at(['seed'], `expected a whole number >= 0, found ${describeFound(top.seed)}`);

  const orchestrator = readOrchestrator(top.orchestrator, at, quantityAt);
  const defaults = top.defaults === undefined ? {} : isMap(top.defaults) ? top.defaults : (at(['defaults'], 'expected a mapping of scenario fields'), {});

  const vms: FleetVm[] = [];
  // an item with count: its name stands for all its copies in `after`
  const copies = new Map<string, string[]>();
  if (!Array.isArray(top.vms) || top.vms.length === 0) at(['vms'], `expected a list of VMs to move, found ${describeFound(top.vms)}`);
  else
    top.vms.forEach((item: unknown, i) => {
      if (!isMap(item)) {
        at(['vms', i], `expected a VM: a scenario (vm, workload, policy) with from, to and a name, found ${describeFound(item)}`);
        return;
      }
      const count = item.count === undefined ? 1 : item.count;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
        at(['vms', i, 'count'], `expected a whole number >= 1, found ${describeFound(item.count)}`);
        return;
      }
      const base = typeof item.name === 'string' ? item.name : `vm${i + 1}`;
      if (count > 1)
        copies.set(
          base,
          Array.from({ length: count }, (_, k) => `${base}-${k + 1}`),
        );
      for (const end of ['from', 'to'] as const) {
        const h = item[end];
        if (typeof h !== 'string' || !hostNames.includes(h))
          at(['vms', i, end], `expected one of the hosts (${hostNames.join(', ')}), found ${describeFound(h)}${typeof h === 'string' ? suggest(h, hostNames) : ''}`);
      }
      const start = item.start === undefined ? 0 : quantityAt(['vms', i, 'start'], item.start, 'time', false);
      const priority = typeof item.priority === 'number' ? item.priority : 0;
      const after = readAfter(item.after, ['vms', i, 'after'], at);
      for (let k = 0; k < count; k++) {
        const name = count === 1 ? base : `${base}-${k + 1}`;
        const rng = new Random(hashString(name, seed));
        let broken = false;
        const bad = (where: PathSegment[], message: string) => {
          broken = true;
          at(['vms', i, ...where], message);
        };
        const scenarioRaw = withDefaults(structuredClone(defaults), drawn(withoutFleetKeys(item), rng, [], bad) as Raw);
        if (broken) return;
        if (!isMap(scenarioRaw.link)) scenarioRaw.link = {};
        // the path's capacity stands in for the link; the fleet gives each VM its share
        (scenarioRaw.link as Raw).bandwidth = 1;
        scenarioRaw.horizon = horizonS;
        if (scenarioRaw.seed === undefined) scenarioRaw.seed = hashString(`seed:${name}`, seed);
        let scenario: Scenario;
        try {
          scenario = validateScenario(scenarioRaw, { file, doc, prefix: ['vms', i] });
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          problems.push(...e.problems);
          return;
        }
        vms.push({ name, from: String(item.from), to: String(item.to), requestedStartS: start ?? 0, priority, after, scenario, item: i } as FleetVm);
      }
    });
  const names = new Set<string>();
  for (const vm of vms) {
    if (names.has(vm.name)) at(['vms'], `two VMs are named '${vm.name}': names must differ (give each a name, or use count)`);
    names.add(vm.name);
  }
  if (problems.length === 0) {
    for (const vm of vms) vm.after = (vm.after ?? []).flatMap((d) => copies.get(d) ?? [d]);
    checkDependencies(vms, at);
    checkMemory(hosts, vms, at);
  }
  if (problems.length > 0) throw new InputError(file, problems.slice(0, 12));
  for (const vm of vms) delete (vm as { item?: number }).item;
  return { hosts, coreBytesPerSec: core, vms, orchestrator, horizonS };
}

/** A VM's fields over the fleet's defaults: `vm` and `link` merged key by key, anything else replaced. */
function withDefaults(defaults: Raw, own: Raw): Raw {
  const out: Raw = { ...defaults, ...own };
  for (const k of ['vm', 'link']) if (isMap(defaults[k]) && isMap(own[k])) out[k] = { ...defaults[k], ...own[k] };
  return out;
}

function withoutFleetKeys(item: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(item)) if (!VM_KEYS.includes(k)) out[k] = v;
  return out;
}

/**
 * `{ oneOf: [a, b, ...] }` anywhere in a VM item becomes one of its values,
 * and `{ distribution: ..., ... }` one draw of it (src/scenario/distribution.ts),
 * drawn with the VM's own generator; a bad distribution is reported at its path.
 */
function drawn(v: unknown, rng: Random, path: PathSegment[], bad: (where: PathSegment[], message: string) => void): unknown {
  if (Array.isArray(v)) return v.map((x, j) => drawn(x, rng, [...path, j], bad));
  if (!isMap(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === 'oneOf' && Array.isArray(v.oneOf) && v.oneOf.length > 0) return drawn(v.oneOf[rng.int(v.oneOf.length)], rng, path, bad);
  if (isDistributionSpec(v)) {
    const read = readDistribution(v, parseAnyQuantity, 'forbidden');
    if (read.ok) return drawOne(read.distribution, rng);
    for (const p of read.problems) bad(p.key === undefined ? path : [...path, p.key], p.message);
    return undefined;
  }
  const out: Raw = {};
  for (const [k, x] of Object.entries(v)) out[k] = drawn(x, rng, [...path, k], bad);
  return out;
}

type At = (path: PathSegment[], message: string) => void;
type QuantityAt = (path: PathSegment[], v: unknown, dim: 'rate' | 'time' | 'bytes', positive: boolean) => number | null;

/** `after: [names]` (or one name): the VMs whose migrations must end first; checked against the fleet's names once all are read. */
function readAfter(v: unknown, path: PathSegment[], at: At): string[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list;
  at(path, `expected a list of VM names whose migrations must end first, found ${describeFound(v)}`);
  return [];
}

/** A VM item's place in the file, for messages about the VMs made from it. */
const itemOf = (vm: FleetVm): number => (vm as { item?: number }).item ?? 0;

/** Every `after` name is a VM of the fleet, and the dependencies have no cycle (named in the message). */
function checkDependencies(vms: FleetVm[], at: At): void {
  const names = vms.map((v) => v.name);
  const index = new Map(names.map((n, i) => [n, i]));
  let known = true;
  for (const vm of vms)
    (vm.after ?? []).forEach((d, k) => {
      if (index.has(d)) return;
      known = false;
      at(['vms', itemOf(vm), 'after', k], `expected the name of a VM of this fleet, found '${d}'${suggest(d, names)}`);
    });
  if (!known) return;
  // depth-first search; a VM met again while still on the path closes a cycle
  const state = vms.map(() => 0); // 0 unseen, 1 on the path, 2 done
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    state[i] = 1;
    path.push(i);
    for (const d of (vms[i] as FleetVm).after ?? []) {
      const j = index.get(d) as number;
      if (state[j] === 1) return [...path.slice(path.indexOf(j)), j];
      if (state[j] === 0) {
        const cycle = visit(j);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < vms.length; i++) {
    if (state[i] !== 0) continue;
    const cycle = visit(i);
    if (cycle) {
      const first = vms[cycle[0] as number] as FleetVm;
      at(
        ['vms', itemOf(first), 'after'],
        `expected dependencies without a cycle, found ${cycle.map((j) => (vms[j] as FleetVm).name).join(' -> ')} (each waits for the next to end): remove one of these 'after' names`,
      );
      return;
    }
  }
}

/** With `memory`, a host holds the VMs that start on it, and a VM fits its destination. */
function checkMemory(hosts: FleetHost[], vms: FleetVm[], at: At): void {
  for (const h of hosts) {
    if (h.memoryBytes == null) continue;
    const on = vms.filter((v) => v.from === h.name);
    const need = on.reduce((n, v) => n + v.scenario.vm.ram, 0);
    if (need > h.memoryBytes)
      at(
        ['hosts', h.name, 'memory'],
        `expected at least the RAM of the VMs that start on ${h.name}: they need ${formatBytes(need)} (${on.length} VMs), it holds ${formatBytes(h.memoryBytes)}; raise its memory or move fewer or smaller VMs`,
      );
    for (const v of vms)
      if (v.to === h.name && v.scenario.vm.ram > h.memoryBytes)
        at(
          ['vms', itemOf(v), 'vm', 'ram'],
          `expected a VM that fits its destination ${h.name} (memory ${formatBytes(h.memoryBytes)}), found ${v.name} with ${formatBytes(v.scenario.vm.ram)}`,
        );
  }
}

function readOrchestrator(given: unknown, at: At, quantityAt: QuantityAt): Orchestrator {
  if (given === undefined) return orchestratorFromPreset('none');
  if (!isMap(given)) {
    at(['orchestrator'], `expected a mapping (preset and limits), found ${describeFound(given)}`);
    return orchestratorFromPreset('none');
  }
  for (const k of Object.keys(given))
    if (!ORCHESTRATOR_KEYS.includes(k)) at(['orchestrator', k], `unknown key '${k}'${suggest(k, ORCHESTRATOR_KEYS)} (allowed here: ${ORCHESTRATOR_KEYS.join(', ')})`);
  const presets = Object.keys(ORCHESTRATOR_PRESETS);
  let o = orchestratorFromPreset('none');
  if (given.preset !== undefined) {
    if (typeof given.preset === 'string' && presets.includes(given.preset)) o = orchestratorFromPreset(given.preset);
    else
      at(
        ['orchestrator', 'preset'],
        `expected one of ${presets.join(', ')}, found ${describeFound(given.preset)}${typeof given.preset === 'string' ? suggest(given.preset, presets) : ''}`,
      );
  }
  for (const k of ['maxParallel', 'maxOutboundPerHost', 'maxInboundPerHost'] as const) {
    const v = given[k];
    if (v === undefined) continue;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) o[k] = v;
    else at(['orchestrator', k], `expected a whole number >= 0 (0 = no limit), found ${describeFound(v)}`);
  }
  for (const k of ['costSlots', 'splitBandwidth'] as const) {
    const v = given[k];
    if (v === undefined) continue;
    if (typeof v === 'boolean') o[k] = v;
    else at(['orchestrator', k], `expected true or false, found ${describeFound(v)}`);
  }
  if (given.retries !== undefined) {
    const v = given.retries;
    if (v === 'unlimited') o.retries = Infinity;
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) o.retries = v;
    else at(['orchestrator', 'retries'], `expected a whole number >= 0 (0 = no retry) or 'unlimited', found ${describeFound(v)}`);
  }
  for (const [k, field] of [
    ['retryDelay', 'retryDelayS'],
    ['retryDelayMax', 'retryDelayMaxS'],
  ] as const) {
    if (given[k] === undefined) continue;
    const v = quantityAt(['orchestrator', k], given[k], 'time', false);
    if (v !== null) o[field] = v;
  }
  if (given.retryBackoff !== undefined) {
    const v = given.retryBackoff;
    if (typeof v === 'number' && v >= 1) o.retryBackoff = v;
    else at(['orchestrator', 'retryBackoff'], `expected a number >= 1 (each retry waits this many times longer than the one before), found ${describeFound(v)}`);
  }
  // each retry must move time on, or an attempt aborted at once would be retried for ever at one instant
  if (o.retries === Infinity && !(o.retryDelayS > 0))
    at(
      ['orchestrator', given.retryDelay !== undefined ? 'retryDelay' : 'retries'],
      `expected a positive retryDelay with unlimited retries (or a number of retries), found retryDelay ${o.retryDelayS} s`,
    );
  if (given.order !== undefined) {
    if (typeof given.order === 'string' && (FLEET_ORDERS as readonly string[]).includes(given.order)) o.order = given.order as FleetOrder;
    else
      at(
        ['orchestrator', 'order'],
        `expected one of ${FLEET_ORDERS.join(', ')}, found ${describeFound(given.order)}${typeof given.order === 'string' ? suggest(given.order, FLEET_ORDERS) : ''}`,
      );
  }
  return o;
}
