/**
 * Runs already written to runs.csv turned back into batches, so that the
 * sinks that do not keep their output (summary.csv, the terminal table) can
 * be fed them: the rows of a resumed run's first sessions, and the rows of
 * a merge's shards. Read line by line as text (readLineBatches, csv.ts),
 * not with a CSV parser: every record is one line, the rows are copied on
 * byte for byte (a merge), and a summary reuses each metric's text as
 * written, so that every path writes the same bytes as the workers do.
 */
import { METRIC_COLUMNS, optionalMetricsOf } from '../scenario/flatten.js';
import { InputError } from '../common/errors.js';
import { ScenarioSummary, SUMMARY_METRICS } from './aggregate.js';
import { CellCursor, readLineBatches, Utf8Builder } from './csv.js';
import { STATUS, type BatchResult, type Grid } from './types.js';

const OUTCOME_STATUS: Record<string, number> = { completed: STATUS.completed, aborted: STATUS.aborted, unfinished: STATUS.unfinished };
const M = SUMMARY_METRICS.length;

/** runs.csv lines (in task order, from a scenario's first replicate) back into a BatchResult. */
export class RunsDecoder {
  private readonly idx: (c: string) => number;
  private readonly metricCells: number[];
  private readonly variantIndex: Map<string, number>;
  private readonly firstParam: number;
  private readonly iSeed: number;
  private readonly iError: number;
  private readonly cells = new CellCursor();
  private readonly summary = new ScenarioSummary();
  private readonly texts: string[] = SUMMARY_METRICS.map(() => '');
  private text = new Utf8Builder();
  private summaries = new Utf8Builder();
  private status: number[] = [];
  private variant: number[] = [];
  private metrics: number[] = [];
  private ordinal: number;

  /** `from`: the ordinal of the first line's task (a scenario's first replicate) */
  constructor(
    private readonly grid: Grid,
    from: number,
    private readonly keepText = true,
  ) {
    const col = new Map(grid.header.map((c, i) => [c, i]));
    this.idx = (c) => col.get(c) as number;
    this.metricCells = SUMMARY_METRICS.map(this.idx);
    this.variantIndex = new Map(grid.variants.map((v, i) => [v.name, i]));
    this.iSeed = grid.header.indexOf('seed');
    this.firstParam = 4 + METRIC_COLUMNS.length + optionalMetricsOf(grid.header).length;
    this.iError = this.idx('error');
    this.ordinal = from;
  }

  /** Rows added since the last take(). */
  get rows(): number {
    return this.status.length;
  }

  /** One row: `text` without its newline; `file` and `line` for messages. */
  add(text: string, file: string, line: number): void {
    const cells = this.cells.scan(text);
    const bad = (message: string) => new InputError(file, [{ path: '', line, message: `${message}; the file is damaged` }]);
    if (cells.count !== this.grid.header.length) throw bad(`has ${cells.count} cells, expected ${this.grid.header.length}`);
    const name = cells.cell(this.idx('variant'));
    const v = this.variantIndex.get(name);
    if (v === undefined) throw bad(`names variant '${name}', which this sweep does not have`);
    if (this.ordinal % this.grid.replicates === 0) this.summary.start(cells.raw(this.idx('scenarioId'), this.idx('variant') + 1), this.paramsText());
    const status = cells.empty(this.iError) ? (OUTCOME_STATUS[cells.cell(this.idx('outcome'))] ?? STATUS.error) : STATUS.error;
    const at = this.metrics.length;
    for (let m = 0; m < M; m++) {
      const t = cells.cell(this.metricCells[m] as number);
      this.texts[m] = t;
      this.metrics.push(t === '' ? NaN : Number(t));
    }
    this.summary.add(status, this.metrics, at, this.texts);
    this.status.push(status);
    this.variant.push(v);
    if (this.keepText) this.text.add(`${text}\n`);
    this.ordinal++;
    if (this.ordinal % this.grid.replicates === 0) this.summaries.add(this.summary.line());
  }

  /** The rows added since the last take(), as a batch (its summary: the scenarios that ended in it). */
  take(): BatchResult {
    const r: BatchResult = {
      end: this.ordinal,
      text: this.text.done(),
      summary: this.summaries.done(),
      status: Uint8Array.from(this.status),
      variant: Uint16Array.from(this.variant),
      metrics: Float64Array.from(this.metrics),
      ms: 0,
    };
    this.text = new Utf8Builder();
    this.summaries = new Utf8Builder();
    this.status = [];
    this.variant = [];
    this.metrics = [];
    return r;
  }

  /** The parameter cells of the row being read, as written, without the seed. */
  private paramsText(): string {
    const { cells, firstParam, iSeed, iError } = this;
    if (iSeed < firstParam) return cells.raw(firstParam, iError);
    const parts: string[] = [];
    if (iSeed > firstParam) parts.push(cells.raw(firstParam, iSeed));
    if (iError > iSeed + 1) parts.push(cells.raw(iSeed + 1, iError));
    return parts.join(',');
  }
}

/** Rows per replayed batch (whole scenarios are kept together). */
const REPLAY_ROWS = 4096;

/**
 * The first `rows` rows of a runs.csv (checked already: verifyRuns), or of
 * other runs given as runs.csv lines (`lines`: runs.parquet), as batches, for the sinks that start again on resume. The rows' text is left
 * out: the runs files keep theirs.
 */
export async function* replayRuns(file: string, grid: Grid, rows: number, lines: AsyncIterable<string[]> = readLineBatches(file)): AsyncGenerator<BatchResult> {
  if (rows === 0) return;
  const decoder = new RunsDecoder(grid, 0, false);
  let line = 0;
  for await (const batch of lines) {
    for (const text of batch) {
      line++;
      if (line === 1) continue;
      decoder.add(text, file, line);
      if (line - 1 === rows) {
        yield decoder.take();
        return;
      }
      if (decoder.rows >= REPLAY_ROWS && (line - 1) % grid.replicates === 0) yield decoder.take();
    }
  }
  throw new InputError(file, [{ path: '', message: `ends after ${line - 1} rows, before the ${rows} that were checked; the file changed while it was read` }]);
}
