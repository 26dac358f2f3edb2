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
import type { SampledAxis } from './axis-sample.js';
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
 * summary.csv's rows as the report keeps them, fed one record at a time
 * (from the file, or from a sweep as it writes them: summary-watch.ts):
 * every row goes into the per-policy table, and only the rows at the kept
 * axis values are kept. `limits` overrides chart-limits.ts (tests).
 */
export class SummaryCollector {
  private readonly axes: SampledAxis[];
  private readonly isKept: ReturnType<typeof keptRowTest>;
  private columns: string[] = [];
  private tally = new VariantTally([]);
  private readonly rows: Row[] = [];
  private readonly rowOrdinals = new Map<string, number>();
  private scenarios = 0;
  /** axis columns the summary lacks (RAM), decoded per scenario from the sweep's grid */
  private extra: { axes: ManifestAxis[]; byScenario: Map<string, Cell[]> } | null = null;
  private at = new Map<string, number>();
  private isText: boolean[] = [];
  private scenarioAt = -1;

  constructor(
    private readonly manifest: Manifest,
    limits: { maxPerAxis?: number; maxScenarios?: number } = {},
  ) {
    this.axes = sampleAxes(Array.isArray(manifest.axes) ? manifest.axes : [], limits.maxPerAxis, limits.maxScenarios);
    this.isKept = keptRowTest(this.axes);
  }

  header(header: readonly string[]): void {
    this.extra = missingAxisColumns(this.manifest, header);
    this.columns = this.extra ? [...header, ...this.extra.axes.map((a) => a.column)] : [...header];
    this.at = new Map(header.map((c, i) => [c, i]));
    this.isText = header.map((c) => TEXT_COLUMNS.has(c));
    this.tally = new VariantTally(this.columns);
    this.scenarioAt = this.at.get('scenarioId') ?? -1;
  }

  /** One record: `raw(i)` is its i-th cell as text (unquoted). */
  record(raw: (i: number) => string): void {
    this.scenarios++;
    const extra = this.extra;
    const added = extra?.byScenario.get(this.scenarioAt >= 0 ? raw(this.scenarioAt) : '');
    // cells are cast when read: most rows only feed the per-policy table, a dozen of their cells
    const cell = (c: string): Cell | undefined => {
      const i = this.at.get(c);
      if (i !== undefined) {
        const text = raw(i);
        return this.isText[i] ? (text === '' ? null : text) : numberOrText(text);
      }
      const k = extra ? extra.axes.findIndex((a) => a.column === c) : -1;
      return k >= 0 ? (added?.[k] ?? null) : undefined;
    };
    this.tally.add(cell);
    if (!this.isKept(String(cell('variant')), cell)) return;
    const row: Row = {};
    for (const c of this.columns) row[c] = cell(c) ?? null;
    this.rows.push(row);
    if (typeof row.scenarioId === 'string') this.rowOrdinals.set(row.scenarioId, this.scenarios - 1);
  }

  /** What the report reads of a run folder: the manifest given (read at the end: its counts and timings are final) and the rows collected. */
  folder(dir: string, manifest: Manifest): RunFolder {
    return {
      dir,
      manifest,
      summary: { columns: this.columns, rows: this.rows },
      scenarios: this.scenarios,
      sampledAxes: this.axes.filter((a) => a.kept.length < a.values.length),
      variantTable: this.tally,
      rowOrdinals: this.rowOrdinals,
    };
  }
}

/**
 * Read a run folder for the report; an InputError says which file is
 * missing or malformed (the line of summary.csv, for a broken row).
 * `collected`: summary.csv's rows gathered while the sweep wrote them (then
 * only manifest.json is read). `limits` overrides chart-limits.ts (tests).
 */
export async function readRunFolder(dir: string, limits: { maxPerAxis?: number; maxScenarios?: number } = {}, collected?: SummaryCollector): Promise<RunFolder> {
  const missing = FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new InputError(dir, [
      { path: '', message: `not a finished sweep's folder: ${missing.join(', ')} missing (expected ${FILES.join(', ')}, as \`migsweep sweep\` writes them)` },
    ]);
  }
  const manifest = readManifest(dir);
  if (collected !== undefined) return collected.folder(dir, manifest);
  const collector = new SummaryCollector(manifest, limits);
  await streamSummary(
    join(dir, 'summary.csv'),
    (header) => collector.header(header),
    (record) => collector.record((i) => record[i] ?? ''),
  );
  return collector.folder(dir, manifest);
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
