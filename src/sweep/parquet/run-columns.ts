/**
 * A batch's runs as columns, built in the worker and handed to the main
 * thread as transferable buffers (the main thread only copies them into the
 * part being filled, see part-writer.ts): numbers in a Float64Array with NaN
 * for an empty cell, text as UTF-8 bytes and offsets (Arrow's layout, so a
 * part becomes an Arrow table without a copy per value) where an empty text
 * is null, as it is an empty cell in runs.csv.
 */
import { itemAt } from '../../common/lookup.js';
import { CellCursor, Utf8Builder, type CsvCell } from '../csv.js';
import type { ColumnKind } from './schema.js';

/** A text column: the text of row i is bytes[offsets[i], offsets[i + 1]); empty = null. */
export interface TextColumn {
  bytes: Uint8Array;
  offsets: Int32Array;
}

/** One column of a batch: numbers (NaN = null) or text. */
export type RunColumn = Float64Array | TextColumn;

/** The runs of a batch, one entry per runs.csv column, in header order. */
export interface RunColumns {
  rows: number;
  columns: RunColumn[];
}

export function isText(c: RunColumn): c is TextColumn {
  return !(c instanceof Float64Array);
}

/** The buffers to transfer with a batch's columns. */
export function runColumnBuffers(c: RunColumns): ArrayBuffer[] {
  return c.columns.flatMap((col) => (isText(col) ? [col.bytes.buffer as ArrayBuffer, col.offsets.buffer as ArrayBuffer] : [col.buffer as ArrayBuffer]));
}

/** A text column being filled: the bytes in a Utf8Builder (off the JS heap, transferable), an offset per row. */
class TextBuilder {
  readonly bytes: Utf8Builder;
  readonly offsets: Int32Array;
  constructor(rows: number) {
    this.bytes = new Utf8Builder(Math.max(64, rows * 16));
    this.offsets = new Int32Array(rows + 1);
  }
  add(row: number, text: string): void {
    if (text !== '') this.bytes.add(text);
    this.offsets[row + 1] = this.bytes.byteLength;
  }
}

/**
 * Fills the columns of a batch of known size cell by cell, in header order
 * (`cell(col, value)` for each column of a row, rows in order). A cell is
 * what runs.csv writes (number, text or null): a number in a text column is
 * written as the text runs.csv has for it; text in a number column is a bug
 * (the schema was decided from the grid, see schema.ts) and throws.
 */
export class RunColumnsBuilder {
  private readonly numbers: (Float64Array | null)[];
  private readonly texts: (TextBuilder | null)[];
  private row = 0;

  constructor(
    private readonly kinds: readonly ColumnKind[],
    private readonly header: readonly string[],
    private readonly rows: number,
  ) {
    this.numbers = kinds.map((k) => (k === 'text' ? null : new Float64Array(rows)));
    this.texts = kinds.map((k) => (k === 'text' ? new TextBuilder(rows) : null));
  }

  cell(col: number, v: CsvCell | undefined): void {
    // every cell of every task: col is a header index (in range of the per-column arrays)
    const numbers = this.numbers[col]!;
    if (numbers !== null) {
      // -0 is stored as 0: runs.csv writes it '0', and a column read back from runs.csv (a merge, a replayed batch's parameters) has 0
      if (typeof v === 'number') numbers[this.row] = Number.isFinite(v) ? v + 0 : NaN;
      else if (v === null || v === undefined || v === '') numbers[this.row] = NaN;
      else throw new Error(`internal: column '${this.header[col]}' of runs.parquet holds numbers, this task gives it the text '${v}'`);
    } else {
      const text = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : (v ?? '');
      (this.texts[col] as TextBuilder).add(this.row, text);
    }
  }

  /** The row is complete: the next cells are the next row's. */
  endRow(): void {
    this.row++;
  }

  /** The columns of the rows written so far (buffers of their own: transferable). */
  done(): RunColumns {
    const rows = this.row;
    const columns = this.kinds.map((_, c): RunColumn => {
      const numbers = itemAt(this.numbers, c);
      if (numbers !== null) return rows === this.rows ? numbers : numbers.slice(0, rows);
      const t = this.texts[c] as TextBuilder;
      return { bytes: t.bytes.done(), offsets: rows === this.rows ? t.offsets : t.offsets.slice(0, rows + 1) };
    });
    return { rows, columns };
  }
}

/** Batches' columns one after the other (a batch rerun task by task). */
export function concatRunColumns(parts: RunColumns[]): RunColumns {
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const columns = itemAt(parts, 0).columns.map((first, c): RunColumn => {
    if (!isText(first)) {
      const out = new Float64Array(rows);
      let at = 0;
      for (const p of parts) {
        out.set(p.columns[c] as Float64Array, at);
        at += p.rows;
      }
      return out;
    }
    const texts = parts.map((p) => p.columns[c] as TextColumn);
    const bytes = new Uint8Array(texts.reduce((n, t) => n + t.offsets[t.offsets.length - 1]!, 0));
    const offsets = new Int32Array(rows + 1);
    let row = 0;
    let at = 0;
    for (const t of texts) {
      const n = t.offsets.length - 1;
      bytes.set(t.bytes.subarray(0, t.offsets[n]), at);
      for (let i = 1; i <= n; i++) offsets[row + i] = t.offsets[i]! + at;
      row += n;
      at += t.offsets[n]!;
    }
    return { bytes, offsets };
  });
  return { rows, columns };
}

/**
 * Runs as columns from their runs.csv text (rows without the header): for
 * batches that come with text only (a merge's or a replay's rows read back
 * from runs.csv). A number reads back to the same double (runs.csv holds
 * the shortest text that does), so the parts written are the same bytes.
 */
export function columnsFromCsvText(text: Uint8Array, kinds: readonly ColumnKind[], header: readonly string[]): RunColumns {
  const lines = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const b = new RunColumnsBuilder(kinds, header, lines.length);
  const cells = new CellCursor();
  for (const line of lines) {
    cells.scan(line);
    if (cells.count !== kinds.length) throw new Error(`internal: a runs.csv row with ${cells.count} cells where the header has ${kinds.length}`);
    for (let c = 0; c < kinds.length; c++) b.cell(c, cellOfText(cells, c, itemAt(kinds, c)));
    b.endRow();
  }
  return b.done();
}

/** Cell i of a scanned runs.csv line as the column of that kind holds it: empty is null, a number column's text its number. */
export function cellOfText(cells: CellCursor, i: number, kind: ColumnKind): CsvCell {
  return cells.empty(i) ? null : kind === 'text' ? cells.cell(i) : Number(cells.cell(i));
}
