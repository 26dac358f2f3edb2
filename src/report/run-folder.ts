/**
 * Reading a sweep's output folder back for the report: manifest.json and
 * summary.csv, never runs.csv (a million-run sweep's runs.csv does not fit
 * the report's memory; everything the charts draw is per scenario).
 * summary.csv is streamed (summary-stream.ts): every row goes into the
 * per-policy table, and only the rows at the axis values the charts show
 * (axis-sample.ts) are kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../common/errors.js';
import { TEXT_COLUMNS, numberOrText } from '../sweep/read-runs.js';
import { axisColumnsByScenario } from './axis-columns.js';
import { keptRowTest, sampleAxes } from './axis-sample.js';
import { gridFromManifest } from './example-runs.js';
import { streamSummary } from './summary-stream.js';
import { VariantTally } from './variant-table.js';
import type { Cell, Manifest, ManifestAxis, Row, RunFolder } from './types.js';

/** Columns that hold names, never numbers: the runs reader's (src/sweep/read-runs.ts). */
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
  let columns: string[] = [];
  let tally = new VariantTally([]);
  const rows: Row[] = [];
  let scenarios = 0;
  // axis columns the summary lacks (RAM), decoded per scenario from the sweep's grid
  let extra: { axes: ManifestAxis[]; byScenario: Map<string, Cell[]> } | null = null;
  let at = new Map<string, number>();
  let isText: boolean[] = [];
  await streamSummary(
    join(dir, 'summary.csv'),
    (header) => {
      extra = missingAxisColumns(manifest, header);
      columns = extra ? [...header, ...extra.axes.map((a) => a.column)] : [...header];
      at = new Map(header.map((c, i) => [c, i]));
      isText = header.map((c) => TEXT_COLUMNS.has(c));
      tally = new VariantTally(columns);
    },
    (record) => {
      scenarios++;
      const added = extra?.byScenario.get(record[at.get('scenarioId') ?? -1] ?? '');
      // cells are cast when read: most rows only feed the per-policy table, a dozen of their cells
      const cell = (c: string): Cell | undefined => {
        const i = at.get(c);
        if (i !== undefined) {
          const raw = record[i] ?? '';
          return isText[i] ? (raw === '' ? null : raw) : numberOrText(raw);
        }
        const k = extra ? extra.axes.findIndex((a) => a.column === c) : -1;
        return k >= 0 ? (added?.[k] ?? null) : undefined;
      };
      tally.add(cell);
      if (!isKept(String(cell('variant')), cell)) return;
      const row: Row = {};
      for (const c of columns) row[c] = cell(c) ?? null;
      rows.push(row);
    },
  );
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
