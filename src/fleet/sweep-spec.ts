/**
 * A sweep whose `base` is a fleet (docs/fleets.md, "Sweeps over fleets"):
 * axes (and zip groups) on fleet paths such as `orchestrator.maxParallel`,
 * `hosts.src.nic`, `vms[0].vm.ram` or `defaults.policy[1].passes`, crossed
 * in the order of the file (the first slowest), one task per fleet, and an
 * optional downtime SLO. The single-VM resolver (src/sweep/resolve.ts) maps
 * scenario paths to runs.csv columns and validates scenarios; a fleet has
 * neither, so this reads its own small grid, reusing the range expansion
 * (src/sweep/range.ts) and the path setter (src/sweep/grid.ts), and checks
 * every fleet with the fleet validator before anything runs.
 */
import type { SourceDocument } from '../scenario/document.js';
import { InputError, suggest, type InputProblem } from '../common/errors.js';
import { formatPathSegments, parsePath, type PathSegment } from '../scenario/path.js';
import { parseQuantity } from '../scenario/quantity.js';
import { describeFound } from '../common/errors.js';
import { withValue } from '../sweep/grid.js';
import { expandAxis, RangeSpecError } from '../sweep/range.js';
import type { AxisSpec } from '../sweep/types.js';
import { isFleet, validateFleet } from './validate.js';
import { checkFleetCharts, parseCharts } from '../report/charts-schema.js';

const KEYS = ['$schema', 'name', 'description', 'base', 'axes', 'zip', 'slo', 'charts'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** One column of the grid: a path (or a zip group of paths) and its values. */
export interface FleetAxis {
  paths: string[];
  /** values[k][p]: the k-th value of the p-th path */
  values: unknown[][];
}

export interface FleetSweep {
  file: string;
  name: string;
  base: Record<string, unknown>;
  axes: FleetAxis[];
  /** a VM whose downtime exceeds this is over the SLO (ms); null without an SLO */
  sloDowntimeMs: number | null;
  /** the fleets in task order */
  count: number;
  /** the `charts` section as given ([] = the report's defaults for fleets), checked by the report's schema */
  charts: unknown[];
}

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether a parsed sweep file's base is a fleet (hosts and vms). */
export function isFleetSweep(raw: unknown): boolean {
  return isMap(raw) && isFleet(raw.base);
}

/**
 * Read and check a fleet sweep: every key known, every axis expanded, every
 * fleet valid (`checkFleets` false: not the fleets, for a sweep that ran
 * already: its report and merge read the recorded file, whose fingerprint
 * says it is the one checked).
 */
export function readFleetSweep(raw: Raw, file: string, doc?: SourceDocument, checkFleets = true): FleetSweep {
  const problems: InputProblem[] = [];
  const at = (path: PathSegment[], message: string) => {
    const pos = doc?.locate(path);
    problems.push({ path: formatPathSegments(path), message, line: pos?.line, col: pos?.col });
  };
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) at([k], `unknown key '${k}'${suggest(k, KEYS)} (a sweep over fleets takes: ${KEYS.slice(1).join(', ')})`);
  const fileName = file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const name = raw.name === undefined ? fileName : String(raw.name);
  if (!NAME.test(name)) at(['name'], `expected a folder name (letters, digits, . _ -), found ${describeFound(raw.name)}`);

  let sloDowntimeMs: number | null = null;
  if (raw.slo !== undefined) {
    if (!isMap(raw.slo) || raw.slo.downtime === undefined || Object.keys(raw.slo).some((k) => k !== 'downtime'))
      at(['slo'], `expected { downtime: <duration> } (a VM whose downtime exceeds it is counted in overSlo), found ${describeFound(raw.slo)}`);
    else {
      const q = parseQuantity(raw.slo.downtime, 'time');
      if (q.ok && q.value > 0) sloDowntimeMs = q.value * 1000;
      else at(['slo', 'downtime'], q.ok ? `expected a positive duration, found ${describeFound(raw.slo.downtime)}` : q.reason);
    }
  }

  if (raw.charts !== undefined) {
    try {
      checkFleetCharts(parseCharts(raw.charts, file), file);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      for (const p of e.problems) problems.push({ ...p, ...doc?.locate(parsePath(p.path) ?? ['charts']) });
    }
  }

  const axes: FleetAxis[] = [];
  const axisOf = (where: PathSegment[], path: string, spec: unknown): unknown[] | null => {
    if (parsePath(path) === null) {
      at(where, `expected a fleet path such as orchestrator.maxParallel, hosts.src.nic or vms[0].vm.ram, found '${path}'`);
      return null;
    }
    if (!Array.isArray(spec) && !isMap(spec)) {
      at(where, `expected a list of values or a range { from, to, steps }, found ${describeFound(spec)}`);
      return null;
    }
    try {
      return expandAxis(spec as AxisSpec).values;
    } catch (e) {
      if (!(e instanceof RangeSpecError)) throw e;
      at(e.problem.key ? [...where, e.problem.key] : where, e.problem.message);
      return null;
    }
  };
  if (raw.axes !== undefined && !isMap(raw.axes)) at(['axes'], `expected a mapping of fleet paths to values, found ${describeFound(raw.axes)}`);
  else
    for (const [path, spec] of Object.entries(raw.axes ?? {})) {
      const values = axisOf(['axes', path], path, spec);
      if (values) axes.push({ paths: [path], values: values.map((v) => [v]) });
    }
  if (raw.zip !== undefined && !Array.isArray(raw.zip)) at(['zip'], `expected a list of groups of paths that advance together, found ${describeFound(raw.zip)}`);
  else
    (raw.zip ?? []).forEach((group: unknown, g: number) => {
      if (!isMap(group) || Object.keys(group).length === 0) return at(['zip', g], `expected a mapping of fleet paths to lists of the same length, found ${describeFound(group)}`);
      const lists = Object.entries(group).map(([path, spec]) => [path, axisOf(['zip', g, path], path, spec)] as const);
      if (lists.some(([, v]) => v === null)) return;
      const n = lists[0]![1]!.length;
      const off = lists.find(([, v]) => v!.length !== n);
      if (off) return at(['zip', g, off[0]], `expected ${n} values (as many as ${lists[0]![0]}), found ${off[1]!.length}`);
      axes.push({ paths: lists.map(([p]) => p), values: Array.from({ length: n }, (_, k) => lists.map(([, v]) => v![k])) });
    });
  const paths = axes.flatMap((a) => a.paths);
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice) at(['axes'], `the path '${twice}' is swept twice (in axes and zip); keep one`);
  if (problems.length > 0) throw new InputError(file, problems);

  const charts = Array.isArray(raw.charts) ? (raw.charts as unknown[]) : [];
  const sweep: FleetSweep = { file, name, base: raw.base as Raw, axes, sloDowntimeMs, count: axes.reduce((n, a) => n * a.values.length, 1), charts };
  // every fleet checked before anything runs: a bad value names its axis values
  for (let i = 0; checkFleets && i < sweep.count; i++) {
    try {
      validateFleet(fleetAt(sweep, i), file);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const where = axisValues(sweep, i)
        .map(([p, v]) => `${p}=${JSON.stringify(v)}`)
        .join(', ');
      throw new InputError(
        file,
        e.problems.map((p) => ({ ...p, path: `base.${p.path}`, line: undefined, col: undefined, message: `${p.message} (in the fleet with ${where || 'no axes'})` })),
      );
    }
  }
  return sweep;
}

