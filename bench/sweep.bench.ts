/**
 * The sweep harness (issue 3's performance figures):
 * - a 200,000-task sweep (bench/sweeps/throughput.yaml) end to end with 1
 *   and with 2 workers: throughput and speedup (target >= 1.8x);
 * - the harness's cost on top of the engine alone on the same tasks
 *   (expansion, checks, pool, CSV, aggregation; 1 worker; target <= 25%);
 *   the engine alone is the sum of the simulate() calls of every task, run
 *   here one after the other;
 * - the peak memory of a 1,000,000-task sweep of cheap convergent runs
 *   (bench/sweeps/million.yaml; target < 1 GiB), in a process of its own;
 * - the wall time of sweeps/default.yaml (`npm run sweep`).
 * Wall-clock figures suffer from other programs on the machine: the engine
 * alone and each sweep are timed REPEAT times, interleaved, and the fastest
 * counts; the ceiling
 * row says what 2 plain threads of engine work get on this machine at the
 * time (no pool, no output), and the CPU-time overhead does not depend on
 * free cores.
 */
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { PACKAGE_ROOT } from '../src/sweep/output.js';
import { runSweep } from '../src/sweep/session.js';
import { validateScenario } from '../src/scenario/validate.js';
import { engineAlone } from './engine-alone.js';
import { benchSweepFile } from './sweep-files.js';
import { QUICK_ENV, type BenchRow } from './types.js';

/** Each wall-clock measurement is the fastest of this many. */
const REPEAT = 2;

const sink = () => new Writable({ write: (_c, _e, done) => done() });

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

/** A whole sweep in this process: wall time, CPU time (all threads), and a digest of runs.csv. */
async function timedSweep(file: string, out: string, workers: number): Promise<{ ms: number; cpuMs: number; tasks: number; digest: string }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runSweep({ file, out, workers, progress: 'quiet', stdout: sink(), stderr: process.stderr, hooks: [], force: true });
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  if (r.exitCode !== 0) throw new Error(`bench sweep ${file} failed (exit ${r.exitCode})`);
  return {
    ms,
    cpuMs: cpu,
    tasks: r.done,
    digest: createHash('sha1')
      .update(readFileSync(join(out, 'runs.csv')))
      .digest('hex'),
  };
}

