/**
 * For sweep.bench.ts's ceiling: a plain worker thread that simulates one
 * scenario `runs` times, with no pool, no batches and no output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { simulate } from '../src/engine/index.js';
import type { Scenario } from '../src/engine/types.js';

const { scenario, runs } = workerData as { scenario: Scenario; runs: number };
for (let i = 0; i < runs; i++) simulate(scenario);
parentPort?.postMessage('done');
