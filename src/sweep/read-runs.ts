/**
 * Reading a run folder's runs back, in bounded memory, whatever format the
 * sweep wrote them in. Used by the report, `compare` and anything else that
 * needs runs as values (not by `merge` and `--resume`, which copy and check
 * runs.csv line by line as text: see merge.ts and output.ts).
 *
 * `streamRuns(runDir)` picks the first format of RUNS_FORMATS whose files
 * are in the folder and returns a RunsStream: the file's columns, then its
 * rows in file order, in batches (never the whole file). Every format reads
 * back to the same cells:
 *
 * - an empty cell is null (the sweep writes null, NaN and infinities empty);
 * - a cell that is a number in full is that number (runs.csv holds the
 *   shortest text that reads back to the same double, so nothing is lost);
 * - anything else, and every cell of TEXT_COLUMNS (a variant may be called
 *   `10`), is a string.
 *
 * Adding a format (Parquet: a `runs.parquet/` folder of part files) is one
 * more RunsFormat in RUNS_FORMATS, put before CSV so that a folder written
 * with `--format both` is read from the faster one; its `open` must yield
 * the same cells (a test reads one run written both ways and compares) and
 * turn a truncated or corrupt file into an InputError naming it.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type CsvError } from 'csv-parse';
import { InputError } from '../common/errors.js';
import { RUNS_FILE } from './output.js';
import { PARQUET_FORMAT } from './parquet/read.js';

/** One cell as read back: empty = null, a number in full = number, else text. */
export type RunCell = number | string | null;
/** One row: column name -> cell (only the columns asked for). */
export type RunRow = Record<string, RunCell>;

/** Columns that hold names, never numbers, whatever they look like (a variant may be called `10`). */
export const TEXT_COLUMNS: ReadonlySet<string> = new Set([
  'taskId',
  'scenarioId',
  'variant',
  'outcome',
  'stopReason',
  'error',
  'policy',
  'base',
  'workload',
  'estimator',
  'fidelity',
]);

/** Rows per batch unless asked otherwise: large enough that the per-batch cost vanishes, small enough to stay a few MB. */
export const DEFAULT_BATCH_ROWS = 4096;

export interface ReadOptions {
  /** only these columns in each row (default: all); a name the file lacks is left out (check `columns`, or use requireColumns) */
  columns?: readonly string[];
  /** rows per batch (default DEFAULT_BATCH_ROWS) */
  batchRows?: number;
  /** columns kept as text (default TEXT_COLUMNS) */
  textColumns?: ReadonlySet<string>;
}

/**
 * A table being read: its columns are known, its rows come in batches, in
 * file order. Iterate it once; breaking out of the loop closes the file, and
 * so does `close()` when it is not iterated at all.
 */
export interface RunsStream extends AsyncIterable<RunRow[]> {
  /** which format was read */
  readonly format: string;
  /** the file (or folder of parts) read: for messages */
  readonly path: string;
  /** every column of the file, in order */
  readonly columns: readonly string[];
  close(): Promise<void>;
}

/** One way runs can be stored in a run folder. */
export interface RunsFormat {
  /** the `--format` name */
  name: string;
  /** the file or folder of this format in `runDir`, or null when the folder has none */
  find(runDir: string): string | null;
  open(path: string, o: ReadOptions): Promise<RunsStream>;
}

const CSV_FORMAT: RunsFormat = {
  name: 'csv',
  find: (runDir) => {
    const file = join(runDir, RUNS_FILE);
    return existsSync(file) ? file : null;
  },
  open: (path, o) => streamCsv(path, o),
};

/** The formats streamRuns looks for, in order of preference. */
export const RUNS_FORMATS: readonly RunsFormat[] = [PARQUET_FORMAT, CSV_FORMAT];

/** The runs of a run folder, from the first format of RUNS_FORMATS it holds; an InputError when it holds none. */
export async function streamRuns(runDir: string, o: ReadOptions = {}): Promise<RunsStream> {
  for (const format of RUNS_FORMATS) {
    const path = format.find(runDir);
    if (path !== null) return format.open(path, o);
  }
  const names = RUNS_FORMATS.map((f) => f.name).join(' or ');
  throw new InputError(runDir, [
    { path: '', message: `holds no runs (no ${RUNS_FILE} or other ${names} output of migsweep sweep); expected a run folder such as results/default/<run-id>` },
  ]);
}

