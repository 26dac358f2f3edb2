/**
 * End to end through the pool: what runs.csv, summary.csv and manifest.json
 * hold, that they are the same bytes whatever the worker count, batch size
 * or sharding, and what happens when the engine throws or a worker dies.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/engine/index.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { METRIC_COLUMNS } from '../../src/scenario/flatten.js';
import { DOCUMENTED_METRICS } from '../cli/metric-names.js';
import { mergeShards } from '../../src/sweep/merge.js';
import { parseCsvLine } from '../../src/sweep/csv.js';
import { fnv1a, read, rows, Sink, sweepFile, sweeper, tempDir, TEST_SRC } from './helpers.js';

const MiB = 2 ** 20;
const dir = tempDir();

/** 4 rates x 2 links x 2 variants x 3 replicates = 48 tasks; the jittery link makes replicates differ. */
const SMALL = sweepFile(
  dir,
  'small',
  `name: small
seed: 9
replicates: 3
base:
  vm: { ram: 1GiB, zeroShare: 0.1 }
  workload: { kind: uniform, dirtyRate: 10MiB/s, workingSet: 256MiB }
  link: { bandwidth: 1Gbit/s, jitter: 0.2 }
  policy: { kind: qemu-2011 }
  horizon: 10min
axes:
  workload.dirtyRate: [1MiB/s, 3MiB/s, 30MiB/s, 300MiB/s]
  link.bandwidth: [100Mbit/s, 1Gbit/s]
variants:
  - name: qemu-2011
  - name: treutner
    set: { policy: [{ kind: qemu-2011 }, { kind: max-passes, passes: 5 }, { kind: transfer-factor, factor: 2 }] }
charts:
  - { kind: pareto, x: totalTimeMs, y: downtimeMs }
`,
);

let n = 0;
const sweep = sweeper(SMALL, dir);

type Row = Record<string, string>;
function table(csv: string): Row[] {
  const [head, ...lines] = csv.trimEnd().split('\n');
  const cols = parseCsvLine(head ?? '');
  return lines.map((l) => Object.fromEntries(parseCsvLine(l).map((v, i): [string, string] => [cols[i]!, v])));
}