/** The machine's own ceiling: `runs` simulations in 1 plain thread, then split over 2 (ms each). */
async function ceiling(runs: number): Promise<{ one: number; two: number }> {
  const scenario = validateScenario(
    {
      vm: { ram: '4GiB' },
      workload: { kind: 'uniform', dirtyRate: '400MiB/s', workingSet: '1GiB' },
      link: { bandwidth: '1Gbit/s' },
      policy: { kind: 'qemu-2011' },
      horizon: '20min',
    },
    { file: '<bench>' },
  );
  const threads = (n: number) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      let left = n;
      for (let k = 0; k < n; k++) {
        const w = new Worker(new URL('./ceiling-worker.js', import.meta.url), { workerData: { scenario, runs: runs / n } });
        w.on('error', reject);
        w.on('message', () => {
          if (--left === 0) resolve(performance.now() - t0);
        });
      }
    });
  let one = Infinity;
  let two = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    one = Math.min(one, await threads(1));
    two = Math.min(two, await threads(2));
  }
  return { one, two };
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-bench-'));
  try {
    const rows: BenchRow[] = [];
    const cpus = availableParallelism();

    const def = await timedSweep(join(PACKAGE_ROOT, 'sweeps', 'default.yaml'), join(dir, 'default'), Math.min(2, cpus));
    rows.push({
      name: 'sweep default.yaml wall time',
      unit: 's',
      value: def.ms / 1000,
      biggerIsBetter: false,
      extra: `${def.tasks} tasks, ${Math.min(2, cpus)} workers, no report`,
    });

    const throughput = benchSweepFile(dir, 'throughput', '50');
    let engine = { ms: Infinity, cpuMs: Infinity };
    let one = { ms: Infinity, cpuMs: Infinity, tasks: 0, digest: '' };
    let two = { ...one };
    for (let i = 0; i < REPEAT; i++) {
      const e = engineAlone(throughput);
      if (e.ms < engine.ms) engine = e;
      const a = await timedSweep(throughput, join(dir, 'one'), 1);
      const b = await timedSweep(throughput, join(dir, 'two'), 2);
      if (a.digest !== b.digest) throw new Error('runs.csv differs between 1 and 2 workers');
      if (a.ms < one.ms) one = a;
      if (b.ms < two.ms) two = b;
    }
    const roof = await ceiling(process.env[QUICK_ENV] === '1' ? 400 : 2000);
    const n = one.tasks.toLocaleString('en-US');
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    rows.push({ name: `sweep ${n} tasks, 1 worker`, unit: 'tasks/s', value: one.tasks / (one.ms / 1000), biggerIsBetter: true, extra: `${s(one.ms)} (fastest of ${REPEAT})` });
    rows.push({
      name: `sweep ${n} tasks, 2 workers`,
      unit: 'tasks/s',
      value: two.tasks / (two.ms / 1000),
      biggerIsBetter: true,
      extra: `${s(two.ms)} (fastest of ${REPEAT}), ${cpus} CPUs`,
    });
    // the speedup and the ceiling depend on the machine's free cores; their quotient is the pool's own scaling, comparable across machines
    rows.push({ name: 'sweep speedup, 2 workers vs 1', unit: 'x', value: one.ms / two.ms, biggerIsBetter: true, extra: 'target >= 1.8' });
    rows.push({
      name: 'machine ceiling, 2 plain threads vs 1',
      unit: 'x',
      value: roof.one / roof.two,
      biggerIsBetter: true,
      extra: 'the engine alone in bare worker threads: what 2 threads get on this machine now (other load lowers it)',
    });
    rows.push({
      name: 'sweep speedup / machine ceiling',
      unit: 'x',
      value: one.ms / two.ms / (roof.one / roof.two),
      biggerIsBetter: true,
      scope: 'run',
      extra: 'how much of what 2 threads can get on this machine the pool gets',
    });
    rows.push({
      name: 'sweep harness overhead vs engine alone',
      unit: '%',
      value: 100 * (one.ms / engine.ms - 1),
      biggerIsBetter: false,
      scope: 'run',
      extra: `target <= 25; wall: engine alone ${s(engine.ms)} (${((1000 * engine.ms) / one.tasks).toFixed(0)} us/task), sweep with 1 worker ${s(one.ms)}`,
    });
    rows.push({
      name: 'sweep harness overhead vs engine alone, CPU time',
      unit: '%',
      value: 100 * (one.cpuMs / engine.cpuMs - 1),
      biggerIsBetter: false,
      scope: 'run',
      extra: `all threads: engine alone ${s(engine.cpuMs)}, sweep with 1 worker ${s(one.cpuMs)}`,
    });
    rmSync(join(dir, 'one'), { recursive: true, force: true });
    rmSync(join(dir, 'two'), { recursive: true, force: true });

    const million = benchSweepFile(dir, 'million', '50');
    const child = fileURLToPath(new URL('./memory-child.js', import.meta.url));
    const m = JSON.parse(
      execFileSync(process.execPath, [child, million, join(dir, 'million'), String(Math.min(2, cpus))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
    ) as { tasks: number; ms: number; maxRssKiB: number };
    rows.push({
      name: `sweep ${m.tasks.toLocaleString('en-US')} tasks, peak RSS`,
      unit: 'MiB',
      value: m.maxRssKiB / 1024,
      biggerIsBetter: false,
      extra: `target < 1024; ${(m.ms / 1000).toFixed(1)} s, ${Math.round(m.tasks / (m.ms / 1000)).toLocaleString('en-US')} tasks/s`,
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
