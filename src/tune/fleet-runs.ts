/**
 * A tune whose base is a fleet (docs/tune.md#a-fleet-as-the-base): one run
 * of the population is one fleet simulated whole, recorded as the fleet
 * columns of a sweep over fleets (src/fleet/sweep-rows.ts: makespanMs,
 * downtimeMsP99, queuedMsMax, ...), then its outcome: completed when every
 * migration completed, aborted when one aborted, unfinished otherwise.
 */
import { simulateFleet } from '../fleet/simulate-fleet.js';
import { FLEET_COLUMNS, fleetRecord } from '../fleet/sweep-rows.js';
import { validateFleet } from '../fleet/validate.js';
import { withValue } from '../sweep/grid.js';
import type { Constants } from './runs.js';
import { OUTCOME_ERROR, OUTCOMES, type RunTable } from './statistic.js';

/** The numeric fleet columns (not converged, a yes/no; not overSlo, which needs a sweep's SLO). */
export const FLEET_METRICS = FLEET_COLUMNS.filter((c) => c !== 'converged' && c !== 'overSlo');

export const FLEET_RUNS: RunTable = { kind: 'fleet', metrics: FLEET_METRICS, width: FLEET_METRICS.length + 1 };

export function simulateFleetRuns(fleets: readonly unknown[], constants: Constants, from: number, to: number): Float64Array {
  const width = FLEET_RUNS.width;
  const out = new Float64Array((to - from) * width);
  for (let i = from; i < to; i++) {
    let raw: unknown = fleets[i];
    for (const [segs, v] of constants) raw = withValue(raw, segs, v);
    const at = (i - from) * width;
    try {
      const rec = fleetRecord(simulateFleet(validateFleet(raw, 'tune')), null);
      FLEET_METRICS.forEach((m, k) => {
        const v = rec[m];
        out[at + k] = typeof v === 'number' ? v : NaN;
      });
      const outcome = rec.aborted !== 0 ? 'aborted' : rec.unfinished !== 0 || rec.notStarted !== 0 ? 'unfinished' : 'completed';
      out[at + width - 1] = OUTCOMES.indexOf(outcome);
    } catch {
      out.fill(NaN, at, at + width - 1);
      out[at + width - 1] = OUTCOME_ERROR;
    }
  }
  return out;
}
