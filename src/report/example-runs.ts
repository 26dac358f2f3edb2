/**
 * The report's timeline example: pick one workload and link of the sweep,
 * rebuild the exact scenario of each policy there from the sweep file kept
 * in manifest.json (the sweep's own grid: same ids, same seeds), and run it
 * again with a timeline. The engine is pure, so the run is the one in
 * runs.csv; the report says so when it is not (an engine changed since).
 */
import { simulate } from '../engine/index.js';
import type { Scenario, TimelinePoint } from '../engine/types.js';
import { InputError, suggest } from '../scenario/errors.js';
import { buildScenario, decodeScenario, scenarioIdOf, taskIdOf, taskSeed, withValue } from '../sweep/grid.js';
import { resolveSweep } from '../sweep/resolve.js';
import { parseSweep } from '../sweep/spec.js';
import type { Grid } from '../sweep/types.js';
import type { ChartEntry } from './charts-schema.js';
import { distinct, sameCell } from './table.js';
import { columnName, formatColumnValue } from './units.js';
import type { Row, RunFolder, TimelineExample } from './types.js';

type TimelineEntry = ChartEntry & { kind: 'timeline' };

/** The chosen scenarios: summary rows at one condition, and why they were chosen. */
export interface ExampleChoice {
  rows: Row[];
  why: string;
}

/**
 * Choose the example. With `where`, the first-variant (or `variant`) row
 * matching it; without, among the first variant's scenarios those where it
 * does not always complete (the policies differ there) if there are any,
 * the one at the median dirty rate / link bandwidth (the lower middle one).
 * Then every variant's rows at the same condition (or only `variant`'s).
 */
export function chooseExample(summary: readonly Row[], variants: readonly string[], conditionColumns: readonly string[], entry: TimelineEntry, file: string): ExampleChoice {
  const variant = entry.variant ?? variants[0];
  if (variant === undefined) throw new InputError(file, [{ path: 'charts (timeline)', message: 'summary.csv has no scenarios' }]);
  if (!variants.includes(variant))
    throw new InputError(file, [
      { path: 'charts (timeline).variant', message: `no variant '${variant}' in this run${suggest(variant, variants)}; its variants: ${variants.join(', ')}` },
    ]);
  let own = summary.filter((r) => r.variant === variant);
  let why: string;
  if (entry.where) {
    for (const [col, want] of Object.entries(entry.where)) {
      const next = own.filter((r) => sameCell(r[col], want));
      if (next.length === 0) {
        const have = distinct(own, col).map((v) => formatColumnValue(col, v));
        throw new InputError(file, [
          {
            path: `charts (timeline).where.${col}`,
            message: have.length
              ? `no scenario of '${variant}' has ${col} = ${formatColumnValue(col, want)}; its values: ${have.slice(0, 20).join(', ')}`
              : `column '${col}' is not in summary.csv${suggest(col, Object.keys(summary[0] ?? {}))}`,
          },
        ]);
      }
      own = next;
    }
    why = 'The scenario chosen in the sweep file (charts: timeline, where).';
  } else {
    const struggling = own.filter((r) => typeof r.completedShare === 'number' && r.completedShare < 1);
    if (struggling.length > 0) {
      own = struggling;
      why = `Chosen as the middle case where ${variant} does not always complete: of those scenarios, the one with the median dirty rate / link bandwidth.`;
    } else why = `Chosen as the middle case of the sweep: ${variant}'s scenario with the median dirty rate / link bandwidth.`;
  }
  const ratio = (r: Row) => (typeof r.dirtyRateToBandwidth === 'number' ? r.dirtyRateToBandwidth : 0);
  const sorted = [...own].sort((a, b) => ratio(a) - ratio(b));
  const pick = sorted[Math.floor((sorted.length - 1) / 2)];
  const atCondition = summary.filter((r) => conditionColumns.every((c) => sameCell(r[c], pick[c])));
  const rows = entry.variant !== undefined ? atCondition.filter((r) => r.variant === entry.variant) : atCondition;
  const rank = new Map(variants.map((v, i) => [v, i]));
  rows.sort((a, b) => (rank.get(String(a.variant)) ?? 0) - (rank.get(String(b.variant)) ?? 0));
  return { rows, why };
}

