/**
 * Axis columns that summary.csv lacks. RAM is a metric column of runs.csv,
 * so the summary's parameter columns leave it out; a sweep over RAM sizes
 * still needs it per scenario. Rather than read runs.csv, the report decodes
 * each scenario's axis values from the sweep's grid (rebuilt from the sweep
 * file kept in manifest.json): one entry per scenario, never per run.
 */
import { decodeScenario, scenarioIdOf } from '../sweep/grid.js';
import type { Grid } from '../sweep/types.js';
import type { Cell, ManifestAxis } from './types.js';

/** scenarioId -> the values of `axes` (manifest axes, CSV units) at that scenario; a variant the axis does not apply to gets null. */
export function axisColumnsByScenario(grid: Grid, axes: readonly ManifestAxis[]): Map<string, Cell[]> {
  const out = new Map<string, Cell[]>();
  const digits: number[] = [];
  // where each axis sits in each variant's dimensions: [dim index] or -1
  const at = grid.variants.map((v) => axes.map((a) => v.dims.findIndex((d) => d.paths.includes(a.path) && (a.source === undefined || d.source === a.source))));
  for (let g = 0; g < grid.scenarios; g++) {
    const { variant } = decodeScenario(grid, g, digits);
    const v = grid.variants[variant];
    const dims = at[variant];
    if (v === undefined || dims === undefined) continue;
    out.set(
      scenarioIdOf(v, digits),
      axes.map((a, k) => {
        const d = dims[k] ?? -1;
        const value = d < 0 ? undefined : a.values[digits[d] ?? -1];
        return typeof value === 'number' || typeof value === 'string' ? value : null;
      }),
    );
  }
  return out;
}
