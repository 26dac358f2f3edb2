import { POLICIES } from '../engine/policies/index.js';
import { WORKLOADS } from '../engine/workloads/index.js';
import type { ParamKind, RunResult, Scenario } from '../engine/types.js';
import { workingSetBytes } from '../engine/workloads/layout.js';

export type Cell = number | string | null;

/** Column name suffix and value conversion for a parameter kind: units in names, times in ms. */
function unitColumn(name: string, kind: ParamKind, value: unknown): [string, Cell] {
  if (kind === 'trace') return [name, (value as { path?: string } | undefined)?.path ?? null];
  const v = value === undefined ? null : (value as Cell | boolean);
  const cell: Cell = typeof v === 'boolean' ? String(v) : v;
  switch (kind) {
    case 'bytes':
      return [`${name}Bytes`, cell];
    case 'rate':
      return [`${name}BytesPerSec`, cell];
    case 'time':
      return [`${name}Ms`, typeof cell === 'number' ? cell * 1000 : cell];
    default:
      return [name, cell];
  }
}

/** A short label of a policy list: `qemu-2011 + max-passes(10) + transfer-factor(3)`. */
export function policyLabel(s: Scenario): string {
  return s.policy
    .map((p, i) => {
      if (i === 0) return p.kind;
      const specs = POLICIES[p.kind].params;
      const args = Object.keys(specs)
        .filter((k) => p[k] !== null && p[k] !== undefined)
        .map((k) => formatParam(specs[k].kind, p[k] as number | string | boolean));
      return args.length ? `${p.kind}(${args.join(', ')})` : p.kind;
    })
    .join(' + ');
}

function formatParam(kind: ParamKind, v: number | string | boolean): string {
  if (typeof v !== 'number') return String(v);
  if (kind === 'time') return v >= 60 && v % 60 === 0 ? `${v / 60}min` : v >= 1 ? `${v}s` : `${+(v * 1000).toPrecision(6)}ms`;
  return String(v);
}

/**
 * The scenario's parameters as flat columns with units in their names, as
 * `run --json` prints them and runs.csv holds them. Policy constants are
 * `<kind>_<param><Unit>` (`max-passes_passes`, `qemu-2011_downtimeLimitMs`);
 * `downtimeLimitMs` repeats the base's limit under one name for charts.
 */
export function scenarioColumns(s: Scenario): Record<string, Cell> {
  const out: Record<string, Cell> = {
    policy: policyLabel(s),
    base: s.policy[0].kind,
    workload: s.workload.kind,
    ramBytes: s.vm.ram,
    pageSizeBytes: s.vm.pageSize,
    zeroShare: s.vm.zeroShare,
    dirtyRateBytesPerSec: s.workload.dirtyRate,
    workingSetBytes: workingSetBytes(s),
    cpuShare: s.workload.cpuShare,
    vcpus: s.vm.vcpus,
    deviceStateBytes: s.vm.deviceState,
  };
  for (const [name, spec] of Object.entries(WORKLOADS[s.workload.kind].params)) {
    const [col, cell] = unitColumn(name, spec.kind, (s.workload as unknown as Record<string, unknown>)[name]);
    out[col] = cell;
  }
  out.bandwidthBytesPerSec = s.link.bandwidth;
  // L of the closed-form model: > 1 means the guest dirties faster than the link sends
  out.dirtyRateToBandwidth = s.workload.dirtyRate / s.link.bandwidth;
  out.latencyMs = s.link.latency * 1000;
  out.linkJitter = s.link.jitter;
  const limit = s.policy[0].downtimeLimit;
  out.downtimeLimitMs = typeof limit === 'number' ? limit * 1000 : null;
  const seen = new Map<string, number>();
  for (const p of s.policy) {
    const n = (seen.get(p.kind) ?? 0) + 1;
    seen.set(p.kind, n);
    const prefix = n === 1 ? p.kind : `${p.kind}#${n}`;
    for (const [name, spec] of Object.entries(POLICIES[p.kind].params)) {
      const [col, cell] = unitColumn(name, spec.kind, p[name]);
      out[`${prefix}_${col}`] = cell;
    }
  }
  out.estimator = s.estimator?.kind ?? null;
  out.horizonMs = s.horizon * 1000;
  out.seed = s.seed;
  out.fidelity = s.fidelity;
  return out;
}

/** The metric columns of a result, in the order docs/architecture.md#interfaces-that-are-a-contract lists them. */
export const METRIC_COLUMNS = [
  'totalTimeMs',
  'downtimeMs',
  'expectedDowntimeMs',
  'transferredBytes',
  'wireBytes',
  'ramBytes',
  'transferFactor',
  'syncs',
  'passes',
  'outcome',
  'stopReason',
  'maxThrottlePct',
  'throttleCpuSeconds',
  'postcopyMs',
  'postcopyFaults',
  'postcopyBlockedMs',
] as const satisfies readonly (keyof RunResult)[];

/** One flat record: metrics first (NaN becomes null), then the scenario's parameters. */
export function flatRecord(r: RunResult, s: Scenario): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const k of METRIC_COLUMNS) {
    const v = r[k];
    out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  for (const [k, v] of Object.entries(scenarioColumns(s))) if (!(k in out)) out[k] = v;
  return out;
}
