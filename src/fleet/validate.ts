/**
 * Reading a fleet file (docs/fleets.md): hosts with their NICs, an optional
 * core link, the VMs to move (each a single-VM scenario plus from, to,
 * start; `count` copies an item, and a value written `{ oneOf: [...] }` is
 * drawn per copy from the fleet's seed), the orchestrator (a preset and any
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
import { validateScenario } from '../scenario/validate.js';
import { FLEET_ORDERS, ORCHESTRATOR_PRESETS, orchestratorFromPreset, type FleetOrder, type Orchestrator } from './orchestrators.js';
import type { Fleet, FleetHost, FleetVm } from './simulate-fleet.js';

const TOP_KEYS = ['hosts', 'core', 'vms', 'defaults', 'orchestrator', 'horizon', 'seed'];
const VM_KEYS = ['name', 'from', 'to', 'start', 'count', 'priority'];
const ORCHESTRATOR_KEYS = ['preset', 'maxParallel', 'maxOutboundPerHost', 'maxInboundPerHost', 'costSlots', 'splitBandwidth', 'order'];

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
  const quantityAt = (path: PathSegment[], v: unknown, dim: 'rate' | 'time', positive: boolean): number | null => {
    const q = parseQuantity(v, dim);
    if (!q.ok) {
      at(path, q.reason);
      return null;
    }
    if (positive ? !(q.value > 0) : q.value < 0) {
      at(path, `expected a ${positive ? 'positive' : 'non-negative'} ${dim === 'rate' ? 'rate' : 'duration'}, found ${describeFound(v)}`);
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
      for (const k of Object.keys(h)) if (k !== 'nic') at(['hosts', name, k], `unknown key '${k}' (allowed here: nic)`);
      const nic = quantityAt(['hosts', name, 'nic'], h.nic, 'rate', true);
      if (nic !== null) hosts.push({ name, nicBytesPerSec: nic });
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

  const orchestrator = readOrchestrator(top.orchestrator, at);
  const defaults = top.defaults === undefined ? {} : isMap(top.defaults) ? top.defaults : (at(['defaults'], 'expected a mapping of scenario fields'), {});

  const vms: FleetVm[] = [];
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
      for (const end of ['from', 'to'] as const) {
        const h = item[end];
        if (typeof h !== 'string' || !hostNames.includes(h))
          at(['vms', i, end], `expected one of the hosts (${hostNames.join(', ')}), found ${describeFound(h)}${typeof h === 'string' ? suggest(h, hostNames) : ''}`);
      }
      const start = item.start === undefined ? 0 : quantityAt(['vms', i, 'start'], item.start, 'time', false);
      const priority = typeof item.priority === 'number' ? item.priority : 0;
      for (let k = 0; k < count; k++) {
        const name = count === 1 ? base : `${base}-${k + 1}`;
        const rng = new Random(hashString(name, seed));
        const scenarioRaw = withDefaults(structuredClone(defaults), drawn(withoutFleetKeys(item), rng) as Raw);
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
        vms.push({ name, from: String(item.from), to: String(item.to), requestedStartS: start ?? 0, priority, scenario });
      }
    });
  const names = new Set<string>();
  for (const vm of vms) {
    if (names.has(vm.name)) at(['vms'], `two VMs are named '${vm.name}': names must differ (give each a name, or use count)`);
    names.add(vm.name);
  }
  if (problems.length > 0) throw new InputError(file, problems.slice(0, 12));
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

/** `{ oneOf: [a, b, ...] }` anywhere in a VM item becomes one of its values, drawn with the VM's own generator. */
function drawn(v: unknown, rng: Random): unknown {
  if (Array.isArray(v)) return v.map((x) => drawn(x, rng));
  if (!isMap(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === 'oneOf' && Array.isArray(v.oneOf) && v.oneOf.length > 0) return drawn(v.oneOf[rng.int(v.oneOf.length)], rng);
  const out: Raw = {};
  for (const [k, x] of Object.entries(v)) out[k] = drawn(x, rng);
  return out;
}

function readOrchestrator(given: unknown, at: (path: PathSegment[], message: string) => void): Orchestrator {
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
