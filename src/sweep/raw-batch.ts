/**
 * A batch's results as numbers, not text: what a worker returns when the
 * main thread has a core to spare (fewer workers than cores). Writing a
 * run's row costs about three quarters of what simulating a cheap run costs
 * (bench: the bare CSV-text probe against the engine alone), so with one
 * worker on two cores the worker simulates (and writes each scenario's
 * texts: RawScenarios) and the main thread turns the results
 * into rows, summaries and columns with the same RowWriter a worker would
 * use: the bytes are the same either way.
 *
 * Every metric of METRIC_COLUMNS and OPTIONAL_METRIC_COLUMNS travels in a Float64Array (a double goes
 * through exactly, NaN included); a metric whose value is text (outcome,
 * stopReason) is an index into the batch's table of distinct texts; an
 * error is the engine's message in the same table.
 */
import { itemAt } from '../common/lookup.js';
import type { RunResult, Scenario } from '../engine/types.js';
import { METRIC_COLUMNS, OPTIONAL_METRIC_COLUMNS } from '../scenario/flatten.js';
import { seeded, taskAt, taskIdOf, taskSeed } from './grid.js';
import type { Simulate } from './rows.js';
import type { Grid, Shard } from './types.js';

/** every metric, the optional ones included (a double each: whether the header has them is the row writer's business) */
const COLUMNS: readonly (keyof RunResult)[] = [...METRIC_COLUMNS, ...OPTIONAL_METRIC_COLUMNS];
const C = COLUMNS.length;
/** no text: the metric is the number in `numbers` */
const NUMBER = -1;

export interface RawBatch {
  raw: true;
  /** the first task not done (= the request's end unless the budget ran out) */
  end: number;
  /** per task, per metric column: the value (NaN for text, for a missing value, and for every metric of an error) */
  numbers: Float64Array;
  /** per task, per metric column: the index of its text in `texts`, or -1; then per task, its error's index or -1 */
  textAt: Int32Array;
  texts: string[];
  /** the batch's scenario texts, as the worker wrote them */
  scenarios: RawScenarios;
  ms: number;
}

/** Texts per scenario in RawScenarios.texts: scenarioId, ids, params, beforeSeed, afterSeed (as RowWriter keeps them). */
export const SCENARIO_TEXTS = 5;

/**
 * The texts of the batch's scenarios, written by the worker (which builds
 * each scenario anyway) so that the main thread only writes the rows of
 * each run: `at` holds (scenario index, variant) pairs, `texts`
 * SCENARIO_TEXTS strings per scenario. For Parquet output the main thread
 * reads the parameter cells back from them (RowWriter.paramCells).
 */
export interface RawScenarios {
  at: number[];
  texts: string[];
}

/** A scenario's texts as RowWriter.scenarioRows gives them (the worker passes that function when it writes them). */
export type ScenarioTexts = (index: number) => {
  scenario: Scenario | null;
  scenarioId: string;
  variant: number;
  ids: string;
  params: string;
  beforeSeed: string;
  afterSeed: string;
};

export function isRawBatch(r: object): r is RawBatch {
  return (r as { raw?: unknown }).raw === true;
}

/** The worker's side: simulate tasks and keep only their metrics. */
export class RawRunner {
  private current: { index: number; scenario: Scenario; scenarioId: string } | null = null;

  /** the texts of the scenarios of the batch being run */
  private scenarios: RawScenarios = { at: [], texts: [] };

  constructor(
    private readonly grid: Grid,
    private readonly shard: Shard | null,
    /** builds each scenario and writes its texts (RowWriter.scenarioRows); they are sent with the batch */
    private readonly scenarioTexts: ScenarioTexts,
  ) {}

