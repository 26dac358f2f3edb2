/**
 * The piscina worker of a sweep over fleets: gets the sweep once
 * (workerData), then ranges of fleet ordinals (of the shard, if any), and
 * returns their rows of runs.csv and migrations.csv as text.
 */
import { workerData } from 'piscina';
import { simulateFleet } from './simulate-fleet.js';
import { fleetRowsText } from './sweep-rows.js';
import { axisValues, fleetAt, fleetIndex, type FleetShard, type FleetSweep } from './sweep-spec.js';
import { validateFleet } from './validate.js';

export interface FleetBatch {
  /** ordinals of the shard's fleets, [start, end) */
  start: number;
  end: number;
  shard: FleetShard | null;
}

/** Fleets [start, end) of the sweep (or shard) simulated, as the text of their rows. */
export function fleetBatch(s: FleetSweep, b: FleetBatch): { runs: string; migrations: string } {
  let runs = '';
  let migrations = '';
  for (let o = b.start; o < b.end; o++) {
    const i = fleetIndex(b.shard, o);
    const result = simulateFleet(validateFleet(fleetAt(s, i), s.file));
    const text = fleetRowsText(
      i,
      axisValues(s, i).map(([, v]) => v),
      result,
      s.sloDowntimeMs,
    );
    runs += text.runs;
    migrations += text.migrations;
  }
  return { runs, migrations };
}

export default (b: FleetBatch) => fleetBatch(workerData as FleetSweep, b);
