/**
 * Reading a run of a sweep over fleets back for the report (docs/fleets.md,
 * "The report"): manifest.json (kind fleet-sweep, with the sweep file's
 * text) and the runs table, one row per fleet, streamed from runs.parquet/
 * or runs.csv (src/sweep/read-runs.ts) keeping only the rows at the values
 * the charts show: each swept path is an axis sampled as a single-VM
 * sweep's axes are (axis-sample.ts), so memory is bounded whatever the
 * number of fleets, and every chart says what was left out. The
 * migrations table (a row per VM) is not read. The Gantt chart re-simulates
 * the one fleet it draws from the recorded sweep.
 */
import { join } from 'node:path';
import { InputError } from '../common/errors.js';
import { simulateFleet } from '../fleet/simulate-fleet.js';
import { FLEET_SWEEP_KIND, parseFleetSweep, type FleetManifest } from '../fleet/sweep-session.js';
import { FLEET_COLUMNS } from '../fleet/sweep-rows.js';
import { axisValues, fleetAt } from '../fleet/sweep-spec.js';
import { validateFleet } from '../fleet/validate.js';
import { streamRuns } from '../sweep/read-runs.js';
import { keptRowTest, sampleAxes } from './axis-sample.js';
import { VariantTally } from './variant-table.js';
import type { Cell, FleetRunData, Manifest, ManifestAxis, RunFolder } from './types.js';

export function isFleetRun(manifest: Manifest): boolean {
  return manifest.kind === FLEET_SWEEP_KIND;
}

/** The run folder (an empty single-VM summary, the sampled fleet axes) and its fleet rows. */
export async function readFleetRun(dir: string, manifest: Manifest, limits: { maxPerAxis?: number; maxScenarios?: number } = {}): Promise<{ run: RunFolder; fleet: FleetRunData }> {
  const m = manifest as Partial<FleetManifest>;
  const file = join(dir, 'manifest.json');
  if (typeof m.sweep?.given !== 'string')
    throw new InputError(file, [{ path: 'sweep.given', message: 'has no sweep file text (an older migsweep wrote it); run the sweep again to draw its report' }]);
  const sweep = parseFleetSweep(m.sweepFile ?? file, m.sweep.given, false);
  const axes: ManifestAxis[] = sweep.axes.flatMap((a) => a.paths.map((path, k) => ({ path, column: path, values: a.values.map((v) => v[k]) })));
  const sampled = sampleAxes(axes, limits.maxPerAxis, limits.maxScenarios);
  const numeric = new Set(axes.filter((a) => a.values.every((v) => typeof v === 'number')).map((a) => a.column));
  const isKept = keptRowTest(sampled);
  const columns = ['fleet', ...sweep.axes.flatMap((a) => a.paths), ...FLEET_COLUMNS];
  const runs = await streamRuns(dir, { textColumns: new Set(columns) });
  const rows: Record<string, string>[] = [];
  let read = 0;
  for await (const batch of runs)
    for (const r of batch) {
      read++;
      const row: Record<string, string> = {};
      for (const c of columns) row[c] = r[c] === null || r[c] === undefined ? '' : String(r[c]);
      const cell = (c: string): Cell => (row[c] === '' || row[c] === undefined ? null : numeric.has(c) ? Number(row[c]) : row[c]);
      if (isKept('', cell)) rows.push(row);
    }
  const fleet: FleetRunData = {
    name: sweep.name,
    axisPaths: sweep.axes.flatMap((a) => a.paths),
    rows,
    fleets: sweep.count,
    simulate: (i) => ({ result: simulateFleet(validateFleet(fleetAt(sweep, i), sweep.file)), values: axisValues(sweep, i) }),
  };
  // as the page shows a manifest: the sweep file once, the fleets (not migrations) counted as such
  const report: Manifest = {
    ...manifest,
    sweepFile: undefined,
    file: m.sweepFile,
    status: m.complete ? 'complete' : 'unfinished',
    counts: undefined,
    fleetsDrawn: `${rows.length} of ${read}`,
    axes,
  };
  const run: RunFolder = {
    dir,
    manifest: report,
    summary: { columns: [], rows: [] },
    scenarios: read,
    sampledAxes: sampled.filter((a) => a.kept.length < a.values.length),
    variantTable: new VariantTally([]),
  };
  return { run, fleet };
}