/** The condition in words from the columns that vary in the sweep: `dirty rate 256 MiB/s, link bandwidth 1 Gbit/s`. */
export function conditionCaption(row: Row, summary: readonly Row[], conditionColumns: readonly string[]): string {
  const varying = conditionColumns.filter((c) => c !== 'dirtyRateToBandwidth' && distinct(summary, c).length > 1);
  const cols = varying.length ? varying : conditionColumns.filter((c) => c === 'dirtyRateBytesPerSec' || c === 'bandwidthBytesPerSec');
  const parts = cols.map((c) => `${columnName(c)} ${formatColumnValue(c, row[c])}`);
  if (typeof row.dirtyRateToBandwidth === 'number' && cols.length > 0) parts.push(`ratio ${+row.dirtyRateToBandwidth.toPrecision(3)}`);
  return parts.join(', ');
}

/** The sweep's grid from the sweep file text kept in manifest.json; null (with the reason) when it cannot be rebuilt. */
export function gridFromManifest(run: RunFolder): { grid: Grid } | { reason: string } {
  const sweep = run.manifest.sweep as { given?: unknown } | undefined;
  if (typeof sweep?.given !== 'string') return { reason: 'manifest.json does not hold the sweep file (sweep.given)' };
  try {
    return { grid: resolveSweep(parseSweep(String(run.manifest.file ?? 'sweep file'), sweep.given)).grid };
  } catch (e) {
    return { reason: `the sweep file in manifest.json no longer resolves: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The scenario of a task, exactly as the sweep ran it (its seed included), or null when the grid has no such scenario. */
export function scenarioOfTask(grid: Grid, scenarioId: string, replicate: number): Scenario | null {
  const digits: number[] = [];
  for (const v of grid.variants) {
    for (let g = v.offset; g < v.offset + v.scenarios; g++) {
      decodeScenario(grid, g, digits);
      if (scenarioIdOf(v, digits) !== scenarioId) continue;
      const taskId = taskIdOf(scenarioId, replicate);
      return withValue(buildScenario(v, digits), ['seed'], taskSeed(grid.seed, taskId)) as Scenario;
    }
  }
  return null;
}

/** Metrics that must agree between a re-run and runs.csv for the timeline to be that run's. */
const CHECKED = ['totalTimeMs', 'downtimeMs', 'transferredBytes', 'passes'] as const;

/**
 * The timeline example of a run for a `timeline` chart entry, or the reason
 * there is none. Throws an InputError when the entry asks for a scenario or
 * variant the run does not have.
 */
export function timelineExample(run: RunFolder, variants: readonly string[], conditionColumns: readonly string[], entry: TimelineEntry): TimelineExample | { reason: string } {
  const file = `${run.dir}/manifest.json`;
  const choice = chooseExample(run.summary.rows, variants, conditionColumns, entry, file);
  const built = gridFromManifest(run);
  if ('reason' in built) return built;
  const runsById = new Map(run.runs.rows.map((r) => [String(r.taskId), r]));
  const several = new Map<string, number>();
  for (const r of choice.rows) several.set(String(r.variant), (several.get(String(r.variant)) ?? 0) + 1);
  const runs: TimelineExample['runs'] = [];
  const differs: string[] = [];
  for (const row of choice.rows) {
    const scenarioId = String(row.scenarioId);
    const scenario = scenarioOfTask(built.grid, scenarioId, 0);
    if (scenario === null) return { reason: `scenario ${scenarioId} of summary.csv is not in the sweep's grid (was the sweep file edited?)` };
    const points: TimelinePoint[] = [];
    const result = simulate(scenario, { timeline: points });
    const csvRow = runsById.get(taskIdOf(scenarioId, 0));
    const name = (several.get(String(row.variant)) ?? 0) > 1 ? `${row.variant}: ${row.policy}` : String(row.variant);
    if (csvRow && (csvRow.outcome !== result.outcome || CHECKED.some((m) => !sameCell(csvRow[m], Number.isFinite(result[m]) ? result[m] : null)))) differs.push(name);
    runs.push({ variant: name, scenario, result, points });
  }
  const caption = conditionCaption(choice.rows[0], run.summary.rows, conditionColumns);
  let why = `${choice.why} Each policy's first replicate, run again with its timeline.`;
  if (differs.length) why += ` Note: the run again of ${differs.join(', ')} differs from runs.csv (the engine changed since the sweep?).`;
  return { caption, why, runs };
}
