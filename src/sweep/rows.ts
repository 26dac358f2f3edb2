/**
 * One runs.csv row per task: `taskId, scenarioId, variant, replicate`, the
 * metrics (the names of `migsweep run --json`), the scenario's parameter
 * columns (the union over the sweep; empty where they do not apply), and
 * `error`. Used by the workers for whole batches and by the main thread for
 * the row of a task whose worker died.
 */
import type { RunResult, Scenario } from '../engine/types.js';
import { METRIC_COLUMNS, scenarioColumns } from '../scenario/flatten.js';
import { csvText, oneLine, type CsvCell } from './csv.js';
import { buildScenario, taskInfo, withValue } from './grid.js';
import { STATUS, type BatchResult, type Grid, type Shard } from './types.js';

export type Simulate = (s: Scenario) => RunResult;

const FIRST_METRIC = 4;

export class RowWriter {
  private readonly paramIndex = new Map<string, number>();
  private readonly errorIndex: number;
  private readonly digits: number[] = [];

  constructor(
    private readonly grid: Grid,
    private readonly shard: Shard | null,
  ) {
    grid.header.forEach((c, i) => {
      if (i >= FIRST_METRIC + METRIC_COLUMNS.length) this.paramIndex.set(c, i);
    });
    this.errorIndex = grid.header.length - 1;
  }

  /** The shard's tasks [start, end) simulated, as CSV text and status codes. */
  batch(start: number, end: number, simulate: Simulate): BatchResult {
    const t0 = performance.now();
    const records: CsvCell[][] = [];
    const status = new Uint8Array(end - start);
    for (let o = start; o < end; o++) {
      const { record, code } = this.task(o, simulate);
      records.push(record);
      status[o - start] = code;
    }
    return { text: csvText(records), status, ms: performance.now() - t0 };
  }

  /** The row of a task that could not be simulated (its worker died), with the reason. */
  failed(ordinal: number, message: string): BatchResult {
    const { record } = this.task(ordinal, () => {
      throw new Error(message);
    });
    return { text: csvText([record]), status: Uint8Array.of(STATUS.error), ms: 0 };
  }

  private task(ordinal: number, simulate: Simulate): { record: CsvCell[]; code: number } {
    const info = taskInfo(this.grid, this.shard, ordinal, this.digits);
    const scenario = withValue(buildScenario(info.variant, info.digits), ['seed'], info.seed) as Scenario;
    const record: CsvCell[] = new Array(this.grid.header.length).fill(null);
    record[0] = info.taskId;
    record[1] = info.scenarioId;
    record[2] = info.variant.name;
    record[3] = info.replicate;
    let code: number = STATUS.error;
    try {
      const r = simulate(scenario);
      for (let m = 0; m < METRIC_COLUMNS.length; m++) record[FIRST_METRIC + m] = cell(r[METRIC_COLUMNS[m]]);
      code = STATUS[r.outcome] ?? STATUS.error;
    } catch (e) {
      record[this.errorIndex] = oneLine(e instanceof Error ? e.message || e.name : String(e));
    }
    const params = scenarioColumns(scenario);
    for (const key in params) {
      const at = this.paramIndex.get(key);
      if (at !== undefined) record[at] = cell(params[key]);
      // a parameter column that is also a metric (ramBytes) is the metric's
      else if (!(METRIC_COLUMNS as readonly string[]).includes(key))
        throw new Error(`internal: scenario column '${key}' is not in the runs.csv header; the sweep's column union missed it`);
    }
    return { record, code };
  }
}

function cell(v: unknown): CsvCell {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return oneLine(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}
