/**
 * The report's timeline example: pick one workload and link of the sweep,
 * rebuild the exact scenario of each policy there from the sweep file kept
 * in manifest.json (the sweep's own grid: same ids, same seeds), and run it
 * again with a timeline. The engine is pure, so the run is the one the sweep
 * made; the report says so when its numbers fall outside the replicates'
 * range in summary.csv (an engine changed since). A handful of scenarios at
 * most (MAX_TIMELINE_RUNS), never one per scenario.
 */
import { itemAt } from '../common/lookup.js';
import { simulate } from '../engine/index.js';
import type { Scenario, TimelinePoint } from '../engine/types.js';
import { InputError, suggest } from '../common/errors.js';
import { buildScenario, decodeScenario, scenarioIdOf, taskIdOf, taskSeed, withValue } from '../sweep/grid.js';
import { resolveSweep } from '../sweep/resolve.js';
import { parseSweep } from '../sweep/spec.js';
import type { Grid } from '../sweep/types.js';
import { axisColumns, followsFrom } from './chart-context.js';
import { MAX_TIMELINE_RUNS } from './chart-limits.js';
import type { ChartEntry } from './charts-schema.js';
import { distinct, sameCell } from './table.js';
import { columnName, formatColumnValue } from './units.js';
import type { Manifest, Row, RunFolder, TimelineExample } from './types.js';

type TimelineEntry = ChartEntry & { kind: 'timeline' };

/** The chosen scenarios: summary rows at one condition, and why they were chosen. */
export interface ExampleChoice {
  rows: Row[];
  why: string;
}

