/**
 * One runs.csv row per task: `taskId, scenarioId, variant, replicate`, the
 * metrics (the names of `migsweep run --json`), the scenario's parameter
 * columns (the union over the sweep; empty where they do not apply), and
 * `error`; and, for a batch of whole scenarios, their summary.csv rows.
 * Used by the workers for whole batches and by the main thread for the row
 * of a task whose worker died.
 */
import { itemAt } from '../common/lookup.js';
import type { RunResult, Scenario } from '../engine/types.js';
import { eachScenarioColumn, METRIC_COLUMNS, optionalMetricsOf, type Cell, type OPTIONAL_METRIC_COLUMNS } from '../scenario/flatten.js';
import { ScenarioSummary, SUMMARY_METRICS } from './aggregate.js';
import { CellCursor, cellText, oneByteText, oneLine, Utf8Builder, type CsvCell } from './csv.js';
import { buildScenario, decodeScenario, ownScenario, scenarioIdOf, seeded, taskAt, taskIdOf, taskSeed } from './grid.js';
import { replaySimulate, SCENARIO_TEXTS, type RawBatch, type RawScenarios } from './raw-batch.js';
import { cellOfText, RunColumnsBuilder } from './parquet/run-columns.js';
import type { ColumnKind } from './parquet/schema.js';
import { STATUS, type BatchResult, type Grid, type Shard } from './types.js';

export type Simulate = (s: Scenario) => RunResult;

const FIRST_METRIC = 4;
const METRIC_NAMES: ReadonlySet<string> = new Set(METRIC_COLUMNS);
const M = SUMMARY_METRICS.length;
/** for each metric column, its index in SUMMARY_METRICS (-1 when it is not summarised) */
const SUMMARY_INDEX = METRIC_COLUMNS.map((c) => (SUMMARY_METRICS as readonly string[]).indexOf(c));

/** What the replicates of one scenario share: built once, not once per replicate. */
export interface ScenarioRows {
  index: number;
  variant: number;
  scenarioId: string;
  /** null when the texts came from a worker (a replayed batch needs no scenario) */
  scenario: Scenario | null;
  /** `scenarioId,variant` as CSV */
  ids: string;
  /** the parameter cells as CSV: without the seed (summary.csv), and around the seed (runs.csv: `${beforeSeed}${seed}${afterSeed}`) */
  params: string;
  beforeSeed: string;
  afterSeed: string;
  /** the parameter cells (the seed's is null), for the Parquet columns */
  cells: CsvCell[];
}

/**
 * Rows are written as text straight away (csvText per segment) rather than
 * as arrays of cells: a scenario's parameter cells are formatted once, for
 * all its replicates and for its summary row.
 */
export class RowWriter {
  /** the optional metrics of the header (after the others), and the index of the first parameter column */
  private readonly optional: readonly (typeof OPTIONAL_METRIC_COLUMNS)[number][];
  private readonly firstParam: number;
  private readonly paramIndex = new Map<string, number>();
  private readonly seedIndex: number;
  private readonly errorIndex: number;
  private readonly digits: number[] = [];
  private readonly summary = new ScenarioSummary();
  private current: ScenarioRows | null = null;
  /** the SUMMARY_METRICS of the last task as its row writes them */
  private readonly texts: string[] = SUMMARY_METRICS.map(() => '');

  /** per parameter column, the last value seen, its cell and its text */
  private readonly lastParams: (Cell | undefined)[] = [];
  private readonly lastCells: CsvCell[] = [];
  private readonly lastTexts: string[] = [];
  /** reads a scenario's parameter texts back into cells (Parquet, replayed batches) */
  private readonly cursor = new CellCursor();
  /** per variant, its name as a CSV cell */
  private readonly variantTexts = new Map<number, string>();
  /** the metric values of the last task and their cells as text (null after an error): identical replicates are formatted once */
  private readonly lastValues: unknown[] = METRIC_COLUMNS.map(() => undefined);
  private lastValuesText: string | null = null;

  /** true while a batch simulated in a worker is written (replay) */
  private replaying = false;
  /** while replaying: the scenarios' texts the worker wrote (RawBatch.scenarios), by scenario index */
  private presets: Map<number, ScenarioRows> | null = null;

  /** the batch's runs as columns too (for runs.parquet) when the row writer has column kinds */
  private columns: RunColumnsBuilder | null = null;

  constructor(
    private readonly grid: Grid,
    private readonly shard: Shard | null,
    private readonly kinds: readonly ColumnKind[] | null = null,
    /** false: no runs.csv text (a --format parquet run), only the columns and what the summary needs */
    private readonly csvText = true,
  ) {
    this.optional = optionalMetricsOf(grid.header);
    this.firstParam = FIRST_METRIC + METRIC_COLUMNS.length + this.optional.length;
    grid.header.forEach((c, i) => {
      if (i >= this.firstParam) this.paramIndex.set(c, i);
    });
    this.errorIndex = grid.header.length - 1;
    this.seedIndex = grid.header.indexOf('seed');
  }

