import { entryOf, itemAt } from '../common/lookup.js';
import { POLICIES } from '../engine/policies/index.js';
import { WORKLOADS } from '../engine/workloads/index.js';
import type { ParamKind, RunResult, Scenario } from '../engine/types.js';
import { workingSetBytes } from '../engine/workloads/layout.js';
import { formatPathSegments, type PathSegment } from './path.js';
import { wireConfig } from '../engine/wire/config.js';

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
      const specs = entryOf(POLICIES, p.kind).params;
      const args = Object.entries(specs)
        .filter(([k]) => p[k] !== null && p[k] !== undefined)
        .map(([k, spec]) => formatParam(spec.kind, p[k] as number | string | boolean));
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
export function scenarioColumns(s: Scenario, every = false): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  eachScenarioColumn(
    s,
    (column, cell) => {
      out[column] = cell;
    },
    every,
  );
  return out;
}

/**
 * The column a scenario path becomes (`link.bandwidth` -> `bandwidthBytesPerSec`,
 * `policy[1].passes` -> `max-passes_passes`, `policy[0].downtimeLimit` ->
 * `downtimeLimitMs`, the one name charts use across bases), or null when no
 * single column holds it (a whole mapping, a list, a path the scenario lacks).
 * The path is canonical: a policy entry by its index, `policy[0].x`.
 */
export function columnOfPath(s: Scenario, path: readonly PathSegment[]): string | null {
  const columnOf: Record<string, string> = {};
  eachScenarioColumn(
    s,
    (column, _cell, from) => {
      if (from !== null && !(from in columnOf)) columnOf[from] = column;
    },
    true,
  );
  return columnOf[formatPathSegments(path)] ?? null;
}

/**
 * The flat columns, one call of `put` each, in order (a column written
 * twice takes its last cell), with the scenario path each comes from (null
 * for a derived one): the first column written from a path is its column,
 * so that the base's limit is `downtimeLimitMs`. `every`: also the
 * parameters left at a default that is only a column when set
 * (columnWhenSet). Callers that fill their own row (the sweep's rows, once
 * per scenario) build no object.
 */
export function eachScenarioColumn(s: Scenario, put: (column: string, cell: Cell, path: string | null, onlyWithEvery?: boolean) => void, every = false): void {
  const policies = policyColumns(s.policy, every);
  put('policy', policies.label, null);
  put('base', itemAt(s.policy, 0).kind, 'policy[0].kind');
  put('workload', s.workload.kind, 'workload.kind');
  put('ramBytes', s.vm.ram, 'vm.ram');
  put('pageSizeBytes', s.vm.pageSize, 'vm.pageSize');
  put('zeroShare', s.vm.zeroShare, 'vm.zeroShare');
  put('dirtyRateBytesPerSec', s.workload.dirtyRate, 'workload.dirtyRate');
  put('workingSetBytes', workingSetBytes(s), 'workload.workingSet');
  put('cpuShare', s.workload.cpuShare, 'workload.cpuShare');
  put('vcpus', s.vm.vcpus, 'vm.vcpus');
  put('deviceStateBytes', s.vm.deviceState, 'vm.deviceState');
  // VFIO devices (docs/wire.md#device-state), by name: `device_gpu0_stopCopyBytes`
  const devices = s.vm.devices ?? [];
  devices.forEach((d, j) => {
    const at = `vm.devices[${j}]`;
    put(`device_${d.name}_precopyBytes`, d.precopyBytes, `${at}.precopyBytes`);
    put(`device_${d.name}_stopCopyBytes`, d.stopCopyBytes, `${at}.stopCopyBytes`);
    put(`device_${d.name}_dirtyTracking`, String(d.dirtyTracking), `${at}.dirtyTracking`);
    put(`device_${d.name}_loadTimeMs`, d.loadTime * 1000, `${at}.loadTime`);
  });
  // only when used, so that the columns of a run without them stay as they were
  const w = s.workload;
  if (w.preset != null) put('workloadPreset', w.preset, 'workload.preset');
  if (w.fluctuation != null) {
    put('fluctuationSpread', w.fluctuation.spread, 'workload.fluctuation.spread');
    put('fluctuationPeriodMs', w.fluctuation.period * 1000, 'workload.fluctuation.period');
    put('fluctuationCorrelationMs', w.fluctuation.correlation * 1000, 'workload.fluctuation.correlation');
  }
  if (w.duration != null) put('workloadDurationMs', w.duration * 1000, 'workload.duration');
  for (const c of workloadParamColumns(s.workload.kind)) put(c.column, unitColumn(c.name, c.kind, (s.workload as unknown as Record<string, unknown>)[c.name])[1], c.path);
  put('bandwidthBytesPerSec', s.link.bandwidth, 'link.bandwidth');
  // L of the closed-form model: > 1 means the guest dirties faster than the link sends
  put('dirtyRateToBandwidth', s.workload.dirtyRate / s.link.bandwidth, null);
  put('latencyMs', s.link.latency * 1000, 'link.latency');
  put('linkJitter', s.link.jitter, 'link.jitter');
  const limit = itemAt(s.policy, 0).downtimeLimit;
  put('downtimeLimitMs', typeof limit === 'number' ? limit * 1000 : null, 'policy[0].downtimeLimit');
  for (const [column, cell, path, onlyWithEvery] of policies) put(column, cell, path, onlyWithEvery);
  // what the pages hold matters to compression and XBZRLE only: a column when they are on (docs/wire.md#columns)
  if (every || policies.compression) put('compressibility', s.workload.compressibility ?? null, 'workload.compressibility', !policies.compression);
  if (every || policies.xbzrle) put('deltaBytes', s.workload.deltaBytes ?? null, 'workload.deltaBytes', !policies.xbzrle);
  put('estimator', s.estimator?.kind ?? null, 'estimator.kind');
  put('horizonMs', s.horizon * 1000, 'horizon');
  put('seed', s.seed, 'seed');
  put('fidelity', s.fidelity, 'fidelity');
}

