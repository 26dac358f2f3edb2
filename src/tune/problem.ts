/**
 * From a tune file (shape already checked) to the problem: the population
 * (the sweep machinery expands and validates it: src/sweep/resolve.ts), the
 * search dimensions in base units, the constraints and the objective. Every
 * problem is an InputError with the file's line, the path, what was
 * expected and what was found.
 */
import { basename, extname } from 'node:path';
import type { Scenario } from '../engine/types.js';
import { POLICIES } from '../engine/policies/index.js';
import type { SourceDocument } from '../scenario/document.js';
import { InputError, suggest, type InputProblem } from '../common/errors.js';
import { formatPathSegments, getPath, parsePath, setPath, type PathSegment } from '../scenario/path.js';
import { describeFound } from '../common/errors.js';
import { validateScenario } from '../scenario/validate.js';
import { buildScenario, decodeScenario, scenarioIdOf, taskIdOf, taskSeed } from '../sweep/grid.js';
import { canonical, isPrefix } from '../sweep/origins.js';
import { resolveSweep } from '../sweep/resolve.js';
import { placeAt } from '../sweep/spec.js';
import type { Grid } from '../sweep/types.js';
import { drawPopulation, valueForPath } from './population.js';
import type { TuneSource } from './spec.js';
import type { SearchSpec } from './types.js';
import { parseLimit, parseStatistic, SCENARIO_RUNS, type RunTable, type Statistic } from './statistic.js';
import { isFleet, validateFleet } from '../fleet/validate.js';
import { resolveFleetTune } from './fleet-problem.js';
import { FLEET_RUNS } from './fleet-runs.js';

export type Op = '<=' | '<' | '>=' | '>';

export interface Constraint {
  text: string;
  statistic: Statistic;
  op: Op;
  /** what the search holds the statistic to, in its unit (ms for times, bytes, a share from 0 to 1): the target less any headroom */
  limit: number;
  /** the limit as written; `with headroom h` makes the search's limit h stricter (--check checks this one) */
  target: number;
}

export interface Objective {
  statistic: Statistic;
  sense: 'minimize' | 'maximize';
}

/** One constant to tune. Values are in base units (seconds, bytes, bytes/s, counts). */
export interface SearchDim {
  path: string;
  segments: PathSegment[];
  /** list: the values to try; range: null */
  values: number[] | null;
  from: number;
  to: number;
  scale: 'linear' | 'log';
  round: boolean;
}

/** The population: its points, its runs (points x replicates), and the runs to simulate for a seed (scenarios, or raw fleets). */
export interface TunePopulation {
  points: number;
  runs: number;
  items(seed: number): unknown[];
}

export interface TuneProblem {
  source: TuneSource;
  name: string;
  seed: number;
  replicates: number;
  /** the population grid (its seed is the tune seed); null with a fleet as the base */
  grid: Grid | null;
  population: TunePopulation;
  /** what a run records: a migration's metrics, or a fleet's */
  table: RunTable;
  /** the base scenario the recommended settings are named from (QEMU, Nova, KubeVirt); null for a fleet */
  settingsBase: Scenario | null;
  dims: SearchDim[];
  constraints: Constraint[];
  objective: Objective | null;
  /** every statistic a constraint or the objective names, once, in that order */
  statistics: Statistic[];
  /** the base as written, for validating a candidate */
  rawBase: Record<string, unknown>;
}

/** The tune file's places, as the sweep resolver names them (it sees population.axes as axes). */
export function populationDoc(doc: SourceDocument): SourceDocument {
  return {
    ...doc,
    locate: (path) => doc.locate(path[0] === 'axes' || path[0] === 'zip' || path[0] === 'replicates' ? ['population', ...path] : path),
  };
}

/**
 * The population through the sweep resolver (its distributions drawn first
 * with `drawSeed`), its messages' paths named as the tune file writes them
 * (population.axes...).
 */