  /** Whether [start, end) holds whole scenarios (their replicates are consecutive). */
  wholeScenarios(start: number, end: number): boolean {
    return start % this.grid.replicates === 0 && end % this.grid.replicates === 0;
  }

  /**
   * The shard's tasks [start, end) simulated: their rows, and the summary of
   * their scenarios when the batch holds whole ones. With a budget, stop
   * after the first whole scenario that ends past it (result.end says where).
   */
  batch(start: number, end: number, simulate: Simulate, budgetMs = Infinity): BatchResult {
    const t0 = performance.now();
    const count = end - start;
    const status = new Uint8Array(count);
    const variant = new Uint16Array(count);
    const metrics = new Float64Array(count * M);
    const rows = new Utf8Builder(this.csvText ? count * 512 : 16);
    this.columns = this.kinds === null ? null : new RunColumnsBuilder(this.kinds, this.grid.header, count);
    // a batch that starts at a scenario's first replicate summarises each scenario as soon as its last one is done
    const summary = start % this.grid.replicates === 0 ? new Utf8Builder(Math.ceil(count / this.grid.replicates) * 1024) : null;
    let o = start;
    while (o < end) {
      const i = o - start;
      rows.add(this.task(o, simulate, i, status, variant, metrics));
      if (summary !== null) {
        // summarised run by run: the texts of this run's metrics are reused for identical replicates
        if (o % this.grid.replicates === 0) this.summary.start(this.current!.ids, this.current!.params);
        this.summary.add(status[i]!, metrics, i * M, this.texts);
      }
      o++;
      if (o % this.grid.replicates === 0) {
        if (summary !== null) summary.add(this.summary.line());
        if (performance.now() - t0 > budgetMs) break;
      }
    }
    const done = o - start;
    return {
      end: o,
      text: rows.done(),
      summary: summary !== null && this.wholeScenarios(start, o) ? summary.done() : new Uint8Array(0),
      status: done < count ? status.slice(0, done) : status,
      variant: done < count ? variant.slice(0, done) : variant,
      metrics: done < count ? metrics.slice(0, done * M) : metrics,
      ...(this.columns !== null ? { columns: this.columns.done() } : {}),
      ms: performance.now() - t0,
    };
  }

  /** The rows of a batch a worker simulated and returned as numbers: the same bytes as if the worker had written them. */
  replay(start: number, raw: RawBatch): BatchResult {
    this.replaying = true;
    this.presets = this.scenarioPresets(raw.scenarios);
    try {
      return { ...this.batch(start, raw.end, replaySimulate(raw)), ms: raw.ms };
    } finally {
      this.replaying = false;
      // a scenario whose texts came from the worker has no scenario object: never reused outside its batch
      this.current = null;
      this.presets = null;
    }
  }

  /**
   * The scenario texts a worker sent with a raw batch, as this writer keeps
   * them (only replayed: the scenario itself is not needed). For the Parquet
   * columns each parameter's cell is read back from its text, as a merge
   * reads runs.csv (the shortest text of a number reads back to the same
   * double), rather than built again from the scenario.
   */
  private scenarioPresets(s: RawScenarios): Map<number, ScenarioRows> {
    const out = new Map<number, ScenarioRows>();
    for (let k = 0; k < s.at.length / 2; k++) {
      const t = (j: number) => itemAt(s.texts, k * SCENARIO_TEXTS + j);
      const index = itemAt(s.at, 2 * k);
      const params = t(2);
      out.set(index, {
        index,
        variant: itemAt(s.at, 2 * k + 1),
        scenarioId: t(0),
        scenario: null,
        ids: t(1),
        params,
        beforeSeed: t(3),
        afterSeed: t(4),
        cells: this.kinds === null ? [] : this.paramCells(params, this.kinds),
      });
    }
    return out;
  }

  /** A scenario's parameter cells (the seed's null) from its parameter texts without the seed, by the columns' kinds. */
  private paramCells(params: string, kinds: readonly ColumnKind[]): CsvCell[] {
    const count = this.errorIndex - this.firstParam;
    const seedAt = this.seedIndex - this.firstParam;
    const written = count - (seedAt >= 0 ? 1 : 0);
    const texts = this.cursor.scan(params);
    // no parameter but the seed: the texts are '' (which scans as one empty cell)
    if (written > 0 && texts.count !== written) throw new Error(`internal: a scenario's parameter texts hold ${texts.count} cells, the header has ${written} such columns`);
    const cells = new Array<CsvCell>(count);
    for (let p = 0, j = 0; p < count; p++) {
      if (p === seedAt) {
        cells[p] = null;
        continue;
      }
      cells[p] = cellOfText(texts, j, itemAt(kinds, this.firstParam + p));
      j++;
    }
    return cells;
  }

