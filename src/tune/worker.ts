/**
 * The tune's piscina worker: gets the population once (workerData) and
 * simulates slices of it for one candidate at a time.
 */
import { move, workerData } from 'piscina';
import type { Scenario } from '../engine/types.js';
import { simulateFleetRuns } from './fleet-runs.js';
import { simulateRuns, type Constants } from './runs.js';

export interface TuneWorkerData {
  /** scenarios, or raw fleet documents with a fleet as the base */
  population: unknown[];
  kind: 'scenario' | 'fleet';
}

/** A slice of the population's runs with one candidate's constants. */
export function simulateSlice(data: TuneWorkerData, constants: Constants, from: number, to: number): Float64Array {
  return data.kind === 'fleet' ? simulateFleetRuns(data.population, constants, from, to) : simulateRuns(data.population as Scenario[], constants, from, to);
}

export interface TuneBatch {
  constants: Constants;
  from: number;
  to: number;
}

export default function run(req: TuneBatch): Float64Array {
  const out = simulateSlice(workerData as TuneWorkerData, req.constants, req.from, req.to);
  return move(out) as Float64Array;
}
