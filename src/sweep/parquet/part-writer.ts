/**
 * runs.parquet: a folder of part files, part-00000.parquet, part-00001.parquet,
 * ..., part n holding the run's tasks [n x PART_ROWS, (n + 1) x PART_ROWS) in
 * task order, one row group each. The boundaries depend on the task ordinal
 * only, and a part is encoded from one contiguous table whatever batches
 * filled it, so the bytes are the same for any worker count or batch size;
 * a shard's merge refills the same parts in the same order and writes the
 * same files as one machine.
 *
 * Why parts and not one file: a Parquet file is readable only once its
 * footer is written, at the end. A part is written to a temporary name and
 * renamed when complete, so an interrupted run keeps every whole part and
 * `--resume` restarts at the first missing one (at most PART_ROWS tasks are
 * redone); and memory holds one part being filled, never the run.
 *
 * Encoding: the part's columns become an Arrow record batch without a copy
 * per value (the workers send Arrow's layout, see run-columns.ts), then
 * parquet-wasm (the Rust `parquet` crate compiled to WebAssembly) writes
 * it: Snappy-compressed, dictionary-encoded only for the text columns that
 * repeat (a dictionary attempt on every number column cost ~8x the rest in
 * scripts/parquet-libraries.mjs). Nothing in the file depends on the time
 * or the machine: created_by names migsweep's version.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, type Data, type DataType } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { PACKAGE_VERSION } from '../output.js';
import { isText, type RunColumns, type TextColumn } from './run-columns.js';
import type { ColumnKind } from './schema.js';

/** The folder of part files in a run folder. */
export const PARTS_DIR = 'runs.parquet';
/** Rows (tasks) per part file and row group: 2^16 keeps a part of ~50 columns at ~30 MB while it fills. */
export const PART_ROWS = 65_536;
/** Text columns that are unique per row: no dictionary (it would be dropped after costing its attempt). */
const UNIQUE_TEXT = new Set(['taskId', 'error']);

export function partName(n: number): string {
  return `part-${String(n).padStart(5, '0')}.parquet`;
}

class TextPart {
  bytes = new Uint8Array(1 << 20);
  length = 0;
  readonly offsets: Int32Array;
  constructor(rows: number) {
    this.offsets = new Int32Array(rows + 1);
  }
}

/**
 * The Parquet runs writer: rows arrive in task order (append), a part is
 * written as soon as it is full, and the last one at finish. Rows before
 * `from` (the first ordinal it lacks: a resumed run keeps its whole parts)
 * are skipped, so that the pool may restart earlier for another format.
 */
export class ParquetRunsWriter {
  readonly dir: string;
  private readonly numbers: (Float64Array | null)[];
  private readonly texts: (TextPart | null)[];
  /** the ordinal of the part's first row, and the rows in it */
  private partStart: number;
  private filled = 0;
  private wroteAny: boolean;

  constructor(
    runDir: string,
    private readonly header: readonly string[],
    private readonly kinds: readonly ColumnKind[],
    from = 0,
    /** rows per part (tests use small parts to cross boundaries) */
    private readonly partRows = PART_ROWS,
  ) {
    if (from % partRows !== 0) throw new Error(`internal: the Parquet writer starts at a part boundary, not at task ${from}`);
    this.dir = join(runDir, PARTS_DIR);
    mkdirSync(this.dir, { recursive: true });
    this.partStart = from;
    this.wroteAny = from > 0;
    this.numbers = kinds.map((k) => (k === 'text' ? null : new Float64Array(partRows)));
    this.texts = kinds.map((k) => (k === 'text' ? new TextPart(partRows) : null));
  }

  /** The first ordinal the writer lacks. */
  get next(): number {
    return this.partStart + this.filled;
  }

  /** Rows [from, to) of `batch`, whose row `from` is task `ordinal`. */
  append(batch: RunColumns, ordinal: number, from = 0, to = batch.rows): void {
    // rows the writer has already (a resume restarted before them for another format)
    if (ordinal < this.next) {
      from += this.next - ordinal;
      ordinal = this.next;
    }
    if (ordinal !== this.next && from < to) throw new Error(`internal: the Parquet writer expected task ${this.next}, got ${ordinal}`);
    while (from < to) {
      const n = Math.min(to - from, this.partRows - this.filled);
      this.copy(batch, from, n);
      from += n;
      this.filled += n;
      if (this.filled === this.partRows) this.writePart();
    }
  }

