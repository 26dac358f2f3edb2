/**
 * One candidate over part of the population: its constants set on every
 * population scenario, each simulated with the scenario's own seed (which
 * the candidate does not change, so all candidates meet the same draws).
 * Returns RUN_WIDTH numbers per run: the metrics, then the outcome.
 */
import { simulate } from '../engine/simulate.js';
import type { Scenario } from '../engine/types.js';
import type { PathSegment } from '../scenario/path.js';
import { withValue } from '../sweep/grid.js';
import { OUTCOME_ERROR, OUTCOMES, RUN_METRICS, RUN_WIDTH } from './statistic.js';

export type Constants = [PathSegment[], number][];

export function simulateRuns(population: readonly Scenario[], constants: Constants, from: number, to: number): Float64Array {
  const out = new Float64Array((to - from) * RUN_WIDTH);
  for (let i = from; i < to; i++) {
    let s: unknown = population[i];
    for (const [segs, v] of constants) s = withValue(s, segs, v);
    const at = (i - from) * RUN_WIDTH;
    try {
      const r = simulate(s as Scenario);
      for (let m = 0; m < RUN_METRICS.length; m++) {
        const v = r[RUN_METRICS[m] as (typeof RUN_METRICS)[number]];
        out[at + m] = typeof v === 'number' ? v : NaN;
      }
      out[at + RUN_METRICS.length] = (OUTCOMES as readonly string[]).indexOf(r.outcome);
    } catch {
      out.fill(NaN, at, at + RUN_METRICS.length);
      out[at + RUN_METRICS.length] = OUTCOME_ERROR;
    }
  }
  return out;
}
