/**
 * One `migsweep sweep`: read and check the sweep file, expand it, refuse an
 * absurd size without --yes, check every scenario, prepare (or resume) the
 * run folder, then run the tasks through the pool into the outputs' sinks
 * (sink.ts: runs files per --format, summary.csv, the terminal table, the
 * progress line), write the manifest, run the after-sweep hooks it was
 * given and print the table. Signals stop it cleanly; a failed write stops
 * it with the file named and everything written kept.
 */
import { availableParallelism } from 'node:os';
import { join, relative, isAbsolute } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError } from '../common/errors.js';
import { formatBytes } from '../common/format.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../cli/exit-codes.js';
import { summaryHeader, VariantTable } from './aggregate.js';
import { checkEveryScenario } from './check.js';
import { estimateDisk } from './disk.js';
import { batchColumnKinds, batchCsvText, DEFAULT_FORMAT, parseFormat, runsSinks, type OutputFormat } from './formats.js';
import { shardScenarioCount, shardTaskCount } from './grid.js';
import type { AfterSweepHook } from './hooks.js';
import {
  defaultRunDir,
  findResumable,
  fingerprintOf,
  gitCommit,
  machine,
  MANIFEST_FILE,
  openForResume,
  PACKAGE_VERSION,
  prepareNewFolder,
  RUNS_FILE,
  MANIFEST_FORMAT,
  TOOL,
  type Manifest,
} from './output.js';
import { ManifestSink } from './manifest-sink.js';
import { runPool } from './pool.js';
import { formatDuration, Progress, ProgressSink, type ProgressMode } from './progress.js';
import { resolveSweep, type ResolvedSweep } from './resolve.js';
import { asWriteFailure, closeAll, type WriteFailure, writeAll, type Sink, type WriteFaults } from './sink.js';
import { sampleTasks, type TaskCost } from './sample.js';
import { readSweep } from './spec.js';
import { SummaryCsvSink } from './summary-sink.js';
import type { Shard } from './types.js';
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
  /** see PoolOptions.mainWritesRows (default: when there are fewer workers than CPUs) */
  mainWritesRows?: boolean;
  /** default: a bar on a TTY stderr, plain lines otherwise; `quiet` also leaves out the table */
  progress?: ProgressMode;
  stdout: Writable;
  stderr: Writable;
  /** handle SIGINT and SIGTERM (the CLI does) */
  signals?: boolean;
  /** what runs once the folder is complete (the CLI passes the report writer); none by default */
  hooks?: AfterSweepHook[];
  /** the runs files to write (default csv); a resumed run keeps the format it was started with */
  format?: OutputFormat;
  /** injected write failures (tests) */
  writeFaults?: WriteFaults;
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
  const cost = sampleTasks(grid, shard);

  if (total > MAX_TASKS_WITHOUT_YES && !o.yes) {
    throw new InputError(o.file, [
      {
        path: '',
        message: `this sweep has ${total.toLocaleString('en-US')} tasks${shard ? ' in this shard' : ''} (over ${MAX_TASKS_WITHOUT_YES.toLocaleString('en-US')}); at about ${cost.msPerTask.toPrecision(2)} ms a task that is roughly ${formatDuration((total * cost.msPerTask) / 1000 / workers)} on ${workers} workers, and a runs.csv of about ${formatBytes(total * cost.runsBytesPerTask)}. Pass --yes to run it anyway, or split it with --shard K/N`,
      },
    ]);
  }
  checkEveryScenario(resolved, shard);

  const run = openRun(o, resolved, shard, workers, total);
  const { runDir, manifest, format } = run;
  const resumeHint = `migsweep sweep ${o.file} --out ${runDir} --resume${shard && shard.from === '--shard' ? ` --shard ${shard.index}/${shard.count}` : ''}`;

  // the outputs: one sink each (sink.ts); the runs files first (a resume starts where they end)
  const runsOutputs = runsSinks(format, { runDir, grid, shard, faults: o.writeFaults });
  const table = new VariantTable(grid);
  const record = new ManifestSink(runDir, manifest, workers);
  // hooks that gather what they need as the rows pass (the report): only for a whole sweep, whose hooks run
  const wholeSweep = shard === null || shard.count === 1;
  const watches = wholeSweep ? (o.hooks ?? []).flatMap((h) => (h.watch ? [h.watch(runDir, summaryHeader(grid), manifest)] : [])) : [];
  const outputs: Sink[] = [...runsOutputs, new SummaryCsvSink(runDir, grid, o.writeFaults), table, record, ...watches];
  let done = 0;
  try {
    if (o.resume) {
      const held = await heldRows(runsOutputs);
      if (manifest.status === 'complete' && held.rows === total) {
        say(`${runDir}: complete already (${total} tasks); nothing to resume`);
        o.stdout.write(`results: ${runDir}\n`);
        return { runDir, exitCode: manifest.counts.errors > 0 ? EXIT_FAILED : EXIT_OK, done: total, total, errors: manifest.counts.errors };
      }
      done = held.wholeRows;
      checkDisk(o, runDir, total - done, cost, format);
      await resumeOutputs(outputs, runsOutputs, done, format);
      record.save();
    } else {
      checkDisk(o, runDir, total, cost, format);
      prepareNewFolder(runDir, o.force === true);
      for (const s of outputs) s.create();
    }
  } catch (e) {
    closeAll(outputs, true);
    const failure = asWriteFailure(e);
    if (failure === null) throw e;
    say(`migsweep: ${failure.message}; nothing was run`);
    return { runDir, exitCode: EXIT_FAILED, done, total, errors: 0 };
  }

  const mode: ProgressMode = o.progress ?? ((o.stderr as { isTTY?: boolean }).isTTY ? 'bar' : 'lines');
  if (!quiet) {
    const what = `${grid.tasks.toLocaleString('en-US')} tasks (${grid.scenarios.toLocaleString('en-US')} scenarios x ${grid.replicates} replicate${grid.replicates === 1 ? '' : 's'}, ${grid.variants.length} variant${grid.variants.length === 1 ? '' : 's'})`;
    const part = shard ? `, shard ${shard.index}/${shard.count} (from ${shard.from}): ${total.toLocaleString('en-US')} tasks` : '';
    const resumed = done > 0 ? `, resuming after ${done.toLocaleString('en-US')} done` : '';
    say(`sweep ${grid.name}: ${what}${part}${resumed}; ${workers} worker${workers === 1 ? '' : 's'} -> ${runDir}`);
    say(`disk: ${estimateDisk(runDir, total - done, cost, format).text}`);
  }

  // Ctrl-C / SIGTERM: dispatch nothing more, write what is running, exit 130. A second signal stops at once.
  let stopping = false;
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      say(`\nmigsweep: ${sig} again: stopping now; the tasks written so far are kept`);
      abort.abort();
      return;
    }
    stopping = true;
    say(`\nmigsweep: ${sig}: finishing the batches in flight (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again stops at once)`);
  };
  if (o.signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const sinks = [...outputs, new ProgressSink(new Progress(o.stderr, mode, total, done), done, table.errors)];
  let failure: WriteFailure | null = null;
  let closeError: { error: unknown } | null = null;
  try {
    const pool = await runPool({
      grid,
      shard,
      workers,
      from: done,
      to: total,
      batchSize: o.batchSize,
      budgetMs: o.batchBudgetMs,
      workerFile: o.workerFile,
      mainWritesRows: o.mainWritesRows,
      columnKinds: batchColumnKinds(format, grid),
      csvText: batchCsvText(format),
      stopping: () => stopping,
      abort: abort.signal,
      write: (result) => {
        writeAll(sinks, result);
        done = result.end;
      },
    });
    done = pool.reached;
  } catch (e) {
    failure = asWriteFailure(e);
    if (failure === null) throw e;
  } finally {
    if (o.signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    try {
      closeAll(sinks);
    } catch (e) {
      failure ??= asWriteFailure(e);
      // not thrown here: a throw in finally would replace an error already on its way out
      if (failure === null) closeError = { error: e };
    }
  }
  if (closeError !== null) throw closeError.error;
  const errors = table.errors;
  if (failure !== null) {
    try {
      record.finish('interrupted');
    } catch {
      // the manifest on disk still says 'running': --resume continues it all the same
    }
    say(`migsweep: ${failure.message}`);
    say(
      `stopped after ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} tasks: what was written is kept in ${runDir} (a resume checks it and redoes the last unfinished scenario)`,
    );
    say(`once the problem is fixed (space freed, the folder writable), continue with: ${resumeHint}`);
    return { runDir, exitCode: EXIT_FAILED, done, total, errors };
  }

  if (done < total) {
    record.finish('interrupted');
    say(`interrupted: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} tasks are done and saved in ${runDir}`);
    say(`continue with: ${resumeHint}`);
    return { runDir, exitCode: EXIT_INTERRUPTED, done, total, errors };
  }

  record.finish('complete');
  // a shard is a part of a sweep: the report waits for the merge
  const written = wholeSweep ? await runHooks(o.hooks ?? [], runDir, say) : { paths: [], failed: false };
  if (!quiet) o.stdout.write(`\n${variantTable(table.summary())}\n`);
  if (errors > 0) say(`${errors} task${errors === 1 ? '' : 's'} failed: see the error column of ${join(runDir, RUNS_FILE)}`);
  o.stdout.write(resultLine(runDir, written.paths));
  const exitCode = errors > 0 || written.failed ? EXIT_FAILED : EXIT_OK;
  return { runDir, exitCode, done, total, errors };
}

/** The run folder and its manifest: a new one, or the run being resumed (checked to be this sweep's). */
function openRun(o: SweepOptions, resolved: ResolvedSweep, shard: Shard | null, workers: number, total: number): { runDir: string; manifest: Manifest; format: OutputFormat } {
  const grid = resolved.grid;
  const fingerprint = fingerprintOf(grid);
  const resultsRoot = o.resultsRoot ?? 'results';
  if (!o.resume) {
    const format = o.format ?? DEFAULT_FORMAT;
    const runDir = o.out ?? defaultRunDir(resultsRoot, grid.name, shard);
    return { runDir, format, manifest: newManifest(resolved, fingerprint, workers, shard, total, new Date().toISOString(), format) };
  }
  const runDir = o.out ?? findResumable(resultsRoot, grid.name, fingerprint, shard);
  if (runDir === null)
    throw new InputError(join(resultsRoot, grid.name), [
      { path: '', message: `no unfinished run of '${grid.name}'${shard ? ` shard ${shard.index}/${shard.count}` : ''} to resume here; name the folder with --out DIR` },
    ]);
  const manifest = openForResume(runDir, fingerprint, shard);
  return { runDir, manifest, format: resumedFormat(runDir, manifest, o.format) };
}

/** The rows every runs file holds (the fewest), after each cut what a kill left half written. */
async function heldRows(runsOutputs: readonly Sink[]): Promise<{ rows: number; wholeRows: number }> {
  let held = { rows: Infinity, wholeRows: Infinity };
  for (const s of runsOutputs) {
    if (s.held === undefined) continue;
    const h = await s.held();
    held = { rows: Math.min(held.rows, h.rows), wholeRows: Math.min(held.wholeRows, h.wholeRows) };
  }
  return held;
}

/** Continue every output after `done` tasks: the runs files keep theirs, the rest are fed them again from a runs file. */
async function resumeOutputs(outputs: readonly Sink[], runsOutputs: readonly Sink[], done: number, format: OutputFormat): Promise<void> {
  const replay = outputs.filter((s) => s.resume(done) === 'replay');
  if (replay.length === 0 || done === 0) return;
  const source = runsOutputs.find((s) => s.replay !== undefined);
  if (source?.replay === undefined) throw new Error(`internal: no runs output of --format ${format} can replay its runs for a resume`);
  for await (const batch of source.replay(done)) writeAll(replay, batch);
}

/** Refuse (exit 2) a run that clearly does not fit on its disk, unless --yes. */
function checkDisk(o: SweepOptions, runDir: string, tasks: number, cost: TaskCost, format: OutputFormat): void {
  const disk = estimateDisk(runDir, tasks, cost, format);
  if (disk.needBytes <= disk.freeBytes || o.yes) return;
  throw new InputError(runDir, [
    {
      path: '',
      message: `this run needs ${disk.text}: it will not fit. Free some space, write elsewhere with --out DIR, split it with --shard K/N, or pass --yes to start anyway (it stops with a message when the disk is full, and --resume continues it once there is room)`,
    },
  ]);
}

/** The format of a resumed run: the one its manifest records (a different --format is refused). */
function resumedFormat(runDir: string, m: Manifest, given: OutputFormat | undefined): OutputFormat {
  const recorded = typeof m.runsFormat === 'string' ? parseFormat(m.runsFormat, join(runDir, MANIFEST_FILE)) : DEFAULT_FORMAT;
  if (given !== undefined && given !== recorded)
    throw new InputError('--format', [{ path: '', message: `${runDir} was started with --format ${recorded}; resume it with the same format (or leave --format out)` }]);
  return recorded;
}

function newManifest(r: ResolvedSweep, fingerprint: string, workers: number, shard: Shard | null, total: number, now: string, format: OutputFormat): Manifest {
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
    runsFormat: format,
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