/** At most `max` of `rows`, evenly spaced in their order (the sweep's grid order), and a sentence when some were left out. */
export function fewRows(rows: readonly Row[], max = MAX_TIMELINE_RUNS): { rows: Row[]; left: string | null } {
  if (rows.length <= max) return { rows: [...rows], left: null };
  const out: Row[] = [];
  for (let i = 0; i < max; i++) out.push(rows[Math.round((i * (rows.length - 1)) / (max - 1))] as Row);
  return { rows: out, left: `${max} of the ${rows.length} scenarios at this condition, evenly spaced in the sweep's order (the others differ only in policy constants).` };
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
  const pick = itemAt(sorted, Math.floor((sorted.length - 1) / 2));
  const atCondition = summary.filter((r) => conditionColumns.every((c) => sameCell(r[c], pick[c])));
  const all = entry.variant !== undefined ? atCondition.filter((r) => r.variant === entry.variant) : atCondition;
  const rank = new Map(variants.map((v, i) => [v, i]));
  all.sort((a, b) => (rank.get(String(a.variant)) ?? 0) - (rank.get(String(b.variant)) ?? 0));
  const few = fewRows(all);
  return { rows: few.rows, why: few.left ? `${why} Drawn: ${few.left}` : why };
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
export function gridFromManifest(manifest: Manifest): { grid: Grid } | { reason: string } {
  const sweep = manifest.sweep as { given?: unknown } | undefined;
  if (typeof sweep?.given !== 'string') return { reason: 'manifest.json does not hold the sweep file (sweep.given)' };
  try {
    return { grid: resolveSweep(parseSweep(String(manifest.file ?? 'sweep file'), sweep.given)).grid };
  } catch (e) {
    return { reason: `the sweep file in manifest.json no longer resolves: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * The scenarios of the given ids at one replicate, exactly as the sweep ran
 * them (seeds included): first at the grid index `hints` gives (summary.csv's
 * row number, RunFolder.rowOrdinals), the rest in one pass over the grid; an
 * id the grid lacks is absent.
 */
export function scenariosOfTasks(grid: Grid, scenarioIds: readonly string[], replicate: number, hints?: ReadonlyMap<string, number>): Map<string, Scenario> {
  const wanted = new Set(scenarioIds);
  const out = new Map<string, Scenario>();
  const digits: number[] = [];
  const take = (g: number, only?: string) => {
    const v = grid.variants[decodeScenario(grid, g, digits).variant];
    if (v === undefined) return;
    const id = scenarioIdOf(v, digits);
    if (!wanted.has(id) || out.has(id) || (only !== undefined && id !== only)) return;
    out.set(id, withValue(buildScenario(v, digits), ['seed'], taskSeed(grid.seed, taskIdOf(id, replicate))) as Scenario);
  };
  // summary.csv's row k of a whole sweep is the grid's scenario k: try there first (the id says whether it is);
  // a sweep of 2.5 million scenarios takes seconds to go through
  for (const id of wanted) {
    const g = hints?.get(id);
    if (g !== undefined && Number.isInteger(g) && g >= 0 && g < grid.scenarios) take(g, id);
  }
  for (let g = 0; g < grid.scenarios && out.size < wanted.size; g++) take(g);
  return out;
}

/** Metrics whose re-run value must lie within the replicates' range in summary.csv for the timeline to be the sweep's run. */
const CHECKED = ['totalTimeMs', 'downtimeMs', 'transferredBytes', 'passes'] as const;

/**
 * Whether a re-run's metrics lie within the min to max of its scenario's
 * replicates in summary.csv (equal to them when the scenario is
 * deterministic); the metrics it misses, by name.
 */
export function outsideReplicates(row: Row, result: Record<(typeof CHECKED)[number], number>): string[] {
  return CHECKED.filter((m) => {
    const lo = row[`${m}_min`];
    const hi = row[`${m}_max`];
    const v = result[m];
    if (typeof lo !== 'number' || typeof hi !== 'number') return false;
    if (!Number.isFinite(v)) return true;
    return !(sameCell(v, lo) || sameCell(v, hi) || (v > lo && v < hi));
  });
}

/**
 * The timeline example of a run for a `timeline` chart entry, or the reason
 * there is none. Throws an InputError when the entry asks for a scenario or
 * variant the run does not have.
 */
export function timelineExample(run: RunFolder, variants: readonly string[], conditionColumns: readonly string[], entry: TimelineEntry): TimelineExample | { reason: string } {
  const file = `${run.dir}/manifest.json`;
  const choice = chooseExample(run.summary.rows, variants, conditionColumns, entry, file);
  const built = gridFromManifest(run.manifest);
  if ('reason' in built) return built;
  const scenarios = scenariosOfTasks(
    built.grid,
    choice.rows.map((r) => String(r.scenarioId)),
    0,
    run.rowOrdinals,
  );
  const several = new Map<string, number>();
  for (const r of choice.rows) several.set(String(r.variant), (several.get(String(r.variant)) ?? 0) + 1);
  // the sweep's axes that differ between the drawn runs and that the policy label does not show (a downtime limit):
  // each run's name gives their values, or two runs of one label would look the same
  const differing = axisColumns(run).filter((c) => distinct(choice.rows, c).length > 1 && !followsFrom(choice.rows, c, ['variant', 'policy']));
  const settings = (row: Row) => differing.map((c) => `${columnName(c)} ${formatColumnValue(c, row[c])}`).join(', ');
  const runs: TimelineExample['runs'] = [];
  const differs: string[] = [];
  for (const row of choice.rows) {
    const scenarioId = String(row.scenarioId);
    const scenario = scenarios.get(scenarioId);
    if (scenario === undefined) return { reason: `scenario ${scenarioId} of summary.csv is not in the sweep's grid (was the sweep file edited?)` };
    const points: TimelinePoint[] = [];
    const result = simulate(scenario, { timeline: points });
    const label = (several.get(String(row.variant)) ?? 0) > 1 ? `${row.variant}: ${row.policy}` : String(row.variant);
    const name = differing.length ? `${label}, ${settings(row)}` : label;
    // a completed run must be one of the replicates that completed: the summary's statistics are over those
    const share = row.completedShare;
    const outcomeSeen = typeof share !== 'number' || (result.outcome === 'completed' ? share > 0 : share < 1);
    if (!outcomeSeen || (result.outcome === 'completed' && outsideReplicates(row, result).length > 0)) differs.push(name);
    runs.push({ variant: name, scenario, result, points });
  }
  const caption = conditionCaption(itemAt(choice.rows, 0), run.summary.rows, conditionColumns);
  let why = `${choice.why} Each policy's first replicate, run again with its timeline.`;
  if (differs.length) why += ` Note: the run again of ${differs.join(', ')} lies outside its replicates' range in summary.csv (the engine changed since the sweep?).`;
  return { caption, why, runs };
}
