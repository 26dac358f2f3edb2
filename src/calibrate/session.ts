// One `migsweep calibrate`: check the tools (installing nothing), run the
// real-QEMU grid (or read a measured.csv from --from), predict every run
// with the engine, compare, and write comparison.csv, the chart, the
// replayable scenarios and index.html; print the table and the targets.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from '../cli/exit-codes.js';
import { InputError } from '../common/errors.js';
import { defaultRunDir } from '../sweep/output.js';
import { renderSvg } from '../report/render.js';
import { comparisonChartSpec } from './chart.js';
import { compareGrid, evaluateTargets, summarizeComparison, TARGET_SYNCS_MAX_DIFF, type TargetCheck } from './compare.js';
import { comparisonCsvRows, parseMeasuredCsv, toCsv } from './csv.js';
import { runGrid } from './grid.js';
import { guestToolchainProblem } from './guest.js';
import { renderCalibrationHtml, type MachineFacts } from './html.js';
import { PAGE_SEEDS, predictGrid, type RunPredictions } from './predict.js';
import { findQemu } from './qemu.js';
import { calibrationScenario, linkPerRun, stopCopyBytesPerSec, stopCopySpeeds } from './scenario.js';
import { exclusionNotes, terminalTable, xbzrleLines } from './table.js';
import type { MeasuredRun } from './types.js';

export const MEASURED_FILE = 'measured.csv';
export const COMPARISON_FILE = 'comparison.csv';
export const CHART_SPEC_FILE = 'charts/comparison.vl.json';
export const CHART_SVG_FILE = 'charts/comparison.svg';
export const INDEX_FILE = 'index.html';
const GRID_MANIFEST_FILE = 'manifest.json';

/**
 * What the comparison shows where the engine misses (issue 7: document what
 * real QEMU does that the model did not). Kept with the test that shows it:
 * test/calibrate/fixture.test.ts.
 */
export const KNOWN_MISS =
  'Syncs when the link is only a little faster than a sequential writer (medium-bw32: 24 MiB/s of writes over 32 MiB/s). ' +
  "The guest's working set is one contiguous block, and the writer and QEMU's send cursor both move through it in address order, " +
  'so the pages the writer dirties almost never overlap pages still pending: each round the pending set shrinks by only about ' +
  '(send rate - dirty rate) x round time, and real QEMU needs more, ever shorter rounds. ' +
  "The fluid engine follows this when the working set is one block (layout: contiguous, as calibrate gives it): the marks outside the writer's last arc lie just behind it, " +
  'so a new arc meets them only after the unmarked stretch ahead (cyclicAdd); with the marks spread evenly it saw some overlap and switched over after fewer syncs. ' +
  'Reference grid (QEMU 7.2, TCG): 13 syncs measured; out of sample 12 fluid (10 with the marks spread evenly), 10.4 page (mean of 5 seeds); ' +
  'total time and bytes of that run within 6 % (the extra rounds are short). ' +
  "The writer's phase when the migration starts decides a lot: single page-fidelity seeds give 7 to 13 syncs, and three real runs gave 13, 12 and 9. " +
  'The real count is also steep in the dirty rate: a run whose guest wrote 5538 instead of ~6100 pages/s needed 9 (fluid 8).';

/** The run the known miss is about. */
export const KNOWN_MISS_RUN = 'medium-bw32';

export interface CalibrateOptions {
  /** three runs instead of ten */
  quick?: boolean;
  /** the wire-feature grid (multifd, compression, XBZRLE) instead of the default grid */
  features?: boolean;
  /** output folder (default results/calibrate/<date-time>) */
  out?: string;
  /** compare the measured.csv in this folder instead of running QEMU */
  from?: string;
  /** where the default output folder goes (results/) */
  resultsRoot?: string;
  stdout: Writable;
  stderr: Writable;
}

export interface CalibrateOutcome {
  exitCode: number;
  /** null when nothing was written (missing tools) */
  outDir: string | null;
}

/** The tools a real calibration needs and this machine lacks, and the Debian packages that bring them. */
export interface MissingTools {
  reasons: string[];
  packages: string[];
}

/** Check for qemu-system-x86_64 and a gcc that builds 32-bit freestanding code; installs nothing. */
export async function missingTools(): Promise<MissingTools> {
  const reasons: string[] = [];
  const packages: string[] = [];
  if (findQemu() === undefined) {
    reasons.push('qemu-system-x86_64 was not found on PATH');
    packages.push('qemu-system-x86');
  }
  const cc = await guestToolchainProblem();
  if (cc !== undefined) {
    // the problem ends with its own install hint after a ';'
    reasons.push(`the calibration guest cannot be built: ${cc.split(';')[0]}`);
    packages.push('gcc-multilib');
  }
  return { reasons, packages };
}