  /** Write the part being filled (the run's last, or what an interrupted run has); an empty run gets one empty part, for its schema. */
  finish(): void {
    if (this.filled > 0 || !this.wroteAny) this.writePart();
  }

  private copy(batch: RunColumns, from: number, n: number): void {
    const at = this.filled;
    for (let c = 0; c < this.kinds.length; c++) {
      const col = batch.columns[c];
      if (isText(col)) appendText(this.texts[c] as TextPart, at, col, from, n);
      else (this.numbers[c] as Float64Array).set(col.subarray(from, from + n), at);
    }
  }

  private writePart(): void {
    const rows = this.filled;
    const fields: Field[] = [];
    const children: Data[] = [];
    this.kinds.forEach((kind, c) => {
      const name = this.header[c];
      const data =
        kind === 'text'
          ? textData(this.texts[c] as TextPart, rows)
          : kind === 'int64'
            ? int64Data(this.numbers[c] as Float64Array, rows)
            : doubleData(this.numbers[c] as Float64Array, rows);
      fields.push(new Field(name, data.type as DataType, true));
      children.push(data);
    });
    const schema = new Schema(fields);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, children, nullCount: 0 }));
    const ipc = tableToIPC(new Table(batch), 'stream');
    let props = new parquet.WriterPropertiesBuilder()
      .setCompression(parquet.Compression.SNAPPY)
      .setCreatedBy(`migsweep ${PACKAGE_VERSION}`)
      .setMaxRowGroupSize(this.partRows)
      .setDictionaryEnabled(false);
    this.kinds.forEach((kind, c) => {
      if (kind === 'text' && !UNIQUE_TEXT.has(this.header[c])) props = props.setColumnDictionaryEnabled(this.header[c], true);
    });
    const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(ipc), props.build());
    const n = this.partStart / this.partRows;
    const file = join(this.dir, partName(n));
    const tmp = join(this.dir, `.${partName(n)}.tmp`);
    // a part appears under its name only whole: a kill while writing leaves a temporary file, never half a part
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.wroteAny = true;
    this.partStart += rows;
    this.filled = 0;
    for (const t of this.texts) if (t !== null) t.length = 0;
  }
}

function appendText(part: TextPart, at: number, col: TextColumn, from: number, n: number): void {
  const a = col.offsets[from];
  const b = col.offsets[from + n];
  if (part.length + (b - a) > part.bytes.length) {
    const bigger = new Uint8Array(Math.max(part.length + (b - a), part.bytes.length * 2));
    bigger.set(part.bytes.subarray(0, part.length));
    part.bytes = bigger;
  }
  part.bytes.set(col.bytes.subarray(a, b), part.length);
  const shift = part.length - a;
  for (let i = 1; i <= n; i++) part.offsets[at + i] = col.offsets[from + i] + shift;
  part.length += b - a;
}

/** Arrow's validity bitmap (bit set = a value) from a test per row; null when every row has one. */
function validity(rows: number, valid: (i: number) => boolean): { bitmap: Uint8Array | undefined; nulls: number } {
  const bitmap = new Uint8Array((rows + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    if (valid(i)) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap: nulls > 0 ? bitmap : undefined, nulls };
}

function doubleData(values: Float64Array, rows: number): Data {
  const { bitmap, nulls } = validity(rows, (i) => values[i] === values[i]);
  return makeData({ type: new Float64(), length: rows, data: values.subarray(0, rows), nullBitmap: bitmap, nullCount: nulls });
}

function int64Data(values: Float64Array, rows: number): Data {
  const ints = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) if (values[i] === values[i]) ints[i] = BigInt(values[i]);
  const { bitmap, nulls } = validity(rows, (i) => values[i] === values[i]);
  return makeData({ type: new Int64(), length: rows, data: ints, nullBitmap: bitmap, nullCount: nulls });
}

function textData(part: TextPart, rows: number): Data {
  const o = part.offsets;
  const { bitmap, nulls } = validity(rows, (i) => o[i + 1] > o[i]);
  return makeData({ type: new Utf8(), length: rows, valueOffsets: o.subarray(0, rows + 1), data: part.bytes.subarray(0, part.length), nullBitmap: bitmap, nullCount: nulls });
}
