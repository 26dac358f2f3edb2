/**
 * A finished run folder read for a comparison: runs.csv streamed with the
 * runs reader (src/sweep/read-runs.ts) into each scenario's replicates, keyed by the
 * scenario's parameter values (its variant and the values of the sweep's
 * axes, as manifest.axes names their columns), never by row order.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../common/errors.js';
import { METRIC_COLUMNS, OPTIONAL_METRIC_COLUMNS } from '../scenario/flatten.js';
import { MANIFEST_FILE, readManifest, type Manifest } from '../sweep/output.js';
import type { ManifestAxis } from '../sweep/resolve.js';
import { requireColumns, streamRuns, type RunCell } from '../sweep/read-runs.js';
import { columnName, formatColumnValue } from '../report/units.js';
import type { ScenarioRef } from './types.js';

/** Columns of runs.csv that are not scenario parameters (the metrics of any version: they are read by name). */
const NOT_PARAMS: ReadonlySet<string> = new Set(['taskId', 'scenarioId', 'variant', 'replicate', 'seed', 'error', ...METRIC_COLUMNS, ...OPTIONAL_METRIC_COLUMNS]);

export type Outcome = 'completed' | 'unfinished' | 'aborted' | 'error';

/** One scenario's replicates, in the order runs.csv lists them. */
export interface ScenarioSamples extends ScenarioRef {
  key: string;
  replicates: number[];
  /** each replicate's seed as written (replicates with equal seeds drew the same random numbers) */
  seeds: string[];
  outcomes: Outcome[];
  /** metric -> one value per replicate (null: empty cell) */
  values: Map<string, (number | null)[]>;
  /** whether the scenario draws random numbers (a jittered link, page fidelity): its replicates may differ */
  random: boolean;
}

export interface RunSamples {
  dir: string;
  manifest: Manifest;
  scenarios: Map<string, ScenarioSamples>;
  /** variant -> its parameter columns with one value in every row of the variant -> that value */
  constants: Map<string, Map<string, string>>;
  /** every parameter column of runs.csv */
  paramColumns: string[];
}

function bad(file: string, message: string, line?: number): never {
  throw new InputError(file, [{ path: '', message, ...(line !== undefined ? { line } : {}) }]);
}

/** The manifest of a finished, whole (not a shard) run; an InputError otherwise. */
export function finishedRun(dir: string, role: string): Manifest {
  if (!existsSync(join(dir, MANIFEST_FILE)))
    bad(dir, `the ${role} is not a run folder: no ${MANIFEST_FILE} (expected a folder written by migsweep sweep or merge, e.g. results/default/<run-id>)`);
  const m = readManifest(dir);
  if (m.shard !== null)
    bad(dir, `the ${role} holds shard ${m.shard.index}/${m.shard.count} of a sweep, not the whole of it; join the shards first with migsweep merge <shard-dir>... --out DIR`);
  if (m.status !== 'complete')
    bad(dir, `the ${role} is not a complete run (${m.counts.done}/${m.counts.tasks} tasks, ${m.status}); finish it with migsweep sweep ${m.file} --out ${dir} --resume`);
  return m;
}

/** The axes of the manifest that apply to a variant (older manifests list no variants: then all). */
function axesOf(manifest: Manifest, variant: string): ManifestAxis[] {
  return (manifest.axes as ManifestAxis[]).filter((a) => !Array.isArray(a.variants) || a.variants.includes(variant));
}

/** `dirty rate 64 MiB/s, link bandwidth 1 Gbit/s`: a scenario's axis values in words. */
export function paramsLabel(params: Record<string, number | string | null>): string {
  return Object.entries(params)
    .map(([c, v]) => `${columnName(c)} ${formatColumnValue(c, v)}`)
    .join(', ');
}

/** A cell as the text runs.csv holds (numbers print back to the same shortest text; empty is ''). */
function cellText(cell: RunCell | undefined): string {
  return cell === null || cell === undefined ? '' : String(cell);
}

/**
 * Read `dir`'s runs (streamed with the runs reader, in batches): every
 * scenario's replicates of the given metrics. Memory: one entry per
 * scenario with its replicates' values, never the rows.
 */
export async function readRunSamples(dir: string, role: string, metrics: readonly string[]): Promise<RunSamples> {
  const manifest = finishedRun(dir, role);
  const runs = await streamRuns(dir);
  const file = runs.path;
  const header = runs.columns;
  const read = metrics.filter((m) => m !== 'completedShare');
  try {
    requireColumns(runs, ['scenarioId', 'variant', 'replicate', 'outcome', 'error', ...read]);
  } catch (e) {
    await runs.close();
    throw e;
  }
  const has = new Set(header);
  const params = header.filter((c) => !NOT_PARAMS.has(c));
  const scenarios = new Map<string, ScenarioSamples>();
  const keyColumns = new Map<string, ManifestAxis[]>();
  const constants = new Map<string, (string | null)[]>(); // per variant, per column: the value, null once it varies
  let lineNo = 1;
  for await (const batch of runs) {
    for (const row of batch) {
      lineNo++;
      const variant = cellText(row.variant);
      let axes = keyColumns.get(variant);
      if (axes === undefined) {
        axes = axesOf(manifest, variant);
        keyColumns.set(variant, axes);
      }
      const scenarioId = cellText(row.scenarioId);
      // an axis without a single column (a whole mapping as the value) is named by the scenario id, which hashes it
      const keyParts = axes.map((a) => (a.column !== null && has.has(a.column) ? `${a.column}=${cellText(row[a.column])}` : `#${scenarioId}`));
      const key = [variant, ...keyParts].join('\u0001');
      let s = scenarios.get(key);
      if (s === undefined) {
        const shown: Record<string, number | string | null> = {};
        for (const a of axes) if (a.column !== null && has.has(a.column)) shown[a.column] = row[a.column] ?? null;
        const jitter = typeof row.linkJitter === 'number' ? row.linkJitter : 0;
        s = {
          key,
          variant,
          params: shown,
          label: [variant, paramsLabel(shown)].filter((t) => t !== '').join(', '),
          scenarioId,
          replicates: [],
          seeds: [],
          outcomes: [],
          values: new Map(read.map((m) => [m, []])),
          random: jitter > 0 || row.fidelity === 'page',
        };
        scenarios.set(key, s);
      } else if (s.scenarioId !== scenarioId) {
        bad(
          file,
          `scenarios ${s.scenarioId} and ${scenarioId} have the same variant and axis values (${s.label}); the run is damaged or its manifest's axes do not match its rows`,
          lineNo,
        );
      }
      s.replicates.push(Number(row.replicate));
      s.seeds.push(cellText(row.seed));
      const error = row.error !== null;
      const outcome = row.outcome;
      s.outcomes.push(error ? 'error' : outcome === 'completed' || outcome === 'unfinished' || outcome === 'aborted' ? outcome : 'error');
      for (const [m, list] of s.values) {
        const v = row[m];
        list.push(error || v === null || v === undefined ? null : Number(v));
      }
      const seen = constants.get(variant);
      if (seen === undefined)
        constants.set(
          variant,
          params.map((c) => cellText(row[c])),
        );
      else for (let k = 0; k < params.length; k++) if (seen[k] !== null && seen[k] !== cellText(row[params[k] as string])) seen[k] = null;
    }
  }
  const byVariant = new Map<string, Map<string, string>>();
  for (const [variant, values] of constants) byVariant.set(variant, new Map(params.flatMap((c, k) => (values[k] === null || values[k] === undefined ? [] : [[c, values[k]]]))));
  return { dir, manifest, scenarios, constants: byVariant, paramColumns: params };
}