/** The command that installs what is missing, e.g. `apt-get install -y qemu-system-x86 gcc-multilib`. */
export function installCommand(packages: readonly string[]): string {
  return `apt-get install -y ${packages.join(' ')}`;
}

interface GridManifest {
  startedAt?: string;
  hostCpus?: number;
  accelerator?: { accel?: string; reason?: string };
}

function readGridManifest(dir: string): GridManifest {
  try {
    return JSON.parse(readFileSync(join(dir, GRID_MANIFEST_FILE), 'utf8')) as GridManifest;
  } catch {
    return {};
  }
}

function machineFacts(runs: readonly MeasuredRun[], manifest: GridManifest, linkBytesPerSec: number, measuredFile: string): MachineFacts {
  const shares = runs.filter((r) => r.meanMbps !== null && r.maxBandwidthBytesPerSec > 0).map((r) => ((r.meanMbps as number) * 1e6) / 8 / r.maxBandwidthBytesPerSec);
  const versions = [...new Set(runs.map((r) => r.qemuVersion))];
  const accels = [...new Set(runs.map((r) => r.accel))];
  return {
    qemuVersion: versions.join(', '),
    accelerator: accels.join(', '),
    acceleratorReason: manifest.accelerator?.reason ?? null,
    hostCpus: manifest.hostCpus ?? null,
    stopCopyBytesPerSec: linkBytesPerSec,
    stopCopyRuns: stopCopySpeeds(runs).length,
    liveRateShare: shares.length > 0 ? { min: Math.min(...shares), max: Math.max(...shares) } : null,
    measuredFrom: measuredFile,
    measuredAt: manifest.startedAt ?? null,
  };
}

/** bytes/s in MB/s (10^6), no decimals: how QEMU's own figures read. */
function mbps(bytesPerSec: number): string {
  return (bytesPerSec / 1e6).toFixed(0);
}

function targetLines(checks: readonly TargetCheck[], indent = ''): string {
  return checks.map((c) => `${indent}${c.pass ? 'PASS' : 'FAIL'}  ${c.text}\n`).join('');
}

