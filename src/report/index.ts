/**
 * The report of a finished sweep: charts/*.vl.json (Vega-Lite specs),
 * charts/*.svg (rendered here, headless), charts/*.png on request, lib/
 * (the chart libraries) and index.html, all inside the run folder.
 */
import { itemAt } from '../common/lookup.js';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../common/errors.js';
import { copyLibraries, packageVersion } from './assets.js';
import { chartContext } from './chart-context.js';
import { defaultCharts, defaultFleetCharts } from './chart-choice.js';
import { chartNames, checkFleetCharts, isFleetChartKind, parseCharts, type ChartEntry } from './charts-schema.js';
import { CHARTS, type ChartBuilder } from './charts/index.js';
import { hasComparison } from './charts/compare.js';
import { timelineExample } from './example-runs.js';
import { renderHtml, type ReportChart } from './html.js';
import { renderSvg, svgToPng } from './render.js';
import { sampledAxesNote } from './axis-sample.js';
import { readManifest, readRunFolder, type SummaryCollector } from './run-folder.js';
import { isFleetRun, readFleetRun } from './fleet-run.js';
import { wrapLines } from './charts/style.js';
import type { BuiltChart, ChartContext, FleetRunData, RunFolder, SkippedChart } from './types.js';

export interface ReportOptions {
  /** also write charts/<name>.png */
  png?: boolean;
  /** summary.csv's rows gathered while the sweep wrote them (SummaryWatch): then summary.csv is not read back */
  collected?: SummaryCollector;
}

export interface ReportOutcome {
  /** absolute path of index.html */
  index: string;
  charts: { name: string; files: string[] }[];
  /** charts not drawn, and why */
  skipped: { name: string; reason: string }[];
  /** problems with the `charts` section (the other charts are drawn): an InputError to report after writing */
  problems: InputError | null;
}