  /** The tasks [start, end); with a budget, stop after the first whole scenario that ends past it (as RowWriter.batch does). */
  batch(start: number, end: number, simulate: Simulate, budgetMs = Infinity): RawBatch {
    const t0 = performance.now();
    const count = end - start;
    this.scenarios = { at: [], texts: [] };
    this.current = null;
    const numbers = new Float64Array(count * C);
    const textAt = new Int32Array(count * (C + 1));
    const texts: string[] = [];
    const index = new Map<string, number>();
    const textIndex = (t: string) => {
      let k = index.get(t);
      if (k === undefined) {
        k = texts.length;
        texts.push(t);
        index.set(t, k);
      }
      return k;
    };
    let o = start;
    while (o < end) {
      const i = o - start;
      const { scenario: g, replicate } = taskAt(this.grid, this.shard, o);
      const s = this.scenario(g);
      const seed = taskSeed(this.grid.seed, taskIdOf(s.scenarioId, replicate));
      let error = NUMBER;
      try {
        const r = simulate(seeded(s.scenario, seed));
        // hot path (every task): m is in range of the constant column list
        for (let m = 0; m < C; m++) {
          const v = r[COLUMNS[m]!] as unknown;
          if (typeof v === 'number') {
            numbers[i * C + m] = v;
            textAt[i * C + m] = NUMBER;
          } else {
            numbers[i * C + m] = NaN;
            textAt[i * C + m] = typeof v === 'string' || typeof v === 'boolean' ? textIndex(String(v)) : NUMBER;
          }
        }
      } catch (e) {
        numbers.fill(NaN, i * C, (i + 1) * C);
        textAt.fill(NUMBER, i * C, (i + 1) * C);
        error = textIndex(e instanceof Error ? e.message || e.name : String(e));
      }
      textAt[count * C + i] = error;
      o++;
      if (o % this.grid.replicates === 0 && performance.now() - t0 > budgetMs) break;
    }
    const done = o - start;
    return {
      raw: true,
      end: o,
      numbers: done < count ? numbers.slice(0, done * C) : numbers,
      textAt: done < count ? cutShort(textAt, count, done) : textAt,
      texts,
      scenarios: this.scenarios,
      ms: performance.now() - t0,
    };
  }

  private scenario(index: number): { index: number; scenario: Scenario; scenarioId: string } {
    if (this.current?.index === index) return this.current;
    const rows = this.scenarioTexts(index);
    if (rows.scenario === null) throw new Error('internal: a worker writing scenario texts got no scenario');
    this.scenarios.at.push(index, rows.variant);
    this.scenarios.texts.push(rows.scenarioId, rows.ids, rows.params, rows.beforeSeed, rows.afterSeed);
    return (this.current = { index, scenario: rows.scenario, scenarioId: rows.scenarioId });
  }
}

/** The text indices of the first `done` of `count` tasks, laid out as for `done` tasks. */
function cutShort(textAt: Int32Array, count: number, done: number): Int32Array {
  const out = new Int32Array(done * (C + 1));
  out.set(textAt.subarray(0, done * C));
  out.set(textAt.subarray(count * C, count * C + done), done * C);
  return out;
}

/**
 * The main thread's side: a Simulate that hands out a raw batch's results
 * one task after the other (the scenario it is given is not looked at), for
 * RowWriter to write them as it writes the engine's. An error comes back as
 * the exception the engine threw, with its message.
 */
export function replaySimulate(raw: RawBatch): Simulate {
  const tasks = raw.numbers.length / C;
  const result: Record<string, unknown> = {};
  let i = 0;
  return () => {
    if (i >= tasks) throw new Error('internal: a raw batch replayed past its end');
    const error = itemAt(raw.textAt, tasks * C + i);
    if (error !== NUMBER) {
      i++;
      throw new Error(itemAt(raw.texts, error));
    }
    // hot path (every task): m is in range, text indices come from the batch's own table
    for (let m = 0; m < C; m++) {
      const t = raw.textAt[i * C + m]!;
      result[COLUMNS[m]!] = t === NUMBER ? raw.numbers[i * C + m]! : raw.texts[t]!;
    }
    i++;
    return result as unknown as RunResult;
  };
}