describe('a sweep run', async () => {
  // the rows written by the worker itself (the default with as many workers as CPUs)
  const reference = await sweep({ workers: 1, mainWritesRows: false });
  const runsCsv = read(join(reference.out, 'runs.csv'));
  const summaryCsv = read(join(reference.out, 'summary.csv'));
  const runs = table(runsCsv);

  test('exits 0 and prints the results folder as the last line', () => {
    assert.equal(reference.exitCode, 0);
    assert.equal(reference.stdout, `results: ${reference.out}\n`);
    assert.equal(runs.length, 48);
  });

  test('runs.csv: ids, the metrics of migsweep run --json, the scenario columns, error last', () => {
    const head = parseCsvLine(runsCsv.split('\n')[0]!);
    assert.deepEqual(head.slice(0, 4), ['taskId', 'scenarioId', 'variant', 'replicate']);
    const metrics = [...DOCUMENTED_METRICS];
    assert.deepEqual(head.slice(4, 4 + metrics.length), metrics);
    assert.deepEqual([...METRIC_COLUMNS], metrics, 'every row check below walks these');
    assert.equal(head.at(-1), 'error');
    for (const c of ['dirtyRateBytesPerSec', 'bandwidthBytesPerSec', 'max-passes_passes', 'transfer-factor_factor', 'seed', 'policy']) assert.ok(head.includes(c), c);
    // the first variant has no max-passes: empty cells
    assert.equal(runs[0]!['max-passes_passes'], '');
    assert.equal(runs[24]!['max-passes_passes'], '5');
  });

  test('every row is the engine result of its scenario with the seed FNV-1a("9:" + task id), written exactly', () => {
    for (const r of runs) {
      assert.equal(Number(r.seed), fnv1a(`9:${r.taskId}`));
      const s = validateScenario(
        {
          vm: { ram: '1GiB', zeroShare: 0.1 },
          workload: { kind: 'uniform', dirtyRate: Number(r.dirtyRateBytesPerSec), workingSet: '256MiB' },
          link: { bandwidth: Number(r.bandwidthBytesPerSec), jitter: 0.2 },
          policy: r.variant === 'qemu-2011' ? [{ kind: 'qemu-2011' }] : [{ kind: 'qemu-2011' }, { kind: 'max-passes', passes: 5 }, { kind: 'transfer-factor', factor: 2 }],
          horizon: '10min',
          seed: Number(r.seed),
        },
        { file: 'test' },
      );
      const want = simulate(s);
      for (const m of METRIC_COLUMNS) {
        const v = want[m];
        assert.equal(r[m], typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v), `${r.taskId} ${m}`);
      }
      assert.equal(r.error, '');
    }
    // the order: variant, then rate, then link, then replicate
    assert.deepEqual(
      runs.slice(0, 4).map((r) => [r.dirtyRateBytesPerSec, r.bandwidthBytesPerSec, r.replicate]),
      [
        [String(MiB), '12500000', '0'],
        [String(MiB), '12500000', '1'],
        [String(MiB), '12500000', '2'],
        [String(MiB), '125000000', '0'],
      ],
    );
    // with a jittery link the replicates differ
    assert.notEqual(runs[0]!.totalTimeMs, runs[1]!.totalTimeMs);
  });

  test('summary.csv: one row per scenario, statistics over its replicates worked out here', () => {
    const summary = table(summaryCsv);
    assert.equal(summary.length, 16);
    for (const s of summary) {
      const reps = runs.filter((r) => r.scenarioId === s.scenarioId);
      assert.equal(reps.length, 3);
      assert.equal(s.n, '3');
      assert.equal(s.errors, '0');
      assert.equal(s.seed, undefined, 'the seed is not a scenario parameter');
      assert.equal(s.dirtyRateBytesPerSec, reps[0]!.dirtyRateBytesPerSec);
      const completed = reps.filter((r) => r.outcome === 'completed').length;
      assert.equal(Number(s.completedShare), completed / 3);
      assert.equal(Number(s.unfinishedShare), reps.filter((r) => r.outcome === 'unfinished').length / 3);
      const t = reps.map((r) => Number(r.totalTimeMs)).sort((a, b) => a - b);
      const mean = (t[0]! + t[1]! + t[2]!) / 3;
      assert.ok(Math.abs(Number(s.totalTimeMs_mean) - mean) <= 1e-9 * mean);
      assert.equal(Number(s.totalTimeMs_median), t[1]);
      assert.equal(Number(s.totalTimeMs_min), t[0]);
      assert.equal(Number(s.totalTimeMs_max), t[2]);
      // p95 of three: rank 2 x 0.95 = 1.9 -> t1 + 0.9 (t2 - t1)
      assert.ok(Math.abs(Number(s.totalTimeMs_p95) - (t[1]! + 0.9 * (t[2]! - t[1]!))) <= 1e-9 * t[2]!);
      const sd = Math.sqrt(t.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
      assert.ok(Math.abs(Number(s.totalTimeMs_sd) - sd) <= 1e-6 * Math.max(1, sd));
      // t(0.975, 2) = 4.302652729749462
      const half = (4.302652729749462 * sd) / Math.sqrt(3);
      assert.ok(Math.abs(Number(s.totalTimeMs_ciLow) - (mean - half)) <= 1e-6 * mean);
      // the downtime of a run that did not complete is left out
      const downs = reps.filter((r) => r.downtimeMs !== '').length;
      assert.equal(downs, completed);
      if (completed === 0) assert.equal(s.downtimeMs_mean, '');
    }
    // at 300 MiB/s QEMU 0.15 alone never finishes within the 10 min horizon
    const stuck = summary.find((s) => s.variant === 'qemu-2011' && s.dirtyRateBytesPerSec === String(300 * MiB));
    assert.equal(stuck?.unfinishedShare, '1');
    assert.equal(stuck?.downtimeMs_mean, '');
  });

  test('manifest.json: the sweep as given and resolved, versions, host, timings, counts, axes and charts', () => {
    const m = JSON.parse(read(join(reference.out, 'manifest.json')));
    assert.equal(m.tool, 'migsweep');
    assert.equal(m.status, 'complete');
    assert.equal(m.name, 'small');
    assert.equal(m.file, SMALL);
    assert.equal(m.sweep.given, readFileSync(SMALL, 'utf8'));
    assert.deepEqual(m.sweep.resolved.axes[0], { source: 'axes.workload.dirtyRate', paths: ['workload.dirtyRate'], values: [[MiB], [3 * MiB], [30 * MiB], [300 * MiB]] });
    assert.deepEqual(
      m.sweep.resolved.variants.map((v: { policy: string }) => v.policy),
      ['qemu-2011', 'qemu-2011 + max-passes(5) + transfer-factor(2)'],
    );
    assert.equal(m.seed, 9);
    assert.equal(m.replicates, 3);
    assert.equal(m.version, JSON.parse(read(join(TEST_SRC, '..', 'package.json'))).version);
    assert.equal(m.node, process.version);
    assert.equal(m.workers, 1);
    assert.equal(m.shard, null);
    assert.ok(Date.parse(m.start) <= Date.parse(m.end));
    assert.ok(m.durationMs >= 0);
    assert.deepEqual(m.counts, { tasks: 48, scenarios: 16, done: 48, errors: 0, sweepTasks: 48, sweepScenarios: 16 });
    assert.deepEqual(
      m.axes.map((a: { path: string; column: string }) => [a.path, a.column]),
      [
        ['workload.dirtyRate', 'dirtyRateBytesPerSec'],
        ['link.bandwidth', 'bandwidthBytesPerSec'],
      ],
    );
    assert.deepEqual(m.charts, [{ kind: 'pareto', x: 'totalTimeMs', y: 'downtimeMs' }]);
  });

  test('2 or 3 workers, batches of one scenario (3 tasks), of 2, or cut short by their time budget: the same runs.csv and summary.csv bytes', async () => {
    // batchBudgetMs 0: every batch stops after its first scenario and the pool sends the rest again
    for (const extra of [{ workers: 2 }, { workers: 2, batchSize: 1 }, { workers: 3, batchSize: 7 }, { workers: 2, batchSize: 12, batchBudgetMs: 0 }]) {
      const r = await sweep(extra);
      assert.equal(read(join(r.out, 'runs.csv')), runsCsv, JSON.stringify(extra));
      assert.equal(read(join(r.out, 'summary.csv')), summaryCsv, JSON.stringify(extra));
    }
  });

  test('workers that only simulate and a main thread that writes the rows (fewer workers than CPUs): the same runs.csv and summary.csv bytes', async () => {
    for (const extra of [{ workers: 1 }, { workers: 2, batchSize: 1 }, { workers: 2, batchSize: 12, batchBudgetMs: 0 }, { workers: 1, format: 'both' as const }]) {
      const r = await sweep({ ...extra, mainWritesRows: true });
      assert.equal(read(join(r.out, 'runs.csv')), runsCsv, JSON.stringify(extra));
      assert.equal(read(join(r.out, 'summary.csv')), summaryCsv, JSON.stringify(extra));
    }
  });

  test('3 shards merged in any order: the same runs.csv and summary.csv bytes', async () => {
    const shards: string[] = [];
    for (const k of [0, 1, 2]) {
      const r = await sweep({ shard: { index: k, count: 3, from: '--shard' } });
      assert.equal(r.exitCode, 0);
      shards.push(r.out);
    }
    // 16 scenarios: shard 0 has 0, 3, ..., 15 (6 scenarios), shards 1 and 2 have 5
    assert.equal(rows(read(join(shards[0]!, 'runs.csv'))).length, 18);
    assert.equal(rows(read(join(shards[1]!, 'runs.csv'))).length, 15);
    const out = join(dir, 'merged');
    const stdout = new Sink();
    const r = await mergeShards({ dirs: [shards[2]!, shards[0]!, shards[1]!], out, stdout, stderr: new Sink(), hooks: [], quiet: true });
    assert.equal(r.exitCode, 0);
    assert.equal(read(join(out, 'runs.csv')), runsCsv);
    assert.equal(read(join(out, 'summary.csv')), summaryCsv);
    const m = JSON.parse(read(join(out, 'manifest.json')));
    assert.equal(m.shard, null);
    assert.deepEqual(
      m.merged.map((s: { index: number }) => s.index),
      [0, 1, 2],
    );
    assert.equal(m.counts.done, 48);
    assert.equal(stdout.text, `results: ${out}\n`);

    const message = async (dirs: string[]) => {
      try {
        await mergeShards({ dirs, out: join(dir, `bad-merge-${n++}`), stdout: new Sink(), stderr: new Sink(), hooks: [] });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    assert.match(await message([shards[0]!, shards[2]!]), /shard 1\/3 missing: 3 shards make this sweep, 2 given/);
    assert.match(await message([shards[0]!, shards[1]!, shards[1]!, shards[2]!]), /is shard 1\/3, and so is/);
    assert.match(await message([shards[0]!, reference.out]), /holds a whole sweep, not a shard/);
    assert.match(await message([shards[0]!, dir]), /not a migsweep manifest|cannot read the manifest/);
    const other = await sweep({ shard: { index: 1, count: 3, from: '--shard' }, file: sweepFile(dir, 'other', read(SMALL).replace('seed: 9', 'seed: 10')) });
    assert.match(await message([shards[0]!, other.out, shards[2]!]), /is a shard of another sweep/);
  });

  test('an engine exception becomes an error row (message on one line, metrics empty); the rest is unchanged; exit code 1', async () => {
    const r = await sweep({ workerFile: new URL('./fixtures/throwing-worker.js', import.meta.url), progress: 'quiet' });
    assert.equal(r.exitCode, 1);
    // the same rows when the main thread writes them from the worker's numbers and messages
    const raw = await sweep({ workerFile: new URL('./fixtures/throwing-worker.js', import.meta.url), progress: 'quiet', mainWritesRows: true, workers: 1 });
    assert.equal(read(join(raw.out, 'runs.csv')), read(join(r.out, 'runs.csv')));
    assert.equal(read(join(raw.out, 'summary.csv')), read(join(r.out, 'summary.csv')));
    assert.match(r.stderr, /12 tasks failed: see the error column/);
    const got = table(read(join(r.out, 'runs.csv')));
    for (const [i, row] of got.entries()) {
      if (row.dirtyRateBytesPerSec === String(3 * MiB)) {
        assert.equal(row.error, 'engine exploded | at the third MiB');
        for (const m of METRIC_COLUMNS) assert.equal(row[m], '', m);
        assert.equal(row.taskId, runs[i]!.taskId);
        assert.equal(row.bandwidthBytesPerSec, runs[i]!.bandwidthBytesPerSec);
      } else assert.deepEqual(row, runs[i]);
    }
    const summary = table(read(join(r.out, 'summary.csv')));
    const failed = summary.filter((s) => s.errors === '3');
    assert.equal(failed.length, 4);
    for (const s of failed) assert.deepEqual([s.completedShare, s.totalTimeMs_mean], ['', '']);
    assert.equal(JSON.parse(read(join(r.out, 'manifest.json'))).counts.errors, 12);
  });

  test('a worker that dies is replaced; the task that killed it is an error row, every other row is as usual', async () => {
    const r = await sweep({ workerFile: new URL('./fixtures/dying-worker.js', import.meta.url) });
    assert.equal(r.exitCode, 1);
    const raw = await sweep({ workerFile: new URL('./fixtures/dying-worker.js', import.meta.url), mainWritesRows: true });
    assert.equal(read(join(raw.out, 'runs.csv')), read(join(r.out, 'runs.csv')));
    assert.equal(read(join(raw.out, 'summary.csv')), read(join(r.out, 'summary.csv')));
    const got = table(read(join(r.out, 'runs.csv')));
    assert.equal(got.length, 48);
    for (const [i, row] of got.entries()) {
      if (row.dirtyRateBytesPerSec === String(3 * MiB)) assert.match(row.error ?? '', /^worker failed on this task: .*7/);
      else assert.deepEqual(row, runs[i]);
    }
    // the summaries of the batches rerun task by task are made again on the main thread: the same bytes
    const summary = table(read(join(r.out, 'summary.csv')));
    const reference = table(summaryCsv);
    for (const [i, s] of summary.entries()) {
      if (s.dirtyRateBytesPerSec === String(3 * MiB)) assert.deepEqual([s.n, s.errors, s.totalTimeMs_mean], ['3', '3', '']);
      else assert.deepEqual(s, reference[i]);
    }
  });

  test('a folder is never overwritten without --force, and never if it is not a migsweep run', async () => {
    await assert.rejects(sweep({ out: reference.out }), /already holds a complete run of 'small'; --force replaces it/);
    const again = await sweep({ out: reference.out, force: true });
    assert.equal(read(join(again.out, 'runs.csv')), runsCsv);
    const foreign = join(dir, 'foreign');
    await sweep({ out: join(foreign, 'x') });
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await assert.rejects(sweep({ out: foreign, force: true }), /does not hold a migsweep run \(no manifest.json\); migsweep will not write into it, even with --force/);
  });

  test('--resume continues where runs.csv stops, cutting a half-written line; the result is the same bytes', async () => {
    const r = await sweep();
    const file = join(r.out, 'runs.csv');
    // as if killed in the middle of writing row 20
    const lines = read(file).split('\n');
    writeFileSync(file, `${lines.slice(0, 20).join('\n')}\n${lines[20]!.slice(0, 25)}`);
    const m = JSON.parse(read(join(r.out, 'manifest.json')));
    writeFileSync(join(r.out, 'manifest.json'), JSON.stringify({ ...m, status: 'running' }));
    const resumed = await sweep({ out: r.out, resume: true, progress: 'lines' });
    assert.equal(resumed.exitCode, 0);
    // 19 whole rows kept, cut back to the last whole scenario (3 replicates): 18
    assert.match(resumed.stderr, /resuming after 18 done/);
    assert.equal(read(file), runsCsv);
    assert.equal(read(join(r.out, 'summary.csv')), summaryCsv);
    const after = JSON.parse(read(join(r.out, 'manifest.json')));
    assert.equal(after.sessions.length, 2);
    assert.equal(after.sessions[1].tasks, 30);
  });

  test('--resume refuses a folder of another sweep, a damaged manifest or a damaged runs.csv', async () => {
    const r = await sweep();
    const other = sweepFile(dir, 'other2', read(SMALL).replace('replicates: 3', 'replicates: 2'));
    await assert.rejects(sweep({ out: r.out, resume: true, file: other }), /holds a run of a different sweep/);
    // the manifest records the runs format; a resume keeps it
    assert.equal(JSON.parse(read(join(r.out, 'manifest.json'))).runsFormat, 'csv');
    await assert.rejects(
      sweep({ out: r.out, resume: true, format: 'both' }),
      /--format: .* was started with --format csv; resume it with the same format \(or leave --format out\)/,
    );
    const m = read(join(r.out, 'manifest.json'));
    writeFileSync(join(r.out, 'manifest.json'), JSON.stringify({ ...JSON.parse(m), status: 'interrupted' }));
    const file = join(r.out, 'runs.csv');
    writeFileSync(file, read(file).replace(/\n[0-9a-f]{16}-1,/, '\nffffffffffffffff-1,'));
    await assert.rejects(sweep({ out: r.out, resume: true }), /row 2 should be task [0-9a-f]{16}-1, found 'ffffffffffffffff-1'; the file is damaged/);
    writeFileSync(join(r.out, 'manifest.json'), '{"tool": "migsweep", ');
    await assert.rejects(sweep({ out: r.out, resume: true }), /cannot read the manifest/);
  });

  test('--resume of a complete run has nothing to do', async () => {
    const r = await sweep({ out: reference.out, resume: true });
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /complete already \(48 tasks\); nothing to resume/);
  });

  test('after-sweep hooks get the folder once it is complete; the report path is on the last line; a failing hook fails the run', async () => {
    let seen = '';
    const ok = await sweep({
      hooks: [
        (runDir) => {
          seen = read(join(runDir, 'summary.csv'));
          return Promise.resolve(join(runDir, 'index.html'));
        },
      ],
    });
    assert.equal(seen, summaryCsv);
    assert.equal(ok.stdout, `results: ${ok.out}  report: ${join(ok.out, 'index.html')}\n`);
    const bad = await sweep({ hooks: [async () => Promise.reject(new Error('no charts today'))] });
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /after the sweep: no charts today/);
  });

  test('a sweep of more than 50 million tasks needs --yes, and says how many and roughly how long', async () => {
    const huge = sweepFile(
      dir,
      'huge',
      `name: huge
base:
  vm: { ram: 1GiB }
  workload: { kind: linear, dirtyRate: 10MiB/s }
  link: { bandwidth: 1Gbit/s }
axes:
  workload.dirtyRate: { from: 1MiB/s, to: 100MiB/s, steps: 8000 }
  link.bandwidth: { from: 1Gbit/s, to: 10Gbit/s, steps: 7500 }
`,
    );
    await assert.rejects(sweep({ file: huge }), (e: Error) => {
      assert.match(e.message, /this sweep has 60,000,000 tasks \(over 50,000,000\)/);
      assert.match(e.message, /roughly .+ on 2 workers/);
      assert.match(e.message, /Pass --yes to run it anyway/);
      return true;
    });
  });
});
