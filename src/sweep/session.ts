/**
 * One `migsweep sweep`: read and check the sweep file, expand it, refuse an
 * absurd size without --yes, check every scenario, prepare (or resume) the
 * run folder, run the tasks, then summarise, write the manifest, run the
 * after-sweep hooks and print the table. Signals stop it cleanly.
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, isAbsolute } from 'node:path';
import type { Writable } from 'node:stream';
import { simulate } from '../engine/index.js';
import type { Scenario } from '../engine/types.js';
import { InputError } from '../scenario/errors.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../cli/exit-codes.js';
import { aggregateRuns, SUMMARY_METRICS, summaryHeader, VariantTable } from './aggregate.js';
import { checkEveryScenario } from './check.js';
import { csvText } from './csv.js';
import { buildScenario, decodeScenario, shardScenarioCount, shardTaskCount, withValue } from './grid.js';
import { afterSweep, type AfterSweepHook } from './hooks.js';
import {
  cutPartialLine,
  defaultRunDir,
  findResumable,
  fingerprintOf,
  gitCommit,
  machine,
  openForResume,
  PACKAGE_VERSION,
  prepareNewFolder,
  RUNS_FILE,
  SUMMARY_FILE,
  truncateTo,
  verifyRuns,
  writeManifest,
  MANIFEST_FORMAT,
  TOOL,
  type Manifest,
} from './output.js';
import { runPool } from './pool.js';
import { formatDuration, Progress, type ProgressMode } from './progress.js';
import { resolveSweep, type ResolvedSweep } from './resolve.js';
import { readSweep } from './spec.js';
import type { Grid, Shard } from './types.js';
import { variantTable } from './variant-table.js';

/** Above this many tasks a sweep runs only with --yes. */
export const MAX_TASKS_WITHOUT_YES = 50_000_000;

export interface SweepOptions {
  file: string;
  out?: string;
  /** where default run folders go (results/) */
  resultsRoot?: string;
  workers?: number;
  shard?: Shard | null;
  resume?: boolean;
  force?: boolean;
  yes?: boolean;
  /** fixed batch size (default adaptive) */
  batchSize?: number;
  /** see PoolOptions.budgetMs (tests) */
  batchBudgetMs?: number;
  /** the compiled worker module (tests) */
  workerFile?: URL;
  /** default: a bar on a TTY stderr, plain lines otherwise; `quiet` also leaves out the table */
  progress?: ProgressMode;
  stdout: Writable;
  stderr: Writable;
  /** handle SIGINT and SIGTERM (the CLI does) */
  signals?: boolean;
  hooks?: AfterSweepHook[];
}

export interface SweepOutcome {
  runDir: string;
  exitCode: number;
  done: number;
  total: number;
  errors: number;
}

/** Expand and check a sweep file without running it (used by the CLI and the benchmarks). */
export function loadSweep(file: string): ResolvedSweep {
  return resolveSweep(readSweep(file));
}

