/**
 * A part file read back as RunColumns (the workers' layout), to be written
 * again by the part writer: how `merge` and a resume check move Parquet rows
 * without turning them into cells.
 */
import type { Table, Vector } from 'apache-arrow';
import { InputError } from '../../scenario/errors.js';
import { readPart } from './read.js';
import type { RunColumn, RunColumns } from './run-columns.js';
import type { ColumnKind } from './schema.js';

function numbers(v: Vector, rows: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const x = v.get(i) as number | bigint | null;
    out[i] = x === null ? NaN : Number(x);
  }
  return out;
}

function text(v: Vector, rows: number): RunColumn {
  const enc = new TextEncoder();
  const offsets = new Int32Array(rows + 1);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < rows; i++) {
    const s = v.get(i) as string | null;
    if (s !== null) {
      const b = enc.encode(s);
      parts.push(b);
      at += b.length;
    }
    offsets[i + 1] = at;
  }
  const bytes = new Uint8Array(at);
  let o = 0;
  for (const b of parts) {
    bytes.set(b, o);
    o += b.length;
  }
  return { bytes, offsets };
}

/** A decoded part as RunColumns of the given kinds in the order of `header`; an InputError when a column is missing. */
export function tableColumns(table: Table, header: readonly string[], kinds: readonly ColumnKind[], file: string): RunColumns {
  const rows = table.numRows;
  const columns = header.map((name, c) => {
    const v = table.getChild(name);
    if (v === null) throw new InputError(file, [{ path: '', message: `has no column ${name}; expected a part of runs.parquet of this sweep` }]);
    return kinds[c] === 'text' ? text(v, rows) : numbers(v, rows);
  });
  return { rows, columns };
}

/** A part file as RunColumns. */
export function readPartColumns(file: string, header: readonly string[], kinds: readonly ColumnKind[]): RunColumns {
  return tableColumns(readPart(file), header, kinds, file);
}
