/**
 * The commands users run, as child processes, report included (issue 10's
 * targets): wall time, CPU time and the peak memory of the whole process
 * tree (bench/process-tree.ts), and ratios measured in the same run.
 *
 * - cheap convergent `precopy` tasks (bench/sweeps/million.yaml, 1,000,000
 *   tasks; 10,000 with --quick): `migsweep sweep` with 1 worker and with 2
 *   (2 vs 1, target >= 1.7x), next to the engine alone on the same tasks (a
 *   tight loop of simulate() in this process, no harness; target >= 80%), the
 *   worker alone (its batches in a tight loop, bench/worker-alone.ts) and
 *   a bare CSV-text probe (the same rows written in a tight loop: the cost of
 *   text output alone); the two runs' CPU time and the bound it puts on the
 *   2-worker speedup here (CPUs x the 1-worker wall time / the 2-worker CPU
 *   time); with `--format parquet` too once the CLI has it;
 * - `migsweep report` on the 1-worker run (targets: < 10 s, < 1 GiB);
 * - the 2,400-task four-axis sweep sweeps/examples/policy-constants.yaml,
 *   report included, then `migsweep report` on it alone (target < 5 s) and
 *   the size of its index.html (target < 5 MB);
 * - with --ten-million only (minutes): 10,000,000 cheap tasks
 *   (bench/sweeps/ten-million.yaml), 2 workers, report included (targets:
 *   exit 0, peak RSS < 1 GiB).
 * A command that fails is reported on stderr and leaves its rows out; the
 * bench then exits 1.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { PACKAGE_ROOT } from '../src/sweep/output.js';
import { engineAlone } from './engine-alone.js';
import { workerAlone } from './worker-alone.js';
import { runCommand, type CommandRun } from './process-tree.js';
import { benchSweepFile } from './sweep-files.js';
import { QUICK_ENV, TEN_MILLION_ENV, type BenchRow } from './types.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const MiB = 1024 * 1024;
const COMMAND = 'npm run bench -- commands';

/** `migsweep <args>` as a child process; throws naming the command when it fails. */
async function migsweep(args: string[]): Promise<CommandRun> {
  const r = await runCommand(process.execPath, [CLI, ...args], PACKAGE_ROOT);
  if (r.code !== 0) throw new Error(`migsweep ${args.join(' ')} exited with ${r.code}:\n${r.stderr.slice(-2000)}`);
  return r;
}

const digest = (file: string) => createHash('sha1').update(readFileSync(file)).digest('hex');

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;
const perSec = (tasks: number, ms: number) => tasks / (ms / 1000);

/** The first rows of a runs.csv (up to ~8 MiB of it), cells typed as numbers where they are numbers. */
function sampleRows(file: string): { header: string; rows: (string | number)[][] } {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(8 * MiB, statSync(file).size));
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const text = buf.subarray(0, n).toString('utf8');
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  const records = parse(whole, { cast: true }) as (string | number)[][];
  return { header: whole.slice(0, whole.indexOf('\n')), rows: records.slice(1) };
}