function resolvePopulation(source: TuneSource, name: string, seed: number, drawSeed: number, replicates: number) {
  const { spec, doc, file } = source;
  const drawn = drawPopulation(spec.base, spec.population, drawSeed, file);
  if (drawn.problems.length > 0)
    throw new InputError(
      file,
      drawn.problems.slice(0, 12).map((p) => placeAt(doc, p.where, p.message)),
    );
  try {
    return resolveSweep({
      file,
      text: source.text,
      doc: populationDoc(doc),
      spec: { name, seed, replicates, base: spec.base, axes: drawn.axes, zip: drawn.zip },
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(
      file,
      e.problems.map((p) => (/^(axes|zip|replicates)\b/.test(p.path) ? { ...p, path: `population.${p.path}` } : p)),
    );
  }
}

/**
 * The tune problem of a file. `drawSeed` draws the population's
 * distributions (default: the tune seed; --check gives its own, for a fresh
 * population).
 */
export function resolveTune(source: TuneSource, drawSeed?: number): TuneProblem {
  const { spec, doc, file } = source;
  const problems: InputProblem[] = [];
  const flag = (where: PathSegment[], message: string) => problems.push(placeAt(doc, where, message));
  const name = spec.name ?? basename(file, extname(file));
  const seed = spec.seed ?? 1;
  const replicates = spec.population?.replicates ?? 1;
  let grid: Grid | null = null;
  let population: TunePopulation;
  let dims: SearchDim[];
  let settingsBase: Scenario | null = null;
  let table: RunTable = SCENARIO_RUNS;
  if (isFleet(spec.base)) {
    const fleet = resolveFleetTune(source, name, replicates, populationDoc(doc), flag);
    population = fleet.population;
    dims = fleet.dims;
    table = FLEET_RUNS;
  } else {
    const sweep = resolvePopulation(source, name, seed, drawSeed ?? seed, replicates);
    const g = sweep.grid;
    grid = g;
    const variant = g.variants[0];
    if (variant === undefined) throw new Error('internal: a population without its variant');
    settingsBase = variant.base;
    population = { points: g.scenarios, runs: g.tasks, items: (s) => populationRuns(g, s) };
    dims = scenarioDims(
      source,
      variant.base,
      variant.dims.flatMap((d) => d.segments),
      flag,
    );
  }

  if (Object.keys(spec.search).length === 0) flag(['search'], 'expected at least one scenario path to search, found none');

  const constraints: Constraint[] = [];
  (spec.constraints ?? []).forEach((text, i) => {
    const m = /^\s*(\S+)\s*(<=|>=|<|>)\s*(.+?)(?:\s+with\s+headroom\s+(.+?))?\s*$/.exec(text);
    if (!m) {
      flag(['constraints', i], `expected "metric.stat <= value [with headroom value]" (or <, >=, >), e.g. "downtimeMs.p99 <= 1s", found '${text}'`);
      return;
    }
    const st = parseStatistic(m[1] as string, table);
    if (!st.ok) {
      flag(['constraints', i], st.reason);
      return;
    }
    const target = parseLimit(st.statistic, m[3] as string, table);
    if (!target.ok) {
      flag(['constraints', i], target.reason);
      return;
    }
    const op = m[2] as Op;
    let headroom = 0;
    if (m[4] !== undefined) {
      const h = parseLimit(st.statistic, m[4], table);
      if (!h.ok || !(h.value >= 0)) {
        flag(['constraints', i], `headroom: ${h.ok ? `expected an amount of at least 0, found '${m[4]}'` : h.reason}`);
        return;
      }
      headroom = h.value;
    }
    // the search meets the limit with the headroom to spare; --check holds it to the limit itself
    const limit = op === '<=' || op === '<' ? target.value - headroom : target.value + headroom;
    if ('share' in st.statistic && !(limit >= 0 && limit <= 1)) {
      flag(['constraints', i], `headroom: ${m[3]} with headroom ${m[4]} asks for a share of ${Number(limit.toPrecision(6))}, outside 0 to 1`);
      return;
    }
    constraints.push({ text: text.trim(), statistic: st.statistic, op, limit, target: target.value });
  });

  let objective: Objective | null = null;
  const o = spec.objective;
  if (o !== undefined) {
    const senses = (['minimize', 'maximize'] as const).filter((k) => o[k] !== undefined);
    if (senses.length !== 1) flag(['objective'], `expected exactly one of minimize or maximize, found ${senses.length === 0 ? 'neither' : 'both'}`);
    else {
      const sense = senses[0] as 'minimize' | 'maximize';
      const st = parseStatistic(o[sense] as string, table);
      if (st.ok) objective = { statistic: st.statistic, sense };
      else flag(['objective', sense], st.reason);
    }
  }
  if (objective === null && constraints.length === 0 && problems.length === 0) flag([], 'nothing to tune for: give constraints, an objective, or both');
  if (problems.length > 0) throw new InputError(file, problems.slice(0, 12));

  const statistics: Statistic[] = [];
  for (const s of [...constraints.map((c) => c.statistic), ...(objective ? [objective.statistic] : [])]) if (!statistics.some((t) => t.name === s.name)) statistics.push(s);
  return { source, name, seed, replicates, grid, population, table, settingsBase, dims, constraints, objective, statistics, rawBase: spec.base };
}

/** The search dimensions on a scenario base: each path exists in the base, holds a number, and is not a population axis. */
function scenarioDims(source: TuneSource, base: Scenario, populationPaths: PathSegment[][], flag: (where: PathSegment[], message: string) => void): SearchDim[] {
  const { spec, file } = source;
  const dims: SearchDim[] = [];
  for (const [path, dimSpec] of Object.entries(spec.search)) {
    const where: PathSegment[] = ['search', path];
    const segs = canonical(parsePath(path) ?? []);
    const swept = populationPaths.find((p) => isPrefix(p, segs) || isPrefix(segs, p));
    if (swept) {
      flag(where, `${path} is also a population axis (${formatPathSegments(swept)}); a path is either searched or part of the population`);
      continue;
    }
    const current = getPath(base, segs);
    if (typeof current !== 'number') {
      flag(where, notNumeric(base, segs, path, current));
      continue;
    }
    const count = isCount(base, segs);
    const parse = (value: unknown, at: PathSegment[]): number | null => {
      const r = valueForPath(spec.base, path, value, file);
      if (r.ok) return r.value;
      flag(at, `${r.reason}${r.reason.includes('found') || r.reason.startsWith('cannot set') ? '' : ` (found ${describeFound(value)})`}`);
      return null;
    };
    const dim = searchDim(path, segs, dimSpec, count, parse, flag);
    if (dim !== null) dims.push(dim);
  }
  return dims;
}

/**
 * A search dimension from its spec (a list, or a range: from below to, a
 * round range with two whole numbers at least, a log range above 0), its
 * values parsed by `parse` (which flags what it refuses); null after a flag.
 */
export function searchDim(
  path: string,
  segs: PathSegment[],
  dimSpec: SearchSpec,
  count: boolean,
  parse: (value: unknown, at: PathSegment[]) => number | null,
  flag: (where: PathSegment[], message: string) => void,
): SearchDim | null {
  const where: PathSegment[] = ['search', path];
  if (Array.isArray(dimSpec)) {
    const values = dimSpec.map((v, i) => parse(v, [...where, i]));
    if (values.some((v) => v === null)) return null;
    const nums = values as number[];
    const dup = nums.findIndex((v, i) => nums.indexOf(v) !== i);
    if (dup >= 0) {
      flag([...where, dup], `value ${dup + 1} repeats value ${nums.indexOf(nums[dup] as number) + 1} (${String(nums[dup])} in base units); the values must differ`);
      return null;
    }
    return { path, segments: segs, values: nums, from: Math.min(...nums), to: Math.max(...nums), scale: 'linear', round: false };
  }
  const from = parse(dimSpec.from, [...where, 'from']);
  const to = parse(dimSpec.to, [...where, 'to']);
  if (from === null || to === null) return null;
  const scale = dimSpec.scale ?? 'linear';
  const round = dimSpec.round === true || count;
  if (!(to > from)) {
    flag(
      where,
      `an empty range: expected from below to, found from ${String(dimSpec.from)} and to ${String(dimSpec.to)}${to === from ? ' (the same value: set it in base instead)' : ''}`,
    );
    return null;
  }
  if (round && Math.floor(to) - Math.ceil(from) < 1) {
    flag(where, `an empty range: whole numbers from ${String(dimSpec.from)} to ${String(dimSpec.to)} give at most one value; widen it or set it in base`);
    return null;
  }
  if (scale === 'log' && !(from > 0)) {
    flag([...where, 'from'], `a log range needs from > 0, found ${String(dimSpec.from)}`);
    return null;
  }
  return { path, segments: segs, values: null, from: round ? Math.ceil(from) : from, to: round ? Math.floor(to) : to, scale, round };
}

/** A count parameter of a policy (steps, passes) takes whole numbers only. */
function isCount(base: Scenario, segs: PathSegment[]): boolean {
  if (segs[0] !== 'policy' || typeof segs[1] !== 'number' || segs.length !== 3) return false;
  const kind = base.policy[segs[1]]?.kind;
  const spec = kind === undefined ? undefined : POLICIES[kind]?.params[segs[2] as string];
  return spec?.kind === 'count';
}

/** Why a search path cannot be searched: absent (with the nearest name) or not a number. */
function notNumeric(base: Scenario, segs: PathSegment[], path: string, current: unknown): string {
  if (current !== undefined) return `expected a path to a number (a constant such as a time, a rate or a count), found ${describeFound(current)} at ${path}`;
  let parent: unknown = base;
  let i = 0;
  for (; i < segs.length - 1; i++) {
    const next = getPath(parent, [segs[i] as PathSegment]);
    if (next === undefined || next === null) break;
    parent = next;
  }
  const missing = segs[i] as PathSegment;
  const here = formatPathSegments(segs.slice(0, i));
  if (typeof missing === 'number') return `the base has no ${formatPathSegments(segs.slice(0, i + 1))}: ${here} has ${Array.isArray(parent) ? parent.length : 1} entries`;
  const keys = parent !== null && typeof parent === 'object' ? Object.keys(parent) : [];
  const kind = (parent as { kind?: unknown } | null)?.kind;
  return `the base has no ${formatPathSegments(segs.slice(0, i + 1))}${suggest(missing, keys)} (${here || 'the top level'}${typeof kind === 'string' ? ` (${kind})` : ''} has: ${keys.join(', ')})`;
}

/** The population's runs in order (point by point, replicates together), each with its seed from (seed, point id, replicate). */
export function populationRuns(grid: Grid, seed: number): Scenario[] {
  const variant = grid.variants[0];
  if (variant === undefined) return [];
  const out: Scenario[] = [];
  const digits: number[] = [];
  for (let g = 0; g < grid.scenarios; g++) {
    decodeScenario(grid, g, digits);
    const s = buildScenario(variant, digits);
    const id = scenarioIdOf(variant, digits);
    for (let r = 0; r < grid.replicates; r++) out.push({ ...s, seed: taskSeed(seed, taskIdOf(id, r)) });
  }
  return out;
}

/** A candidate's constants set on the base as written and validated: null when valid, else why not. */
export function candidateProblem(problem: TuneProblem, values: readonly number[]): string | null {
  const raw = structuredClone(problem.rawBase);
  problem.dims.forEach((d, i) => setPath(raw, parsePath(d.path) ?? [], values[i]));
  try {
    if (problem.table.kind === 'fleet') validateFleet(raw, problem.source.file);
    else validateScenario(raw, { file: problem.source.file });
    return null;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  }
}
