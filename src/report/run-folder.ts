/**
 * Reading a sweep's output folder back for the report: manifest.json and
 * summary.csv, never runs.csv (a million-run sweep's runs.csv does not fit
 * the report's memory; everything the charts draw is per scenario).
 * summary.csv is streamed by the runs reader (csv-parse, in batches): every
 * row goes into the per-policy table, and only the rows at the axis values
 * the charts show (axis-sample.ts) are kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { TEXT_COLUMNS, streamCsv } from '../sweep/read-runs.js';
import { axisColumnsByScenario } from './axis-columns.js';
import { keptRowTest, sampleAxes } from './axis-sample.js';
import { gridFromManifest } from './example-runs.js';
import { VariantTally } from './variant-table.js';
import type { Cell, Manifest, ManifestAxis, Row, RunFolder } from './types.js';

/** Columns that hold names, never numbers: the runs reader's (src/sweep/read-runs.ts), which reads summary.csv too. */
export { TEXT_COLUMNS };

const FILES = ['manifest.json', 'summary.csv'] as const;

/** Read manifest.json; an InputError when it is not a JSON object. */
export function readManifest(dir: string): Manifest {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as Manifest;
  } catch (e) {
    throw new InputError(join(dir, 'manifest.json'), [{ path: '', message: (e as Error).message }]);
  }
}

/**
 * Read a run folder for the report; an InputError says which file is
 * missing or malformed (the line of summary.csv, for a broken row).
 * `limits` overrides chart-limits.ts (tests).
 */
export async function readRunFolder(dir: string, limits: { maxPerAxis?: number; maxScenarios?: number } = {}): Promise<RunFolder> {
  const missing = FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new InputError(dir, [
      { path: '', message: `not a finished sweep's folder: ${missing.join(', ')} missing (expected ${FILES.join(', ')}, as \`migsweep sweep\` writes them)` },
    ]);
  }
  const manifest = readManifest(dir);
  const axes = sampleAxes(Array.isArray(manifest.axes) ? manifest.axes : [], limits.maxPerAxis, limits.maxScenarios);
  const isKept = keptRowTest(axes);
  const stream = await streamCsv(join(dir, 'summary.csv'));
  // axis columns the summary lacks (RAM), decoded per scenario from the sweep's grid
  const extra = missingAxisColumns(manifest, stream.columns);
  const columns = extra ? [...stream.columns, ...extra.axes.map((a) => a.column)] : [...stream.columns];
  const tally = new VariantTally(columns);
  const rows: Row[] = [];
  let scenarios = 0;
  for await (const batch of stream) {
    for (const row of batch) {
      scenarios++;
      if (extra) {
        const added = extra.byScenario.get(String(row.scenarioId));
        extra.axes.forEach((a, k) => (row[a.column] = added?.[k] ?? null));
      }
      const cell = (c: string): Cell | undefined => row[c];
      tally.add(cell);
      if (isKept(String(row.variant), cell)) rows.push(row);
    }
  }
  return { dir, manifest, summary: { columns, rows }, scenarios, sampledAxes: axes.filter((a) => a.kept.length < a.values.length), variantTable: tally };
}

/** The manifest's axes whose column summary.csv lacks, with their values per scenario; null when there are none. */
function missingAxisColumns(manifest: Manifest, columns: readonly string[]): { axes: ManifestAxis[]; byScenario: Map<string, Cell[]> } | null {
  const have = new Set(columns);
  const axes = (manifest.axes ?? []).filter((a, i, all) => typeof a.column === 'string' && !have.has(a.column) && all.findIndex((b) => b.column === a.column) === i);
  if (axes.length === 0) return null;
  const built = gridFromManifest(manifest);
  if ('reason' in built) return null;
  return { axes, byScenario: axisColumnsByScenario(built.grid, axes) };
}