/** The bare CSV-text probe: `total` rows (the sample, round and round) turned into CSV text and written to `file` in a tight loop; ms. */
function csvProbe(sample: { header: string; rows: (string | number)[][] }, total: number, file: string): number {
  const cell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const t0 = performance.now();
  const fd = openSync(file, 'w');
  let chunk = `${sample.header}\n`;
  for (let i = 0; i < total; i++) {
    chunk += `${sample.rows[i % sample.rows.length]!.map(cell).join(',')}\n`;
    if (chunk.length >= MiB) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return performance.now() - t0;
}

/** Whether this build's `migsweep sweep` takes `--format parquet` (another part of the tree adds it). */
async function hasParquet(): Promise<boolean> {
  const help = await runCommand(process.execPath, [CLI, 'sweep', '--help'], PACKAGE_ROOT);
  return /--format\b/.test(help.stdout) && /parquet/.test(help.stdout);
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-bench-commands-'));
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  /** one group of measurements: a failure is reported and the other groups still run */
  const group = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      failures.push(what);
      process.stderr.write(`bench commands: ${what} failed: ${(e as Error).message}\n`);
    }
  };
  try {
    const cheap = benchSweepFile(dir, 'million', '50');
    const one = join(dir, 'one');
    let tasks = 0;
    let oneRun: CommandRun | undefined;

    await group('cheap precopy sweep, 1 and 2 workers', async () => {
      oneRun = await migsweep(['sweep', cheap, '--out', one, '--workers', '1', '--quiet', '--force']);
      const two = await migsweep(['sweep', cheap, '--out', join(dir, 'two'), '--workers', '2', '--quiet', '--force']);
      if (digest(join(one, 'runs.csv')) !== digest(join(dir, 'two', 'runs.csv'))) throw new Error('runs.csv differs between 1 and 2 workers');
      const engine = engineAlone(cheap);
      const worker = workerAlone(cheap);
      tasks = engine.tasks;
      const sample = sampleRows(join(one, 'runs.csv'));
      const probeMs = csvProbe(sample, tasks, join(dir, 'probe.csv'));
      const n = tasks.toLocaleString('en-US');
      rows.push({
        name: `command sweep ${n} cheap precopy tasks, 1 worker, report included`,
        unit: 'tasks/s',
        value: perSec(tasks, oneRun.ms),
        biggerIsBetter: true,
        extra: `${s(oneRun.ms)}, peak RSS ${mib(oneRun.peakRssBytes)} (bench/sweeps/million.yaml, --format csv)`,
        command: COMMAND,
      });
      rows.push({
        name: `command sweep ${n} cheap precopy tasks, 2 workers, report included`,
        unit: 'tasks/s',
        value: perSec(tasks, two.ms),
        biggerIsBetter: true,
        extra: `${s(two.ms)}, peak RSS ${mib(two.peakRssBytes)}`,
        command: COMMAND,
      });
      rows.push({
        name: 'command sweep speedup, 2 workers vs 1, report included',
        unit: 'x',
        value: oneRun.ms / two.ms,
        biggerIsBetter: true,
        scope: 'run',
        extra: 'target >= 1.7',
        command: COMMAND,
      });
      // two CPUs cannot do C ms of CPU work in less than C / 2 ms: the most 2 workers can gain here, doing the work they do
      const cpus = Math.min(2, availableParallelism());
      rows.push({
        name: 'command sweep CPU time, all threads, 1 worker and 2 workers',
        unit: 's',
        value: two.cpuMs / 1000,
        biggerIsBetter: false,
        extra: `2 workers ${s(two.cpuMs)} (wall ${s(two.ms)}), 1 worker ${s(oneRun.cpuMs)} (wall ${s(oneRun.ms)}), the engine alone ${s(engine.cpuMs)}; from /proc/self/stat's cutime and cstime`,
        command: COMMAND,
      });
      rows.push({
        name: 'command sweep speedup bound, 2 workers vs 1, on this machine',
        unit: 'x',
        value: (cpus * oneRun.ms) / two.cpuMs,
        biggerIsBetter: true,
        scope: 'run',
        extra: `${cpus} CPUs x the 1-worker wall time / the 2-worker CPU time: ${cpus} CPUs cannot do ${s(two.cpuMs)} of work in less than ${s(two.cpuMs / cpus)}`,
        command: COMMAND,
      });
      rows.push({
        name: 'command sweep throughput vs engine alone, 1 worker, csv',
        unit: '%',
        value: (100 * engine.ms) / oneRun.ms,
        biggerIsBetter: true,
        scope: 'run',
        extra: `target >= 80; engine alone (simulate() in a tight loop) ${s(engine.ms)}, ${Math.round(perSec(tasks, engine.ms)).toLocaleString('en-US')} tasks/s`,
        command: COMMAND,
      });
      rows.push({
        name: 'command sweep throughput vs worker alone, 1 worker, csv',
        unit: '%',
        value: (100 * worker.ms) / oneRun.ms,
        biggerIsBetter: true,
        scope: 'run',
        extra: `the worker's batches in a tight loop with no main thread (build each scenario and its texts, simulate, keep the numbers: bench/worker-alone.ts) ${s(worker.ms)}, ${Math.round(perSec(tasks, worker.ms)).toLocaleString('en-US')} tasks/s`,
        command: COMMAND,
      });
      rows.push({
        name: 'command sweep throughput vs bare CSV-text probe, 1 worker',
        unit: '%',
        value: (100 * probeMs) / oneRun.ms,
        biggerIsBetter: true,
        scope: 'run',
        extra: `the same rows turned into CSV text and written in a tight loop: ${s(probeMs)}, ${Math.round(perSec(tasks, probeMs)).toLocaleString('en-US')} rows/s`,
        command: COMMAND,
      });
      if (await hasParquet()) {
        const pq = await migsweep(['sweep', cheap, '--out', join(dir, 'parquet'), '--workers', '1', '--format', 'parquet', '--quiet', '--force']);
        rows.push({
          name: `command sweep ${n} cheap precopy tasks, 1 worker, parquet, report included`,
          unit: 'tasks/s',
          value: perSec(tasks, pq.ms),
          biggerIsBetter: true,
          extra: `target >= 150,000; ${s(pq.ms)}, peak RSS ${mib(pq.peakRssBytes)}`,
          command: COMMAND,
        });
        rows.push({
          name: 'command sweep throughput vs engine alone, 1 worker, parquet',
          unit: '%',
          value: (100 * engine.ms) / pq.ms,
          biggerIsBetter: true,
          scope: 'run',
          extra: 'target >= 80',
          command: COMMAND,
        });
        rmSync(join(dir, 'parquet'), { recursive: true, force: true });
      } else process.stderr.write('bench commands: `migsweep sweep --format parquet` not in this build; the parquet rows are left out\n');
      rmSync(join(dir, 'two'), { recursive: true, force: true });
      rmSync(join(dir, 'probe.csv'), { force: true });
    });

    await group('report on an existing run', async () => {
      if (oneRun === undefined) throw new Error('no run to report on (the 1-worker sweep failed)');
      const r = await migsweep(['report', one]);
      rows.push({
        name: `command report on an existing ${tasks.toLocaleString('en-US')}-row run`,
        unit: 's',
        value: r.ms / 1000,
        biggerIsBetter: false,
        extra: `target < 10 s and < 1 GiB; peak RSS ${mib(r.peakRssBytes)}`,
        command: COMMAND,
      });
      rows.push({
        name: `command report on an existing ${tasks.toLocaleString('en-US')}-row run, peak RSS`,
        unit: 'MiB',
        value: r.peakRssBytes / MiB,
        biggerIsBetter: false,
        extra: 'target < 1024',
        command: COMMAND,
      });
    });
    rmSync(one, { recursive: true, force: true });

    await group('policy-constants sweep', async () => {
      const file = join(PACKAGE_ROOT, 'sweeps', 'examples', 'policy-constants.yaml');
      if (!existsSync(file)) throw new Error(`${file} is missing`);
      const out = join(dir, 'policy-constants');
      const sweep = await migsweep(['sweep', file, '--out', out, '--workers', '2', '--quiet', '--force']);
      const report = await migsweep(['report', out]);
      const html = statSync(join(out, 'index.html')).size;
      rows.push({
        name: 'command sweep policy-constants.yaml (2,400 tasks, four axes), 2 workers, report included',
        unit: 's',
        value: sweep.ms / 1000,
        biggerIsBetter: false,
        extra: `peak RSS ${mib(sweep.peakRssBytes)}`,
        command: COMMAND,
      });
      rows.push({
        name: 'command report policy-constants.yaml (2,400 tasks)',
        unit: 's',
        value: report.ms / 1000,
        biggerIsBetter: false,
        extra: `target < 5 s; peak RSS ${mib(report.peakRssBytes)}`,
        command: COMMAND,
      });
      rows.push({
        name: 'report policy-constants.yaml, index.html size',
        unit: 'MB',
        value: html / 1e6,
        biggerIsBetter: false,
        extra: 'target < 5 MB',
        command: COMMAND,
      });
      rmSync(out, { recursive: true, force: true });
    });

    if (process.env[TEN_MILLION_ENV] === '1') {
      await group('10,000,000-task sweep', async () => {
        const file = process.env[QUICK_ENV] === '1' ? cheap : join(PACKAGE_ROOT, 'bench', 'sweeps', 'ten-million.yaml');
        const out = join(dir, 'ten-million');
        const r = await migsweep(['sweep', file, '--out', out, '--workers', '2', '--quiet', '--force']);
        if (!existsSync(join(out, 'index.html'))) throw new Error('the 10,000,000-task sweep wrote no report');
        const n = (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { counts: { done: number } }).counts.done;
        rows.push({
          name: `command sweep ${n.toLocaleString('en-US')} cheap precopy tasks, 2 workers, report included, peak RSS`,
          unit: 'MiB',
          value: r.peakRssBytes / MiB,
          biggerIsBetter: false,
          extra: `target < 1024; exit 0, ${s(r.ms)}, ${Math.round(perSec(n, r.ms)).toLocaleString('en-US')} tasks/s, report written`,
          command: 'npm run bench -- commands --ten-million',
        });
        rmSync(out, { recursive: true, force: true });
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) process.exitCode = 1;
  return rows;
}