export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const say = (text: string) => o.stderr.write(`${text}\n`);
  if (o.resume && o.force) throw new InputError('--resume', [{ path: '', message: '--resume continues a run and --force replaces it; give one of them' }]);
  const shard = o.shard ?? null;
  const workers = o.workers ?? availableParallelism();
  const quiet = o.progress === 'quiet';
  const resolved = loadSweep(o.file);
  const grid = resolved.grid;
  const total = shardTaskCount(grid, shard);

  if (total > MAX_TASKS_WITHOUT_YES && !o.yes) {
    const perTaskMs = sampleCostMs(grid);
    throw new InputError(o.file, [
      {
        path: '',
        message: `this sweep has ${total.toLocaleString('en-US')} tasks${shard ? ' in this shard' : ''} (over ${MAX_TASKS_WITHOUT_YES.toLocaleString('en-US')}); at about ${perTaskMs.toPrecision(2)} ms a task that is roughly ${formatDuration((total * perTaskMs) / 1000 / workers)} on ${workers} workers, and a runs.csv of about ${Math.round((total * 400) / 1e9)} GB. Pass --yes to run it anyway, or split it with --shard K/N`,
      },
    ]);
  }
  checkEveryScenario(resolved, shard);

  const fingerprint = fingerprintOf(grid);
  const resultsRoot = o.resultsRoot ?? 'results';
  let runDir: string;
  let manifest: Manifest;
  let done = 0;
  let errors = 0;
  const now = new Date().toISOString();
  let table: VariantTable;
  if (o.resume) {
    const found = o.out ?? findResumable(resultsRoot, grid.name, fingerprint, shard);
    if (found === null)
      throw new InputError(join(resultsRoot, grid.name), [
        { path: '', message: `no unfinished run of '${grid.name}'${shard ? ` shard ${shard.index}/${shard.count}` : ''} to resume here; name the folder with --out DIR` },
      ]);
    runDir = found;
    manifest = openForResume(runDir, fingerprint, shard);
    const runs = join(runDir, RUNS_FILE);
    if (existsSync(runs)) cutPartialLine(runs);
    if (!existsSync(runs) || statSync(runs).size === 0) writeHeader(runs, grid.header);
    const kept = await verifyRuns(runs, grid, shard);
    if (manifest.status === 'complete' && kept.rows === total) {
      say(`${runDir}: complete already (${total} tasks); nothing to resume`);
      o.stdout.write(`results: ${runDir}\n`);
      return { runDir, exitCode: manifest.counts.errors > 0 ? EXIT_FAILED : EXIT_OK, done: total, total, errors: manifest.counts.errors };
    }
    // restart at the last whole scenario; summary.csv is redone for what is kept
    if (kept.wholeRows < kept.rows) truncateTo(runs, kept.wholeBytes);
    done = kept.wholeRows;
    table = await aggregateRuns(grid, runs, join(runDir, SUMMARY_FILE), done);
    errors = table.errors;
    manifest.status = 'running';
    manifest.workers = workers;
    manifest.end = null;
    manifest.sessions.push({ start: now, end: null, workers, tasks: 0 });
  } else {
    runDir = o.out ?? defaultRunDir(resultsRoot, grid.name, shard);
    prepareNewFolder(runDir, o.force === true);
    writeHeader(join(runDir, RUNS_FILE), grid.header);
    writeHeader(join(runDir, SUMMARY_FILE), summaryHeader(grid));
    manifest = newManifest(resolved, fingerprint, workers, shard, total, now);
    table = new VariantTable(grid);
  }
  manifest.counts.done = done;
  manifest.counts.errors = errors;
  writeManifest(runDir, manifest);

  const mode: ProgressMode = o.progress ?? ((o.stderr as { isTTY?: boolean }).isTTY ? 'bar' : 'lines');
  if (!quiet) {
    const what = `${grid.tasks.toLocaleString('en-US')} tasks (${grid.scenarios.toLocaleString('en-US')} scenarios x ${grid.replicates} replicate${grid.replicates === 1 ? '' : 's'}, ${grid.variants.length} variant${grid.variants.length === 1 ? '' : 's'})`;
    const part = shard ? `, shard ${shard.index}/${shard.count} (from ${shard.from}): ${total.toLocaleString('en-US')} tasks` : '';
    const resumed = done > 0 ? `, resuming after ${done.toLocaleString('en-US')} done` : '';
    say(`sweep ${grid.name}: ${what}${part}${resumed}; ${workers} worker${workers === 1 ? '' : 's'} -> ${runDir}`);
  }

  // Ctrl-C / SIGTERM: dispatch nothing more, write what is running, exit 130. A second signal stops at once.
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      say(`\nmigsweep: ${sig} again: stopping now; the tasks written so far are kept`);
      process.exit(EXIT_INTERRUPTED);
    }
    stopping = true;
    say(`\nmigsweep: ${sig}: finishing the batches in flight (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again stops at once)`);
  };
  if (o.signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const progress = new Progress(o.stderr, mode, total, done);
  const started = performance.now();
  const startDone = done;
  const runsFd = openSync(join(runDir, RUNS_FILE), 'a');
  const summaryFd = openSync(join(runDir, SUMMARY_FILE), 'a');
  try {
    await runPool({
      grid,
      shard,
      workers,
      from: done,
      to: total,
      batchSize: o.batchSize,
      budgetMs: o.batchBudgetMs,
      workerFile: o.workerFile,
      stopping: () => stopping,
      write: (result) => {
        writeSync(runsFd, result.text);
        if (result.summary.length > 0) writeSync(summaryFd, result.summary);
        const n = result.status.length;
        for (let i = 0; i < n; i++) table.add(result.variant[i], result.status[i], result.metrics, i * SUMMARY_METRICS.length);
        done += n;
        errors = table.errors;
        progress.update(done, errors);
      },
    });
  } finally {
    closeSync(runsFd);
    closeSync(summaryFd);
    if (o.signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  progress.finish(done, errors);
  const session = manifest.sessions[manifest.sessions.length - 1];
  session.end = new Date().toISOString();
  session.tasks = done - startDone;
  manifest.durationMs += Math.round(performance.now() - started);
  manifest.counts.done = done;
  manifest.counts.errors = errors;

  if (done < total) {
    manifest.status = 'interrupted';
    writeManifest(runDir, manifest);
    say(`interrupted: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} tasks are done and saved in ${runDir}`);
    say(`continue with: migsweep sweep ${o.file} --out ${runDir} --resume${shard && shard.from === '--shard' ? ` --shard ${shard.index}/${shard.count}` : ''}`);
    return { runDir, exitCode: EXIT_INTERRUPTED, done, total, errors };
  }

  manifest.status = 'complete';
  manifest.end = session.end;
  writeManifest(runDir, manifest);
  // a shard is a part of a sweep: the report waits for the merge
  const written = shard === null || shard.count === 1 ? await runHooks(o.hooks ?? afterSweep, runDir, say) : { paths: [], failed: false };
  if (!quiet) o.stdout.write(`\n${variantTable(table.summary())}\n`);
  if (errors > 0) say(`${errors} task${errors === 1 ? '' : 's'} failed: see the error column of ${join(runDir, RUNS_FILE)}`);
  o.stdout.write(resultLine(runDir, written.paths));
  const exitCode = errors > 0 || written.failed ? EXIT_FAILED : EXIT_OK;
  return { runDir, exitCode, done, total, errors };
}

function writeHeader(file: string, header: string[]): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, csvText([header]));
  } finally {
    closeSync(fd);
  }
}

