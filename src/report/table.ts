/** Reading columns of a run's tables for a chart: checked names, numbers, the few columns a spec carries. */
import { InputError, suggest } from '../common/errors.js';
import type { Cell, Row, Table } from './types.js';

/**
 * Throw an InputError naming `where` (a chart entry) when `table` lacks one
 * of `columns`, with the nearest existing column as a suggestion.
 */
export function requireColumns(table: Table, file: string, where: string, columns: readonly string[]): void {
  const have = new Set(table.columns);
  const missing = columns.filter((c) => !have.has(c));
  if (missing.length === 0) return;
  throw new InputError(
    file,
    missing.map((c) => ({ path: where, message: `column '${c}' is not in the run's CSV${suggest(c, table.columns)}` })),
  );
}

/** The finite numbers of a column. */
export function numbers(rows: readonly Row[], col: string): number[] {
  const out: number[] = [];
  for (const r of rows) {
    const v = r[col];
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** Distinct values of a column in first-seen order (nulls left out). */
export function distinct(rows: readonly Row[], col: string): Cell[] {
  const seen = new Set<Cell>();
  for (const r of rows) if (r[col] !== null && r[col] !== undefined) seen.add(r[col]);
  return [...seen];
}

/** Rows reduced to the given columns: what a spec carries inline, no more. */
export function pick(rows: readonly Row[], columns: readonly string[]): Row[] {
  const cols = [...new Set(columns)];
  return rows.map((r) => {
    const out: Row = {};
    for (const c of cols) out[c] = r[c] ?? null;
    return out;
  });
}

/** Whether two cells hold the same value (numbers to 1e-9 relative: values round-trip through CSV text). */
export function sameCell(a: Cell | undefined, b: Cell | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return (a ?? null) === (b ?? null);
}
