// The engine's prediction of each measured run, in the two fidelities the
// calibration reports: the fluid engine (what users run) and page fidelity
// with the working set in one block (the guest's real layout, which the fluid
// engine reads for the XBZRLE cache slots too).
import { itemAt } from '../common/lookup.js';
import { simulate } from '../engine/index.js';
import type { RunResult } from '../engine/types.js';
import { validateScenario } from '../scenario/validate.js';
import { calibrationScenario, linkPerRun, type InputSource, type PredictionModel } from './scenario.js';
import type { MeasuredRun } from './types.js';

/** Page fidelity is averaged over this many seeds (the writer's start phase is random). */
export const PAGE_SEEDS = 5;

/** An outcome in QEMU's words: the engine's `unfinished` is a run cancelled at the time bound. */
export type PredictedOutcome = 'completed' | 'not-converged' | 'aborted';

/** What the engine predicts for one run (a mean over seeds for page fidelity). */
export interface Prediction {
  outcome: PredictedOutcome;
  totalTimeMs: number;
  transferredBytes: number;
  /** dirty-bitmap syncs, QEMU's dirty-sync-count (a mean over seeds may be fractional) */
  syncs: number;
  /** null when the prediction is not a completed migration */
  downtimeMs: number | null;
  maxThrottlePct: number;
  /** XBZRLE cache hits / lookups; null when the model ran no XBZRLE lookup */
  xbzrleHitRate: number | null;
  /** bytes the multifd channels carried (query-migrate ram.multifd-bytes); 0 on one stream */
  multifdBytes: number;
}

export type ModelName = 'fluid' | 'page';

/** Predictions of one run by both models. */
export interface RunPredictions {
  fluid: Prediction;
  page: Prediction;
}

function toPrediction(r: RunResult): Prediction {
  return {
    outcome: r.outcome === 'unfinished' ? 'not-converged' : r.outcome,
    totalTimeMs: r.totalTimeMs,
    transferredBytes: r.transferredBytes,
    syncs: r.syncs,
    downtimeMs: r.outcome === 'completed' ? r.downtimeMs : null,
    maxThrottlePct: r.maxThrottlePct,
    xbzrleHitRate: Number.isFinite(r.xbzrleHitRate) ? r.xbzrleHitRate : null,
    multifdBytes: r.multifdBytes,
  };
}

function meanOrNull(xs: ReadonlyArray<number | null>): number | null {
  const kept = xs.filter((x): x is number => x !== null);
  return kept.length > 0 ? kept.reduce((a, b) => a + b, 0) / kept.length : null;
}

/** The mean of several predictions; the outcome most of them had (ties: the first seed's). */
export function meanPrediction(ps: readonly Prediction[]): Prediction {
  const mean = (pick: (p: Prediction) => number): number => ps.reduce((a, p) => a + pick(p), 0) / ps.length;
  const counts = new Map<PredictedOutcome, number>();
  for (const p of ps) counts.set(p.outcome, (counts.get(p.outcome) ?? 0) + 1);
  let outcome = itemAt(ps, 0).outcome;
  for (const [o, n] of counts) if (n > (counts.get(outcome) ?? 0)) outcome = o;
  const completed = ps.filter((p) => p.downtimeMs !== null);
  return {
    outcome,
    totalTimeMs: mean((p) => p.totalTimeMs),
    transferredBytes: mean((p) => p.transferredBytes),
    syncs: mean((p) => p.syncs),
    downtimeMs: completed.length > 0 ? completed.reduce((a, p) => a + (p.downtimeMs as number), 0) / completed.length : null,
    maxThrottlePct: mean((p) => p.maxThrottlePct),
    xbzrleHitRate: meanOrNull(ps.map((p) => p.xbzrleHitRate)),
    multifdBytes: mean((p) => p.multifdBytes),
  };
}

/** Run the engine on the run's scenario (validated as a user's scenario file would be). */
export function predictOnce(run: MeasuredRun, model: PredictionModel): Prediction {
  const scenario = validateScenario(calibrationScenario(run, model), { file: `calibration run ${run.name}` });
  return toPrediction(simulate(scenario));
}

/** Fluid once; page fidelity (contiguous working set) over seeds 1..PAGE_SEEDS, averaged. */
export function predictRun(run: MeasuredRun, linkBytesPerSec: number, inputs: InputSource = 'measured'): RunPredictions {
  const page: Prediction[] = [];
  for (let seed = 1; seed <= PAGE_SEEDS; seed++) page.push(predictOnce(run, { linkBytesPerSec, inputs, fidelity: 'page', seed }));
  return {
    fluid: predictOnce(run, { linkBytesPerSec, inputs, fidelity: 'fluid', seed: 1 }),
    page: meanPrediction(page),
  };
}

/**
 * Every run of a grid predicted from `inputs` (see InputSource): out of
 * sample (`ahead`) each run gets the stop-and-copy speed of the other runs.
 * Undefined when some run has no link to be predicted with (no other
 * completed run sent anything while stopped).
 */
export function predictGrid(runs: readonly MeasuredRun[], inputs: InputSource): RunPredictions[] | undefined {
  const links = linkPerRun(runs, inputs);
  if (links.some((l) => l === undefined)) return undefined;
  return runs.map((r, i) => predictRun(r, links[i] as number, inputs));
}