  /** The summary.csv line of a scenario whose replicates are at [at, at + replicates) of the arrays. */
  private summaryLine(rows: ScenarioRows, at: number, status: Uint8Array, metrics: Float64Array): string {
    this.summary.start(rows.ids, rows.params);
    for (let i = at; i < at + this.grid.replicates; i++) this.summary.add(status[i]!, metrics, i * M);
    return this.summary.line();
  }

  /** The summary.csv rows of the whole scenarios [start, end), from their status codes and metrics (after a batch was rerun in parts). */
  summarise(start: number, end: number, status: Uint8Array, metrics: Float64Array): Uint8Array {
    const lines = new Utf8Builder();
    for (let o = start; o < end; o += this.grid.replicates) lines.add(this.summaryLine(this.scenarioRows(taskAt(this.grid, this.shard, o).scenario), o - start, status, metrics));
    return lines.done();
  }

  /** The row of a task that could not be simulated (its worker died), with the reason. */
  failed(ordinal: number, message: string): BatchResult {
    const status = new Uint8Array(1);
    const variant = new Uint16Array(1);
    const metrics = new Float64Array(M);
    const fail = () => {
      throw new Error(message);
    };
    this.columns = this.kinds === null ? null : new RunColumnsBuilder(this.kinds, this.grid.header, 1);
    const text = Buffer.from(this.task(ordinal, fail, 0, status, variant, metrics));
    return { end: ordinal + 1, text, summary: new Uint8Array(0), status, variant, metrics, ...(this.columns !== null ? { columns: this.columns.done() } : {}), ms: 0 };
  }

  /** The texts of scenario `index` (the shard's scenario numbering is the grid's), built or as the worker sent them. */
  scenarioRows(index: number): ScenarioRows {
    if (this.current?.index === index) return this.current;
    const preset = this.presets?.get(index);
    if (preset !== undefined) return (this.current = preset);
    const { variant } = decodeScenario(this.grid, index, this.digits);
    const v = itemAt(this.grid.variants, variant);
    // its own copy: a task sets its seed in it (seeded)
    const scenario = ownScenario(buildScenario(v, this.digits));
    const params = new Array<CsvCell>(this.errorIndex - this.firstParam).fill(null);
    const texts = new Array<string>(params.length).fill('');
    // every parameter, those only shown when set included: once the header has one, each row shows its value
    eachScenarioColumn(
      scenario,
      (key, value, _path, onlyWithEvery) => {
        const at = this.paramIndex.get(key);
        if (at !== undefined) {
          const p = at - this.firstParam;
          // neighbouring scenarios share most parameters: format a value once, not once per scenario
          if (!(p in this.lastParams) || value !== this.lastParams[p]) {
            this.lastParams[p] = value;
            this.lastCells[p] = cell(value);
            const text = cellText(this.lastCells[p]);
            this.lastTexts[p] = typeof value === 'string' ? oneByteText(text) : text;
          }
          params[p] = this.lastCells[p]!;
          texts[p] = this.lastTexts[p]!;
        }
        // a parameter column that is also a metric (ramBytes) is the metric's
        // (a parameter shown only when set, and left at its default in the whole sweep, has no column: that is fine)
        else if (!METRIC_NAMES.has(key) && onlyWithEvery !== true)
          throw new Error(`internal: scenario column '${key}' is not in the runs.csv header; the sweep's column union missed it`);
      },
      true,
    );
    const seedAt = this.seedIndex - this.firstParam;
    const segment = (cells: string[]) => (cells.length > 0 ? cells.join(',') : null);
    const scenarioId = scenarioIdOf(v, this.digits);
    const before = segment(seedAt >= 0 ? texts.slice(0, seedAt) : texts);
    const after = seedAt >= 0 ? segment(texts.slice(seedAt + 1)) : null;
    this.current = {
      index,
      variant,
      scenarioId,
      scenario,
      // a scenario id (hex digits) never needs quotes
      ids: `${scenarioId},${this.variantText(variant, v.name)}`,
      params: joinCells([before, after]),
      beforeSeed: before === null ? '' : `${before},`,
      afterSeed: after === null ? '' : `,${after}`,
      cells: params,
    };
    return this.current;
  }