/** Build one entry's chart, turning a problem with the entry into a skipped chart and an input problem. */
function build(entry: ChartEntry, ctx: ChartContext, where: string): BuiltChart | SkippedChart | InputError {
  const builder = CHARTS[entry.kind] as ChartBuilder<typeof entry.kind>;
  try {
    return builder(entry, ctx, where);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

/** Charts drawn from summary rows (or a fleet sweep's runs rows; not the timeline's re-runs, not the comparison): they say when the sweep's axes were sampled. */
const FROM_SUMMARY = new Set<ChartEntry['kind']>([
  'convergence-map',
  'downtime-vs-ratio',
  'cost-vs-ratio',
  'pareto',
  'promised-vs-real',
  'makespan-vs-p99-downtime',
  'growth-with-concurrency',
]);

/** The charts of a run: its sweep's `charts` (fleet kinds for a sweep over fleets, the others for single VMs), else the defaults of its shape. */
function chartEntries(run: RunFolder, fleet: FleetRunData | undefined, runDir: string, manifestFile: string): ChartEntry[] {
  // the sweep writes [] when the sweep file has no `charts`: the defaults then
  const given = Array.isArray(run.manifest.charts) && run.manifest.charts.length === 0 ? undefined : run.manifest.charts;
  if (fleet !== undefined) {
    if (given === undefined || given === null) return defaultFleetCharts(fleet.axisPaths);
    const entries = parseCharts(given, manifestFile);
    checkFleetCharts(entries, manifestFile);
    return entries;
  }
  const entries = given === undefined || given === null ? defaultCharts(run.manifest) : parseCharts(given, manifestFile);
  const fleetKinds = entries.flatMap((e, i) =>
    isFleetChartKind(e.kind) ? [{ path: `charts[${i}]`, message: `the chart kind '${e.kind}' draws sweeps over fleets; this run is a sweep of single VMs` }] : [],
  );
  if (fleetKinds.length > 0) throw new InputError(manifestFile, fleetKinds);
  if (hasComparison(runDir) && !entries.some((e) => e.kind === 'compare')) entries.push({ kind: 'compare' });
  return entries;
}

/** The spec with `lines` added under its subtitle. */
function withSubtitleLines(spec: BuiltChart['spec'], lines: readonly string[]): BuiltChart['spec'] {
  if (lines.length === 0) return spec;
  const title = (spec as { title?: unknown }).title;
  const t = typeof title === 'object' && title !== null ? (title as { text: unknown; subtitle?: string | string[] }) : { text: title ?? '' };
  const before = t.subtitle === undefined ? [] : Array.isArray(t.subtitle) ? t.subtitle : [t.subtitle];
  return { ...spec, title: { ...t, subtitle: [...before, ...wrapLines([...lines], 110)] } } as BuiltChart['spec'];
}

/**
 * Remove chart files of an earlier report of this folder that this one did
 * not write (another sweep shape picks other charts): charts/ then holds
 * exactly what index.html shows.
 */
function removeStaleCharts(chartsDir: string, written: ReadonlySet<string>): void {
  for (const f of readdirSync(chartsDir)) if (/\.(vl\.json|svg|png)$/.test(f) && !written.has(f)) rmSync(join(chartsDir, f));
}

/** The table files a run of a sweep over fleets may hold, in the order the page lists them. */
const FLEET_TABLE_FILES = ['runs.csv', 'runs.parquet/', 'migrations.csv', 'migrations.parquet/'];

/** Write the report of the run in `runDir`. Throws an InputError when the folder is not a sweep's. */
export async function writeReport(runDir: string, opts: ReportOptions = {}): Promise<ReportOutcome> {
  const manifestFile = join(runDir, 'manifest.json');
  const fleetRun = existsSync(manifestFile) && isFleetRun(readManifest(runDir)) ? await readFleetRun(runDir, readManifest(runDir)) : null;
  const run = fleetRun?.run ?? (await readRunFolder(runDir, {}, opts.collected));
  const entries = chartEntries(run, fleetRun?.fleet, runDir, manifestFile);
  const names = chartNames(entries);
  let ctx: ChartContext = { ...chartContext(run), ...(fleetRun ? { fleet: fleetRun.fleet } : {}) };
  ctx = { ...ctx, timeline: (entry) => timelineExample(run, ctx.variants, ctx.conditionColumns, entry) };
  const chartsDir = join(runDir, 'charts');
  mkdirSync(chartsDir, { recursive: true });
  const charts: ReportChart[] = [];
  const skipped: ReportOutcome['skipped'] = [];
  const problems: InputError[] = [];
  const written: ReportOutcome['charts'] = [];
  for (const [i, entry] of entries.entries()) {
    const name = itemAt(names, i);
    const out = build(entry, ctx, `charts[${i}] (${entry.kind})`);
    if (out instanceof InputError) {
      problems.push(out);
      skipped.push({ name, reason: out.message.split('\n').join('; ') });
      continue;
    }
    if ('skipped' in out) {
      skipped.push({ name, reason: out.skipped });
      continue;
    }
    if (FROM_SUMMARY.has(entry.kind)) out.spec = withSubtitleLines(out.spec, sampledAxesNote(run.sampledAxes.filter((a) => !out.sampledColumns?.includes(a.column))));
    const files = { spec: `charts/${name}.vl.json`, svg: `charts/${name}.svg`, ...(opts.png ? { png: `charts/${name}.png` } : {}) };
    writeFileSync(join(runDir, files.spec), `${JSON.stringify(out.spec, null, 2)}\n`);
    const svg = await renderSvg(out.spec);
    writeFileSync(join(runDir, files.svg), svg);
    if (files.png) writeFileSync(join(runDir, files.png), svgToPng(svg));
    charts.push({ name, title: out.title, caption: out.caption, spec: out.spec, files });
    written.push({ name, files: Object.values(files) });
  }
  removeStaleCharts(chartsDir, new Set(written.flatMap((w) => w.files.map((f) => basename(f)))));
  const scripts = copyLibraries(join(runDir, 'lib'));
  const html = renderHtml({
    manifest: run.manifest,
    variants: run.variantTable.lines(ctx.variants),
    charts,
    skipped,
    scripts,
    libraries: Object.fromEntries(['vega', 'vega-lite', 'vega-embed'].map((p) => [p, packageVersion(p)])),
    ...(fleetRun ? { fleet: { files: FLEET_TABLE_FILES.filter((f) => existsSync(join(runDir, f))) } } : {}),
  });
  const index = resolve(runDir, 'index.html');
  writeFileSync(index, html);
  const problem = problems.length
    ? new InputError(
        manifestFile,
        problems.flatMap((p) => p.problems),
      )
    : null;
  return { index, charts: written, skipped, problems: problem };
}