function newManifest(r: ResolvedSweep, fingerprint: string, workers: number, shard: Shard | null, total: number, now: string): Manifest {
  const grid = r.grid;
  return {
    tool: TOOL,
    format: MANIFEST_FORMAT,
    status: 'running',
    name: grid.name,
    file: r.source.file,
    fingerprint,
    version: PACKAGE_VERSION,
    commit: gitCommit(),
    ...machine(),
    workers,
    shard: shard ? { index: shard.index, count: shard.count, from: shard.from } : null,
    seed: grid.seed,
    replicates: grid.replicates,
    start: now,
    end: null,
    durationMs: 0,
    sessions: [{ start: now, end: null, workers, tasks: 0 }],
    counts: { tasks: total, scenarios: shardScenarioCount(grid, shard), done: 0, errors: 0, sweepTasks: grid.tasks, sweepScenarios: grid.scenarios },
    axes: r.axes,
    charts: r.source.spec.charts ?? [],
    sweep: { given: r.source.text, resolved: r.resolved },
  };
}

/** Run the after-sweep hooks; a failing hook is reported, not fatal. */
export async function runHooks(hooks: readonly AfterSweepHook[], runDir: string, say: (t: string) => void): Promise<{ paths: string[]; failed: boolean }> {
  const paths: string[] = [];
  let failed = false;
  for (const hook of hooks) {
    try {
      const p = await hook(runDir);
      if (typeof p === 'string') paths.push(p);
    } catch (e) {
      failed = true;
      say(`migsweep: after the sweep: ${(e as Error).message ?? String(e)}`);
    }
  }
  return { paths, failed };
}

/** The last line: the results folder, and the report when one was written. */
export function resultLine(runDir: string, written: string[]): string {
  const show = (p: string) => (isAbsolute(p) && !relative(process.cwd(), p).startsWith('..') ? relative(process.cwd(), p) : p);
  return `results: ${show(runDir)}${written.map((p) => `  report: ${show(p)}`).join('')}\n`;
}

/** The mean cost of a task (ms), from up to 32 scenarios spread over the grid, run here (at most ~2 s). */
export function sampleCostMs(grid: Grid): number {
  const n = Math.min(32, grid.scenarios);
  const t0 = performance.now();
  let ran = 0;
  const digits: number[] = [];
  for (let i = 0; i < n && performance.now() - t0 < 2000; i++) {
    const g = Math.floor((i * grid.scenarios) / n);
    const { variant } = decodeScenario(grid, g, digits);
    simulate(withValue(buildScenario(grid.variants[variant], digits), ['seed'], grid.seed) as Scenario);
    ran++;
  }
  return (performance.now() - t0) / Math.max(1, ran);
}