interface ParamColumn {
  name: string;
  kind: ParamKind;
  column: string;
  path: string;
}

/** A workload kind's parameter columns (names built once per kind: a sweep flattens every scenario). */
const workloadColumnsByKind = new Map<string, ParamColumn[]>();

function workloadParamColumns(kind: string): ParamColumn[] {
  let columns = workloadColumnsByKind.get(kind);
  if (columns === undefined) {
    columns = Object.entries(entryOf(WORKLOADS, kind).params).map(([name, spec]) => ({
      name,
      kind: spec.kind,
      column: unitColumn(name, spec.kind, undefined)[0],
      path: `workload.${name}`,
    }));
    workloadColumnsByKind.set(kind, columns);
  }
  return columns;
}

/** A policy list's columns, its label, and whether its wire has compression or XBZRLE on (src/engine/wire/config.ts). */
/** [column, cell, path, a column only with `every` (a columnWhenSet parameter at its default)] */
type PolicyColumns = [string, Cell, string, boolean][] & { label: string; compression: boolean; xbzrle: boolean };

/**
 * A policy list's label and constant columns: `<kind>_<param><Unit>`, or
 * `<kind>#<n>_...` for the n-th rule of a kind. Kept for the last list seen
 * (with and without `every`): the scenarios of a sweep whose axes leave the
 * policies alone share one list.
 */
const lastPolicies: ({ list: Scenario['policy']; columns: PolicyColumns } | null)[] = [null, null];

function policyColumns(list: Scenario['policy'], every: boolean): PolicyColumns {
  const last = lastPolicies[every ? 1 : 0];
  if (last?.list === list) return last.columns;
  const columns = [] as unknown as PolicyColumns;
  const seen = new Map<string, number>();
  list.forEach((p, i) => {
    const n = (seen.get(p.kind) ?? 0) + 1;
    seen.set(p.kind, n);
    const prefix = n === 1 ? p.kind : `${p.kind}#${n}`;
    for (const [name, spec] of Object.entries(entryOf(POLICIES, p.kind).params)) {
      const onlyWithEvery = spec.columnWhenSet === true && p[name] === spec.default;
      if (!every && onlyWithEvery) continue;
      const [col, cell] = unitColumn(name, spec.kind, p[name]);
      columns.push([`${prefix}_${col}`, cell, `policy[${i}].${name}`, onlyWithEvery]);
    }
  });
  columns.label = policyLabel({ policy: list } as Scenario);
  const wire = wireConfig(list);
  columns.compression = wire.compression !== 'none';
  columns.xbzrle = wire.xbzrleCacheBytes > 0;
  lastPolicies[every ? 1 : 0] = { list, columns };
  return columns;
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

/** query-migrate's wire figures (docs/wire.md#figures): metrics of the runs that turn a wire feature on. */
export const WIRE_METRIC_COLUMNS = [
  'multifdBytes',
  'zeroPages',
  'xbzrleHitRate',
  'xbzrleOverflows',
  'compressedRatio',
  'compressionCpuSeconds',
] as const satisfies readonly (keyof RunResult)[];

/**
 * Metrics of a feature that a scenario may not use: a column of runs.csv only
 * when some scenario of the sweep uses it, and of `run --json` only when the
 * scenario does, so that the outputs of runs without the feature keep their
 * bytes (test/nightly/baseline-bytes.test.ts).
 */
export const OPTIONAL_METRIC_COLUMNS = ['deviceStopCopyBytes', ...WIRE_METRIC_COLUMNS] as const satisfies readonly (keyof RunResult)[];

type OptionalMetric = (typeof OPTIONAL_METRIC_COLUMNS)[number];
const DEVICE_METRICS: readonly OptionalMetric[] = ['deviceStopCopyBytes'];

/**
 * The optional metrics a scenario has: deviceStopCopyBytes with VFIO devices
 * (docs/wire.md#device-state), query-migrate's wire figures with multifd or
 * XBZRLE on (docs/wire.md#figures); in OPTIONAL_METRIC_COLUMNS order.
 */
export function optionalMetrics(s: Scenario): readonly OptionalMetric[] {
  const devices = (s.vm.devices ?? []).length > 0;
  const wire = wireConfig(s.policy, s.vm.ram).on;
  if (!wire) return devices ? DEVICE_METRICS : [];
  return devices ? OPTIONAL_METRIC_COLUMNS : WIRE_METRIC_COLUMNS;
}

/** The optional metric columns of a runs.csv header, in header order. */
export function optionalMetricsOf(header: readonly string[]): (typeof OPTIONAL_METRIC_COLUMNS)[number][] {
  return OPTIONAL_METRIC_COLUMNS.filter((c) => header.includes(c));
}

/** One flat record: metrics first (NaN becomes null), then the scenario's parameters. */
export function flatRecord(r: RunResult, s: Scenario): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const k of METRIC_COLUMNS) {
    const v = r[k];
    out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  for (const k of optionalMetrics(s)) out[k] = Number.isFinite(r[k]) ? r[k] : null;
  for (const [k, v] of Object.entries(scenarioColumns(s))) if (!(k in out)) out[k] = v;
  return out;
}