  /** A variant's name as its CSV cell, one byte a character where it can be (oneByteText). */
  private variantText(variant: number, name: string): string {
    let text = this.variantTexts.get(variant);
    if (text === undefined) this.variantTexts.set(variant, (text = oneByteText(cellText(name))));
    return text;
  }

  /** Simulate one task; its row as text; its status, variant and summary metrics into the arrays at `i`; its cells into the columns when they are built. */
  private task(ordinal: number, simulate: Simulate, i: number, status: Uint8Array, variant: Uint16Array, metrics: Float64Array): string {
    const { scenario: index, replicate } = taskAt(this.grid, this.shard, ordinal);
    const rows = this.scenarioRows(index);
    const taskId = taskIdOf(rows.scenarioId, replicate);
    const seed = taskSeed(this.grid.seed, taskId);
    variant[i] = rows.variant;
    let values = '';
    let error = '';
    let result: RunResult | null = null;
    try {
      // a replayed batch (raw-batch.ts) needs no scenario: the results were simulated in a worker
      const r = simulate(this.replaying || rows.scenario === null ? (rows.scenario as Scenario) : seeded(rows.scenario, seed));
      if (this.sameAsLast(r)) values = this.lastValuesText!;
      else {
        // hot path (every task): m is in range of the constant column lists
        for (let m = 0; m < METRIC_COLUMNS.length; m++) {
          const v = r[METRIC_COLUMNS[m]!];
          this.lastValues[m] = v;
          const text = cellText(cell(v));
          values += `,${text}`;
          const k = SUMMARY_INDEX[m]!;
          if (k >= 0) this.texts[k] = text;
        }
        this.lastValuesText = values;
      }
      if (this.csvText) for (let m = 0; m < this.optional.length; m++) values += `,${cellText(cell(r[this.optional[m]!]))}`;
      status[i] = STATUS[r.outcome] ?? STATUS.error;
      for (let m = 0; m < M; m++) {
        const v = r[SUMMARY_METRICS[m]!];
        metrics[i * M + m] = Number.isFinite(v) ? v : NaN;
      }
      result = r;
    } catch (e) {
      this.lastValuesText = null;
      values = ','.repeat(METRIC_COLUMNS.length + this.optional.length);
      error = oneLine(e instanceof Error ? e.message || e.name : String(e));
      status[i] = STATUS.error;
      metrics.fill(NaN, i * M, (i + 1) * M);
    }
    if (this.columns !== null) this.columnCells(this.columns, taskId, rows, replicate, result, seed, error);
    if (!this.csvText) return '';
    // a task id (hex digits and a dash) and a replicate number never need quotes
    const params = this.seedIndex >= 0 ? `${rows.beforeSeed}${seed}${rows.afterSeed}` : rows.params;
    return `${taskId},${rows.ids},${replicate}${values},${params},${cellText(error)}\n`;
  }

  /** Whether a result's metrics are those of the last task (NaN equal to NaN): then so are their texts. */
  private sameAsLast(r: RunResult): boolean {
    if (this.lastValuesText === null) return false;
    // hot path (every task): m is in range of the constant column list
    for (let m = 0; m < METRIC_COLUMNS.length; m++) {
      const v = r[METRIC_COLUMNS[m]!];
      const last = this.lastValues[m];
      if (v !== last && !(Number.isNaN(v) && Number.isNaN(last))) return false;
    }
    return true;
  }

  /** The cells of one row, in header order, into the batch's columns (the same cells as the runs.csv row). */
  private columnCells(columns: RunColumnsBuilder, taskId: string, rows: ScenarioRows, replicate: number, r: RunResult | null, seed: number, error: string): void {
    columns.cell(0, taskId);
    columns.cell(1, rows.scenarioId);
    columns.cell(2, itemAt(this.grid.variants, rows.variant).name);
    columns.cell(3, replicate);
    for (let m = 0; m < METRIC_COLUMNS.length; m++) columns.cell(FIRST_METRIC + m, r === null ? null : cell(r[METRIC_COLUMNS[m]!]));
    for (let m = 0; m < this.optional.length; m++) columns.cell(FIRST_METRIC + METRIC_COLUMNS.length + m, r === null ? null : cell(r[this.optional[m]!]));
    const seedAt = this.seedIndex - this.firstParam;
    for (let p = 0; p < rows.cells.length; p++) columns.cell(this.firstParam + p, p === seedAt ? seed : rows.cells[p]);
    columns.cell(this.errorIndex, error === '' ? null : error);
    columns.endRow();
  }
}

/** Segments of cells joined with commas, leaving out the segments that hold no cell (null). */
function joinCells(parts: (string | null)[]): string {
  return parts.filter((p): p is string => p !== null).join(',');
}

function cell(v: unknown): CsvCell {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return oneLine(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}
