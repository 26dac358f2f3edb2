/**
 * The columns of runs.parquet: runs.csv's header, in its order, each with a
 * Parquet type fixed before any task runs (from the grid alone, so that
 * every shard, every resumed session and a merge write the same schema).
 *
 * - text (UTF-8 strings): the ids, `variant`, `outcome`, `stopReason`,
 *   `error`, and every parameter column that holds text for some scenario
 *   (`policy`, `workload`, enum and boolean constants);
 * - INT64: columns that are integral by construction (INTEGRAL_COLUMNS);
 * - DOUBLE: every other number.
 *
 * An empty runs.csv cell is null in every type.
 */
import type { Scenario } from '../../engine/types.js';
import { scenarioColumns } from '../../scenario/flatten.js';
import { buildScenario } from '../grid.js';
import type { Grid } from '../types.js';

export type ColumnKind = 'text' | 'int64' | 'double';

/** Columns that hold names, never numbers (the metrics' text columns and the ids). */
const TEXT_COLUMNS: ReadonlySet<string> = new Set(['taskId', 'scenarioId', 'variant', 'outcome', 'stopReason', 'error']);

/** Columns whose values are whole numbers whatever the sweep: counts and the seed (a 32-bit hash, see grid.ts taskSeed). */
export const INTEGRAL_COLUMNS: ReadonlySet<string> = new Set(['replicate', 'syncs', 'passes', 'postcopyFaults', 'seed', 'vcpus']);

/**
 * The kind of each column of `grid.header`. A parameter column is text when
 * some scenario of the grid gives it a text value; the scenarios probed are
 * each variant's base and the base with each value of each dimension (the
 * type of a column follows the parameter it comes from, so every value of
 * every dimension is enough; no combination of them changes it).
 */
export function columnKinds(grid: Grid): ColumnKind[] {
  const text = new Set(TEXT_COLUMNS);
  const numeric = new Set<string>();
  const fractional = new Set<string>();
  const probe = (s: Scenario) => {
    for (const [name, cell] of Object.entries(scenarioColumns(s, true))) {
      if (typeof cell === 'string') text.add(name);
      else if (typeof cell === 'number') {
        numeric.add(name);
        if (!Number.isInteger(cell)) fractional.add(name);
      }
    }
  };
  for (const v of grid.variants) {
    const digits = v.dims.map(() => 0);
    probe(buildScenario(v, digits));
    v.dims.forEach((dim, d) => {
      for (let k = 1; k < dim.values.length; k++) {
        digits[d] = k;
        probe(buildScenario(v, digits));
      }
      digits[d] = 0;
    });
  }
  return grid.header.map((name) => {
    if (text.has(name)) return 'text';
    if (INTEGRAL_COLUMNS.has(name) && !fractional.has(name)) return 'int64';
    // a parameter no probe gave a value (always empty) stays a number column of nulls
    return 'double';
  });
}
