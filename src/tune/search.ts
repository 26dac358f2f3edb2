/**
 * The search over the constants (docs/tune.md#search):
 * - the whole grid when it fits the budget: lists, every whole number of a
 *   `round` range, DEFAULT_POINTS points of a continuous one (equal ratios
 *   for log), first path varying slowest;
 * - otherwise a seeded Latin hypercube over half the budget, then a
 *   compass (pattern) search from the best point: poll one step up and
 *   down each constant, move to the best better neighbour, else halve the
 *   step, until the budget is spent or the step is under 1/256 of the
 *   range.
 * Candidates are compared by candidate.ts's `better`; the search is
 * deterministic (its only randomness is seeded from the tune seed), so a
 * resumed run takes the same path and finds its candidates in the cache.
 */
import { Random } from '../engine/random.js';
import { better, type Candidate } from './candidate.js';
import type { SearchDim, TuneProblem } from './problem.js';

/** Points per continuous dimension on the exhaustive grid. */
export const DEFAULT_POINTS = 5;
/** The local search stops when its step is below this share of a range. */
const MIN_STEP = 1 / 256;
/** Candidates per call of `evaluate` in the grid and the design (progress granularity). */
const CHUNK = 32;
/** A time budget's design when a candidate's cost is still unknown (every probe was cached). */
const TIMED_DESIGN = 100;
/** Larger grids are not listed to probe them (a time budget goes straight to the design). */
const MAX_LISTED_GRID = 1_000_000;

export type Strategy = 'grid' | 'design+pattern';

export interface SearchHost {
  /** evaluate these candidates (cached ones cost nothing); fewer come back when the budget or an interrupt stops it */
  evaluate(values: number[][], phase: string, measure?: boolean): Promise<Candidate[]>;
  /** evaluations left in the budget (a time budget: the estimate of what fits the time left; Infinity before a candidate's cost is known) */
  remaining(): number;
  /** a time budget: the grid's first candidates (one per worker) measure a candidate's cost before the strategy is chosen */
  timed?: boolean;
  /** candidates evaluated at once (the workers) */
  parallel?: number;
  stopping(): boolean;
}

/** The values a dimension takes on the exhaustive grid. */
export function gridValues(d: SearchDim): number[] {
  if (d.values !== null) return d.values;
  if (d.round) return Array.from({ length: d.to - d.from + 1 }, (_, i) => d.from + i);
  return Array.from({ length: DEFAULT_POINTS }, (_, i) => valueAt(d, i / (DEFAULT_POINTS - 1)));
}

export function gridSize(problem: TuneProblem): number {
  return problem.dims.reduce((n, d) => n * gridValues(d).length, 1);
}

/** The grid's points in order: first dimension slowest. */
export function gridPoints(problem: TuneProblem): number[][] {
  const lists = problem.dims.map(gridValues);
  let points: number[][] = [[]];
  for (const list of lists) points = points.flatMap((p) => list.map((v) => [...p, v]));
  return points;
}

/** Discrete levels of a dimension (a list's entries, a round range's whole numbers), or null when continuous. */
function levels(d: SearchDim): number | null {
  if (d.values !== null) return d.values.length;
  return d.round ? d.to - d.from + 1 : null;
}

/** The value at u in [0, 1] of a dimension's range (equal ratios on a log scale). */
export function valueAt(d: SearchDim, u: number): number {
  const t = Math.min(1, Math.max(0, u));
  if (d.values !== null) return d.values[Math.round(t * (d.values.length - 1))] as number;
  if (t === 0) return d.from;
  if (t === 1) return d.to;
  const v = d.scale === 'log' ? d.from * (d.to / d.from) ** t : d.from + (d.to - d.from) * t;
  return d.round ? Math.round(v) : v;
}

/** Where a value sits in [0, 1] of its dimension. */
export function positionOf(d: SearchDim, v: number): number {
  if (d.values !== null) return d.values.length === 1 ? 0 : d.values.indexOf(v) / (d.values.length - 1);
  return d.scale === 'log' ? Math.log(v / d.from) / Math.log(d.to / d.from) : (v - d.from) / (d.to - d.from);
}

/** The smallest move in u that changes a discrete dimension's value (one level), else `step` itself. */
export function stepFor(d: SearchDim, step: number): number {
  const n = levels(d);
  return n === null ? step : Math.max(step, 1 / (n - 1));
}

export async function runSearch(problem: TuneProblem, host: SearchHost): Promise<{ strategy: Strategy; best: Candidate | null; evaluated: Candidate[] }> {
  const evaluated: Candidate[] = [];
  let best: Candidate | null = null;
  const take = async (values: number[][], phase: string, measure = false) => {
    const got = await host.evaluate(values, phase, measure);
    for (const c of got) {
      evaluated.push(c);
      if (better(problem, c, best)) best = c;
    }
    return got;
  };

  const size = gridSize(problem);
  if (host.timed === true && size <= MAX_LISTED_GRID) {
    // the grid's first candidates (one per worker) measure a candidate's cost; the rest of the grid follows when it fits the time left
    const points = gridPoints(problem);
    const probe = Math.min(points.length, host.parallel ?? 1);
    await take(points.slice(0, probe), 'grid', true);
    if (points.length - probe <= host.remaining()) {
      for (let i = probe; i < points.length && !host.stopping() && host.remaining() > 0; i += CHUNK) await take(points.slice(i, i + CHUNK), 'grid');
      return { strategy: 'grid', best, evaluated };
    }
    if (host.stopping()) return { strategy: 'design+pattern', best, evaluated };
  } else if (host.timed !== true && size <= host.remaining()) {
    const points = gridPoints(problem);
    for (let i = 0; i < points.length && !host.stopping(); i += CHUNK) await take(points.slice(i, i + CHUNK), 'grid');
    return { strategy: 'grid', best, evaluated };
  }

  // a Latin hypercube over half the budget: every dimension's range cut in n strata, each stratum used once
  const dims = problem.dims;
  const left = host.remaining();
  const n = Number.isFinite(left) ? Math.max(2, Math.floor(left / 2)) : TIMED_DESIGN;
  const rng = new Random(problem.seed);
  const columns = dims.map(() => {
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
    }
    return perm.map((p) => (p + rng.next()) / n);
  });
  const design = Array.from({ length: n }, (_, i) => dims.map((d, k) => valueAt(d, (columns[k] as number[])[i] as number)));
  for (let i = 0; i < design.length && !host.stopping() && host.remaining() > 0; i += CHUNK) await take(design.slice(i, i + CHUNK), 'design');

  // compass search from the best point of the design
  let step = 0.25;
  while (best !== null && step >= MIN_STEP && host.remaining() > 0 && !host.stopping()) {
    const here: Candidate = best;
    const u = dims.map((d, k) => positionOf(d, here.values[k] as number));
    const polls: number[][] = [];
    dims.forEach((d, k) => {
      for (const sign of [1, -1]) {
        const moved = Math.min(1, Math.max(0, (u[k] as number) + sign * stepFor(d, step)));
        const values = [...here.values];
        values[k] = valueAt(d, moved);
        if (values[k] !== here.values[k]) polls.push(values);
      }
    });
    await take(polls, 'pattern');
    if (best === here) step /= 2;
  }
  return { strategy: 'design+pattern', best, evaluated };
}
