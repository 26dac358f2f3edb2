/**
 * A completed sweep over fleets draws its charts (src/report/charts/fleet-sweep.ts)
 * from its runs.csv into charts/<name>.vl.json and charts/<name>.svg.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { fleetSweepCharts, type FleetRow } from '../report/charts/fleet-sweep.js';
import { renderSvg } from '../report/render.js';
import { RUNS_FILE } from '../sweep/output.js';

/** The charts' SVG files, written into runDir/charts/. */
export async function writeFleetSweepCharts(runDir: string, axisPaths: readonly string[], name: string): Promise<string[]> {
  const rows = parse<FleetRow>(readFileSync(join(runDir, RUNS_FILE), 'utf8'), { columns: true });
  const dir = join(runDir, 'charts');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const chart of fleetSweepCharts(rows, axisPaths, name)) {
    writeFileSync(join(dir, `${chart.name}.vl.json`), `${JSON.stringify(chart.spec, null, 2)}\n`);
    const svg = join(dir, `${chart.name}.svg`);
    writeFileSync(svg, await renderSvg(chart.spec));
    written.push(svg);
  }
  return written;
}
