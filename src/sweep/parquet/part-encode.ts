/**
 * One part of runs.parquet from its column buffers to a file: the columns
 * become an Arrow record batch without a copy per value (the buffers are
 * Arrow's layout, see run-columns.ts), then parquet-wasm (the Rust `parquet`
 * crate compiled to WebAssembly) writes it: Snappy-compressed, one row
 * group, dictionary-encoded only for the text columns that repeat (a
 * dictionary attempt on every number column cost ~8x the rest in
 * scripts/parquet-libraries.mjs). Nothing in the file depends on the time
 * or the machine: created_by names migsweep's version, and the Arrow schema
 * parquet-wasm stores is the columns'.
 */
import { itemAt } from '../../common/lookup.js';
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, type Data } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import type { ColumnKind } from './schema.js';

/** A text column of a part: bytes [0, length) and an offset per row. */
export interface PartText {
  bytes: Uint8Array;
  length: number;
  offsets: Int32Array;
}

/** A part's columns as the writer filled them (rows [0, rows) of each buffer). */
export interface PartData {
  header: readonly string[];
  kinds: readonly ColumnKind[];
  rows: number;
  /** the row group size written in the file (the part size) */
  partRows: number;
  createdBy: string;
  numbers: (Float64Array | null)[];
  texts: (PartText | null)[];
}

/** Text columns that are unique per row: no dictionary (it would be dropped after costing its attempt). */
const UNIQUE_TEXT = new Set(['taskId', 'error']);

export function partName(n: number): string {
  return `part-${String(n).padStart(5, '0')}.parquet`;
}

/** The Parquet bytes of a part. */
export function encodePart(p: PartData): Uint8Array {
  const fields: Field[] = [];
  const children: Data[] = [];
  p.kinds.forEach((kind, c) => {
    const data = kind === 'text' ? textData(p.texts[c]!, p.rows) : kind === 'int64' ? int64Data(p.numbers[c]!, p.rows) : doubleData(p.numbers[c]!, p.rows);
    fields.push(new Field(itemAt(p.header, c), data.type, true));
    children.push(data);
  });
  const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: p.rows, children, nullCount: 0 }));
  const ipc = tableToIPC(new Table(batch), 'stream');
  let props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.SNAPPY).setCreatedBy(p.createdBy).setMaxRowGroupSize(p.partRows).setDictionaryEnabled(false);
  p.kinds.forEach((kind, c) => {
    const name = itemAt(p.header, c);
    if (kind === 'text' && !UNIQUE_TEXT.has(name)) props = props.setColumnDictionaryEnabled(name, true);
  });
  return parquet.writeParquet(parquet.Table.fromIPCStream(ipc), props.build());
}

/** Write part `n` into `dir` under a temporary name, then rename it: a part appears only whole (a kill leaves a .tmp file, never half a part). */
export function writePartFile(dir: string, n: number, bytes: Uint8Array): void {
  const file = join(dir, partName(n));
  const tmp = join(dir, `.${partName(n)}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Arrow's validity bitmap (bit set = a value) from a test per row; undefined when every row has one. */
function validity(rows: number, valid: (i: number) => boolean): { bitmap: Uint8Array | undefined; nulls: number } {
  const bitmap = new Uint8Array((rows + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    if (valid(i)) bitmap[i >> 3]! |= 1 << (i & 7);
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
  for (let i = 0; i < rows; i++) if (values[i] === values[i]) ints[i] = BigInt(values[i]!);
  const { bitmap, nulls } = validity(rows, (i) => values[i] === values[i]);
  return makeData({ type: new Int64(), length: rows, data: ints, nullBitmap: bitmap, nullCount: nulls });
}

function textData(part: PartText, rows: number): Data {
  const o = part.offsets;
  const { bitmap, nulls } = validity(rows, (i) => o[i + 1]! > o[i]!);
  return makeData({ type: new Utf8(), length: rows, valueOffsets: o.subarray(0, rows + 1), data: part.bytes.subarray(0, part.length), nullBitmap: bitmap, nullCount: nulls });
}
