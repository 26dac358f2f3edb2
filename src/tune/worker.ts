/**
 * The tune's piscina worker: gets the population once (workerData) and
 * simulates slices of it for one candidate at a time.
 */
import { move, workerData } from 'piscina';
import type { Scenario } from '../engine/types.js';
import { simulateRuns, type Constants } from './runs.js';

export interface TuneWorkerData {
  population: Scenario[];
}

export interface TuneBatch {
  constants: Constants;
  from: number;
  to: number;
}

export default function run(req: TuneBatch): Float64Array {
  const { population } = workerData as TuneWorkerData;
  const out = simulateRuns(population, req.constants, req.from, req.to);
  return move(out) as Float64Array;
}