/** An InputError naming the stream's file unless it has every one of `names`. */
export function requireColumns(runs: Pick<RunsStream, 'path' | 'columns'>, names: readonly string[], expected = 'a runs.csv written by migsweep sweep'): void {
  const missing = names.filter((c) => !runs.columns.includes(c));
  if (missing.length > 0)
    throw new InputError(runs.path, [{ path: '', line: 1, message: `has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; expected ${expected}` }]);
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A cell's text as a RunCell (not for TEXT_COLUMNS). */
export function numberOrText(raw: string): RunCell {
  if (raw === '') return null;
  return NUMBER.test(raw) ? Number(raw) : raw;
}

/**
 * Any CSV file the sweep writes (runs.csv, summary.csv) as a RunsStream,
 * parsed by csv-parse (RFC 4180, as csv-stringify writes it). A malformed
 * file (a row with another number of cells than the header, an unclosed
 * quote, no header) is an InputError naming the file and line.
 */
export async function streamCsv(file: string, o: ReadOptions = {}): Promise<RunsStream> {
  const text = o.textColumns ?? TEXT_COLUMNS;
  const batchRows = Math.max(1, o.batchRows ?? DEFAULT_BATCH_ROWS);
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = parse({ bom: true, skip_empty_lines: true });
  // an unreadable file fails the parser's iteration with the read error
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const close = async () => {
    input.destroy();
    await records.return?.();
  };

  let first: IteratorResult<string[]>;
  try {
    first = await records.next();
  } catch (e) {
    await close();
    throw csvInputError(file, e);
  }
  if (first.done === true) {
    await close();
    throw new InputError(file, [{ path: '', message: 'is empty; expected a header line (the column names) and then one line per row' }]);
  }
  const columns = first.value;
  const wanted = o.columns === undefined ? columns.map((c, i) => [c, i] as const) : o.columns.flatMap((c) => (columns.includes(c) ? [[c, columns.indexOf(c)] as const] : []));
  const names = wanted.map(([c]) => c);
  const at = wanted.map(([, i]) => i);
  const isText = names.map((c) => text.has(c));

  async function* batches(): AsyncGenerator<RunRow[]> {
    let batch: RunRow[] = [];
    try {
      for (;;) {
        let r: IteratorResult<string[]>;
        try {
          r = await records.next();
        } catch (e) {
          throw csvInputError(file, e);
        }
        if (r.done === true) break;
        const record = r.value;
        const row: RunRow = {};
        // every cell: k is in range of names, at and isText (built together)
        for (let k = 0; k < names.length; k++) {
          const raw = record[at[k]!] as string;
          row[names[k] as string] = isText[k] ? (raw === '' ? null : raw) : numberOrText(raw);
        }
        batch.push(row);
        if (batch.length >= batchRows) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      await close();
    }
  }
  let iterated = false;
  return {
    format: 'csv',
    path: file,
    columns,
    close,
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error(`internal: ${file} is being read already; open it again to read it twice`);
      iterated = true;
      return batches();
    },
  };
}

/** csv-parse's error (or a read error) as an InputError naming the file and, for a parse error, the line. */
function csvInputError(file: string, e: unknown): InputError {
  const err = e as Partial<CsvError> & { lines?: number; code?: string; message?: string };
  if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
    const line = typeof err.lines === 'number' ? err.lines : undefined;
    // csv-parse ends its messages with " on line N" / " at line N": the line goes in front instead
    const counts = /expect (\d+), got (\d+)/.exec(String(err.message));
    const message =
      counts !== null
        ? `has ${counts[2]} cells, the header has ${counts[1]}`
        : err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'a quoted cell is not closed (the file ends inside quotes)'
          : String(err.message).replace(/,? (?:on|at) line \d+\.?$/, '');
    return new InputError(file, [{ path: '', ...(line !== undefined ? { line } : {}), message: `${message}; the file is damaged (cut short, or edited by hand)` }]);
  }
  return new InputError(file, [{ path: '', message: `cannot read: ${err.message ?? String(e)}` }]);
}
