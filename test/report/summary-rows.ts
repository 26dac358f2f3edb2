/** summary.csv read independently of the report's reader (csv-parse's sync API): what the tests compare the charts with. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Row } from '../../src/report/types.js';

/** Columns that are names, whatever they look like. */
const TEXT = new Set(['scenarioId', 'variant', 'policy', 'base', 'workload', 'estimator', 'fidelity']);

/** Every row of `<dir>/summary.csv`: empty cells null, numbers numbers, names text. */
export function summaryRows(dir: string): { columns: string[]; rows: Row[] } {
  const records = parse(readFileSync(join(dir, 'summary.csv'), 'utf8'), { bom: true }) satisfies string[][];
  const [columns = [], ...body] = records;
  const rows = body.map((rec) => {
    const row: Row = {};
    columns.forEach((c, i) => {
      const raw = rec[i] ?? '';
      row[c] = raw === '' ? null : TEXT.has(c) || Number.isNaN(Number(raw)) ? raw : Number(raw);
    });
    return row;
  });
  return { columns, rows };
}