/** The digits of fleet i: the first axis varies slowest. */
function digitsOf(s: FleetSweep, i: number): number[] {
  const digits = new Array<number>(s.axes.length);
  for (let a = s.axes.length - 1; a >= 0; a--) {
    const n = s.axes[a]!.values.length;
    digits[a] = i % n;
    i = Math.floor(i / n);
  }
  return digits;
}

/** Each swept path and its value in fleet i, in the order of the file. */
export function axisValues(s: FleetSweep, i: number): [string, unknown][] {
  const digits = digitsOf(s, i);
  return s.axes.flatMap((a, k) => a.paths.map((p, m): [string, unknown] => [p, a.values[digits[k]!]![m]]));
}

/** The raw fleet document of task i: the base with its axis values set. */
export function fleetAt(s: FleetSweep, i: number): Raw {
  let doc: unknown = s.base;
  for (const [path, value] of axisValues(s, i)) doc = withValue(doc, parsePath(path)!, value);
  return doc as Raw;
}

/** A shard of a sweep over fleets: shard K of N holds fleets K, K + N, K + 2N, ... (as a single-VM sweep's shard holds its scenarios). */
export interface FleetShard {
  index: number;
  count: number;
}

/** The fleets of the sweep (or of the shard). */
export function shardFleetCount(s: Pick<FleetSweep, 'count'>, shard: FleetShard | null): number {
  return shard === null ? s.count : Math.max(0, Math.ceil((s.count - shard.index) / shard.count));
}

/** The index in the sweep of the shard's o-th fleet. */
export function fleetIndex(shard: FleetShard | null, o: number): number {
  return shard === null ? o : shard.index + o * shard.count;
}
