/**
 * Reading runs.parquet/ back: the part files in order, one at a time (a
 * part is at most PART_ROWS rows), decoded by parquet-wasm into Arrow and
 * handed out as rows of cells in batches, the same cells the runs.csv
 * reader gives: null for an empty cell, numbers as numbers (INT64 as plain
 * numbers: every integer migsweep writes is below 2^53), text as strings.
 *
 * A part that is cut short, corrupt, not Parquet, or whose columns differ
 * from the first part's, and a gap in the numbering, are InputErrors naming
 * the file and what to do; never a stack trace.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { InputError } from '../../common/errors.js';
import { csvText } from '../csv.js';
import type { RunsFormat } from '../read-runs.js';
import { partName, PARTS_DIR } from './part-writer.js';

const PART = /^part-(\d{5})\.parquet$/;

export type ParquetCell = number | string | null;
export type ParquetRow = Record<string, ParquetCell>;

/** The runs.parquet folder of a run folder, or null when it has none. */
export function findParts(runDir: string): string | null {
  const dir = join(runDir, PARTS_DIR);
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : null;
}

/** The part files of a runs.parquet folder in order (names checked: part-00000 on, no gap). */
export function listParts(dir: string): string[] {
  const names = readdirSync(dir)
    .filter((n) => PART.test(n))
    .sort();
  names.forEach((n, i) => {
    if (n !== partName(i))
      throw new InputError(join(dir, partName(i)), [
        { path: '', message: `is missing (the folder has ${n} after it): a part of runs.parquet was deleted or never finished; resume the run (--resume) or run it again` },
      ]);
  });
  return names.map((n) => join(dir, n));
}

/** One part file decoded (all columns, or the ones named); an InputError naming the file when it is not readable Parquet. */
export function readPart(file: string, columns?: readonly string[]): Table {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(file, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  try {
    const table = tableFromIPC(parquet.readParquet(bytes, columns ? { columns: [...columns] } : null).intoIPCStream());
    // parquet-wasm 0.8 decodes every column whatever `columns` says: the projection is done here
    return columns ? table.select(columns.filter((c) => table.schema.fields.some((f) => f.name === c))) : table;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new InputError(file, [
      {
        path: '',
        message: `is not a readable Parquet file (${why}); it is damaged or cut short (a full disk, a copy that did not finish): delete it and resume the run with --resume, or run the sweep again`,
      },
    ]);
  }
}

export interface ParquetReadOptions {
  /** only these columns (default all); a name the file lacks is left out */
  columns?: readonly string[];
  /** rows per batch */
  batchRows?: number;
}

export interface ParquetRunsStream extends AsyncIterable<ParquetRow[]> {
  readonly format: 'parquet';
  readonly path: string;
  readonly columns: readonly string[];
  close(): Promise<void>;
}

/** The column names of a part, from its schema (no data read). */
function partColumns(file: string): string[] {
  try {
    const schema = parquet.readSchema(readFileSync(file));
    return tableFromIPC(schema.intoIPCStream()).schema.fields.map((f) => f.name);
  } catch (e) {
    if (e instanceof InputError) throw e;
    readPart(file); // the same message as for its data
    throw e;
  }
}

/** The runs of a runs.parquet folder as batches of rows, part by part. */
export async function streamParquet(dir: string, o: ParquetReadOptions = {}): Promise<ParquetRunsStream> {
  const parts = listParts(dir);
  const [first] = parts;
  if (first === undefined) throw new InputError(dir, [{ path: '', message: 'holds no part files (part-00000.parquet, ...); the run wrote no Parquet output' }]);
  const columns = partColumns(first);
  // in file order: a projection is read in that order
  const wanted = o.columns === undefined ? columns : columns.filter((c) => o.columns!.includes(c));
  const batchRows = Math.max(1, o.batchRows ?? 4096);
  let closed = false;

  async function* batches(): AsyncGenerator<ParquetRow[]> {
    let batch: ParquetRow[] = [];
    for (const file of parts) {
      if (closed) return;
      const table = readPart(file, wanted);
      const names = table.schema.fields.map((f) => f.name);
      if (names.length !== wanted.length || names.some((n, i) => n !== wanted[i]))
        throw new InputError(file, [{ path: '', message: `lacks some of the columns ${wanted.join(', ')} of the first part: the parts come from different runs` }]);
      const vectors = wanted.map((n) => table.getChild(n)!);
      const rows = table.numRows;
      for (let i = 0; i < rows; i++) {
        const row: ParquetRow = {};
        // every cell: c is in range of both (vectors is wanted mapped)
        for (let c = 0; c < wanted.length; c++) {
          const v = vectors[c]!.get(i) as unknown;
          row[wanted[c]!] = typeof v === 'bigint' ? Number(v) : (v as ParquetCell);
        }
        batch.push(row);
        if (batch.length >= batchRows) {
          yield batch;
          batch = [];
        }
      }
      // let the event loop breathe between parts
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (batch.length > 0) yield batch;
  }
  let iterated = false;
  return {
    format: 'parquet',
    path: dir,
    columns,
    close: async () => {
      closed = true;
    },
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error(`internal: ${dir} is being read already; open it again to read it twice`);
      iterated = true;
      return batches();
    },
  };
}

/**
 * The runs of a runs.parquet folder as runs.csv lines (the header first),
 * one batch per part: the text runs.csv holds for the same rows (its cells
 * are written by the same csvText). For merge and resume, which move runs
 * as lines.
 */
export async function* parquetLineBatches(dir: string): AsyncGenerator<string[]> {
  let first = true;
  for (const file of listParts(dir)) {
    const table = readPart(file);
    const names = table.schema.fields.map((f) => f.name);
    const lines: string[] = first ? [csvText([names]).slice(0, -1)] : [];
    first = false;
    const vectors = names.map((n) => table.getChild(n)!);
    const cells: ParquetCell[] = new Array<ParquetCell>(names.length);
    for (let i = 0; i < table.numRows; i++) {
      // every cell: c is in range of vectors
      for (let c = 0; c < vectors.length; c++) {
        const v = vectors[c]!.get(i) as unknown;
        cells[c] = typeof v === 'bigint' ? Number(v) : (v as ParquetCell);
      }
      lines.push(csvText([cells]).slice(0, -1));
    }
    yield lines;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** runs.parquet as one of the formats streamRuns reads (read-runs.ts). */
export const PARQUET_FORMAT: RunsFormat = { name: 'parquet', find: findParts, open: (path, o) => streamParquet(path, o) };
