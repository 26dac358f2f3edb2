/**
 * A candidate evaluated: its statistics over the population, the margin to
 * each constraint, whether it is feasible, and the order in which two
 * candidates are compared (docs/tune.md#which-candidate-is-best).
 */
import { hashString } from '../engine/random.js';
import type { Constraint, TuneProblem } from './problem.js';
import { computeStatistics } from './statistic.js';

export interface Candidate {
  /** a hash of the constants (base units, in the order of the search paths) */
  id: string;
  values: number[];
  /** grid, design (Latin hypercube), pattern (local search), sensitivity */
  phase: string;
  /** one per problem.statistics (NaN: no run gave the metric a value) */
  statistics: number[];
  /** one per constraint, in the statistic's unit: >= 0 met (> 0 for a strict one), NaN never met */
  margins: number[];
  feasible: boolean;
  /** a candidate the scenario validator refused (its constants do not fit together), or runs the engine failed on */
  error: string | null;
}

export function candidateId(values: readonly number[]): string {
  const text = values.map((v) => String(v)).join(',');
  // two FNV-1a hashes with different offsets: 16 hex digits, stable across machines
  return hashString(text).toString(16).padStart(8, '0') + hashString(text, 0x01234567).toString(16).padStart(8, '0');
}

export function marginOf(c: Constraint, value: number): number {
  if (!Number.isFinite(value)) return NaN;
  return c.op === '<=' || c.op === '<' ? c.limit - value : value - c.limit;
}

function met(c: Constraint, margin: number): boolean {
  return c.op === '<' || c.op === '>' ? margin > 0 : margin >= 0;
}

/** Statistics, margins and feasibility of a candidate's runs. */
export function assess(problem: TuneProblem, values: number[], phase: string, runs: Float64Array | null, error: string | null): Candidate {
  const statistics = runs === null ? problem.statistics.map(() => NaN) : computeStatistics(runs, problem.statistics, problem.table);
  return fromStatistics(problem, values, phase, statistics, error);
}

/** A candidate from its statistics (as candidates.csv keeps them, for --resume). */
export function fromStatistics(problem: TuneProblem, values: number[], phase: string, statistics: number[], error: string | null): Candidate {
  const margins = problem.constraints.map((c) => marginOf(c, statistics[problem.statistics.findIndex((s) => s.name === c.statistic.name)] as number));
  const feasible = error === null && problem.constraints.every((c, i) => met(c, margins[i] as number));
  return { id: candidateId(values), values, phase, statistics, margins, feasible, error };
}

/** A margin relative to its limit (the limit's size, or 1 for a limit of 0). */
export function relativeMargin(c: Constraint, margin: number): number {
  return Number.isFinite(margin) ? margin / (Math.abs(c.limit) || 1) : -Infinity;
}

/** How far an infeasible candidate is from meeting every constraint: the sum of its relative shortfalls. */
export function violation(problem: TuneProblem, c: Candidate): number {
  if (c.error !== null) return Infinity;
  return problem.constraints.reduce((sum, k, i) => sum + Math.max(0, -relativeMargin(k, c.margins[i] as number)), 0);
}

/** The number a feasible candidate is ranked by (lower is better): the objective, or without one the smallest relative margin, negated. */
export function objectiveKey(problem: TuneProblem, c: Candidate): number {
  const o = problem.objective;
  if (o === null) return -Math.min(...problem.constraints.map((k, i) => relativeMargin(k, c.margins[i] as number)));
  const v = c.statistics[problem.statistics.findIndex((s) => s.name === o.statistic.name)] as number;
  if (!Number.isFinite(v)) return Infinity;
  return o.sense === 'minimize' ? v : -v;
}

/** True when `a` is strictly better than `b`: feasible first, then the objective; infeasible ones by their violation. Ties keep the earlier one. */
export function better(problem: TuneProblem, a: Candidate, b: Candidate | null): boolean {
  if (b === null) return true;
  if (a.feasible !== b.feasible) return a.feasible;
  if (a.feasible) return objectiveKey(problem, a) < objectiveKey(problem, b);
  return violation(problem, a) < violation(problem, b);
}

/** The feasible candidates no other feasible one dominates over the constrained statistics (each in the direction its constraint prefers). */
export function paretoSet(problem: TuneProblem, cands: readonly Candidate[]): Candidate[] {
  const feasible = cands.filter((c) => c.feasible);
  const key = (c: Candidate) =>
    problem.constraints.map((k) => {
      const v = c.statistics[problem.statistics.findIndex((s) => s.name === k.statistic.name)] as number;
      return k.op === '<=' || k.op === '<' ? v : -v;
    });
  const keys = feasible.map(key);
  const dominates = (a: number[], b: number[]) => a.every((x, i) => x <= (b[i] as number)) && a.some((x, i) => x < (b[i] as number));
  return feasible.filter((_, i) => !keys.some((k, j) => j !== i && dominates(k, keys[i] as number[])));
}