/** Run (or re-read) the grid, compare and write everything. Bad input throws an InputError (exit 2). */
export async function runCalibration(o: CalibrateOptions): Promise<CalibrateOutcome> {
  if (o.from !== undefined && (o.quick || o.features)) {
    const flag = o.quick ? '--quick' : '--features';
    throw new InputError('--from', [{ path: '', message: `${flag} chooses which runs QEMU makes and --from compares runs made earlier; give one of them` }]);
  }
  if (o.quick && o.features) {
    throw new InputError('--features', [{ path: '', message: '--quick shortens the default grid and --features runs the wire-feature grid; give one of them' }]);
  }
  const outDir = resolve(o.out ?? defaultRunDir(o.resultsRoot ?? 'results', 'calibrate', null));
  let measuredDir: string;
  if (o.from === undefined) {
    const missing = await missingTools();
    if (missing.packages.length > 0) {
      o.stderr.write('migsweep calibrate migrates a real guest with QEMU and installs nothing itself; missing here:\n');
      for (const r of missing.reasons) o.stderr.write(`  ${r}\n`);
      o.stderr.write(`Install with (Debian/Ubuntu, as root), or compare an earlier grid with --from DIR:\n${installCommand(missing.packages)}\n`);
      return { exitCode: EXIT_BAD_INPUT, outDir: null };
    }
    try {
      await runGrid({ quick: o.quick, features: o.features, outDir, log: (m) => o.stderr.write(`${m}\n`) });
    } catch (err) {
      o.stderr.write(`migsweep: calibrate: ${(err as Error).message}\n`);
      return { exitCode: EXIT_FAILED, outDir };
    }
    measuredDir = outDir;
  } else {
    measuredDir = resolve(o.from);
  }

  const measuredFile = join(measuredDir, MEASURED_FILE);
  if (!existsSync(measuredFile)) {
    throw new InputError(measuredFile, [{ path: '', message: 'not found: --from names a folder that `migsweep calibrate` (or its grid) wrote, holding measured.csv' }]);
  }
  const runs = parseMeasuredCsv(readFileSync(measuredFile, 'utf8'), measuredFile);
  const link = stopCopyBytesPerSec(runs);
  // Out of sample each run needs the stop-and-copy speed of the OTHER runs: two qualifying runs at least.
  const ahead = predictGrid(runs, 'ahead');
  if (link === undefined || ahead === undefined) {
    throw new InputError(measuredFile, [
      {
        path: '',
        message:
          'fewer than two completed runs with downtimeBytes and downtimeMs: the stop-and-copy speed of the machine cannot be estimated from runs other than the one predicted',
      },
    ]);
  }
  const manifest = readGridManifest(measuredDir);

  // The accuracy: out of sample. The in-sample figures are shown beside it, labelled.
  const rows = compareGrid(runs, ahead);
  const inSampleRows = compareGrid(runs, predictGrid(runs, 'measured') as RunPredictions[]);
  const fluidSummary = summarizeComparison(rows.fluid);
  const targets = { fluid: evaluateTargets(fluidSummary), page: evaluateTargets(summarizeComparison(rows.page)) };
  const inSample = { fluid: evaluateTargets(summarizeComparison(inSampleRows.fluid)), page: evaluateTargets(summarizeComparison(inSampleRows.page)) };
  const facts = machineFacts(runs, manifest, link, measuredFile);

  mkdirSync(join(outDir, 'charts'), { recursive: true });
  mkdirSync(join(outDir, 'scenarios'), { recursive: true });
  if (measuredDir !== outDir) {
    copyFileSync(measuredFile, join(outDir, MEASURED_FILE));
    if (existsSync(join(measuredDir, GRID_MANIFEST_FILE))) copyFileSync(join(measuredDir, GRID_MANIFEST_FILE), join(outDir, GRID_MANIFEST_FILE));
  }
  writeFileSync(join(outDir, COMPARISON_FILE), toCsv(comparisonCsvRows(rows)));
  const links = linkPerRun(runs, 'ahead');
  for (const [i, r] of runs.entries()) {
    // the fluid scenario of each run as it was predicted (out of sample), for `migsweep run scenarios/<name>.json`
    const scenario = calibrationScenario(r, { linkBytesPerSec: links[i] as number, inputs: 'ahead', fidelity: 'fluid', seed: 1 });
    writeFileSync(join(outDir, 'scenarios', `${r.name}.json`), `${JSON.stringify(scenario, null, 2)}\n`);
  }
  const spec = comparisonChartSpec(rows, TARGET_SYNCS_MAX_DIFF);
  const svg = await renderSvg(spec);
  writeFileSync(join(outDir, CHART_SPEC_FILE), `${JSON.stringify(spec, null, 2)}\n`);
  writeFileSync(join(outDir, CHART_SVG_FILE), svg);
  writeFileSync(
    join(outDir, INDEX_FILE),
    renderCalibrationHtml({
      facts,
      rows,
      targets,
      inSample,
      chartSvg: svg,
      files: { comparisonCsv: COMPARISON_FILE, measuredCsv: MEASURED_FILE, chartSpec: CHART_SPEC_FILE, chartSvg: CHART_SVG_FILE },
      knownMiss: KNOWN_MISS,
    }),
  );

  const out = o.stdout;
  out.write(`${facts.qemuVersion}, ${facts.accelerator}; ${runs.length} runs from ${measuredFile}\n`);
  const share = facts.liveRateShare;
  const live = share === null ? '' : `: ${(share.min * 100).toFixed(1)}-${(share.max * 100).toFixed(1)} % of max-bandwidth`;
  const known = links as number[];
  out.write(`predicted out of sample: each run from its configured max-bandwidth, its guest's configured write rate and the RAM the guest filled,\n`);
  out.write(
    `  over a link at the stop-and-copy speed of the other runs (median of downtime-bytes / downtime, leaving the run out: ${mbps(Math.min(...known))}-${mbps(Math.max(...known))} MB/s)\n`,
  );
  out.write(`measured: stop-and-copy speed ${mbps(link)} MB/s over ${facts.stopCopyRuns} completed runs; live rate QEMU's mean mbps while active${live}\n\n`);
  out.write(terminalTable(rows));
  const notes = exclusionNotes(rows.fluid);
  if (notes.length > 0) out.write(`(in parentheses: left out of the error statistics)\n${notes.map((n) => `  ${n}\n`).join('')}`);
  const hitRates = xbzrleLines(rows);
  if (hitRates.length > 0) out.write(`XBZRLE cache hit rate (hits / lookups), out of sample:\n${hitRates.map((l) => `  ${l}\n`).join('')}`);
  out.write(`\naccuracy targets (issue 7${hitRates.length > 0 ? ', issue 13' : ''}), fluid engine, out of sample:\n${targetLines(targets.fluid, '  ')}`);
  out.write(`page fidelity, contiguous working set (mean of ${PAGE_SEEDS} seeds), out of sample, for comparison:\n${targetLines(targets.page, '  ')}`);
  out.write(
    `in sample (fed the live rate, guest rate, zero pages and link measured on the scored runs themselves; not a prediction), fluid engine:\n${targetLines(inSample.fluid, '  ')}`,
  );
  const passed = targets.fluid.every((t) => t.pass);
  if (fluidSummary.syncsMisses.some((m) => m.name === KNOWN_MISS_RUN)) out.write(`\nknown miss: ${KNOWN_MISS}\n`);
  out.write(`\nreport: ${join(outDir, INDEX_FILE)}\n`);
  return { exitCode: passed ? EXIT_OK : EXIT_FAILED, outDir };
}
