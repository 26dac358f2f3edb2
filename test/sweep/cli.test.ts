/**
 * migsweep sweep and merge as a user runs them: exit codes, what the
 * terminal shows, signals (SIGINT, SIGTERM, SIGKILL) and continuing with
 * --resume, shards from the environment of Kubernetes and Slurm.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migsweep, migsweepBackground, read, sweepFile, tempDir } from './helpers.js';

const dir = tempDir();

/** 1000 scenarios x 2 replicates of QEMU 0.15 that never converges (36,000 ticks each): a few seconds. */
const SLOW = sweepFile(
  dir,
  'slow',
  `name: slow
seed: 7
replicates: 2
base:
  vm: { ram: 4GiB, zeroShare: 0.1 }
  workload: { kind: uniform, dirtyRate: 1GiB/s }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu-2011 }
  horizon: 1h
axes:
  workload.dirtyRate: { from: 100MiB/s, to: 4GiB/s, steps: 50, scale: log }
  link.bandwidth: { from: 100Mbit/s, to: 10Gbit/s, steps: 20, scale: log }
`,
);

const QUICK = sweepFile(
  dir,
  'quick',
  `name: quick
replicates: 2
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 10MiB/s }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: precopy }
axes:
  workload.dirtyRate: [1MiB/s, 10MiB/s, 100MiB/s]
variants:
  - name: textbook
  - name: treutner
    set: { policy: [{ kind: precopy }, { kind: max-passes, passes: 3 }] }
`,
);

const lines = (file: string) => read(file).split('\n').length - 1;

/** The last line: the results folder, and the report when the report is registered (src/cli/report.ts). */
const resultsLine = (out: string) => new RegExp(`^results: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( {2}report: \\S+)?$`);

async function interrupted(signal: NodeJS.Signals, out: string) {
  const run = migsweepBackground(['sweep', SLOW, '--out', out, '--workers', '2']);
  const runs = join(out, 'runs.csv');
  while (!(existsSync(runs) && lines(runs) > 1)) await sleep(20);
  run.child.kill(signal);
  return run.done;
}

describe('migsweep sweep on the command line', () => {
  const whole = join(dir, 'whole');
  const reference = migsweep(['sweep', SLOW, '--out', whole, '--quiet']);

  test('an uninterrupted run: exit 0, only the results line with --quiet', () => {
    assert.equal(reference.code, 0, reference.err);
    assert.match(reference.out.trimEnd(), resultsLine(whole));
    assert.equal(reference.out.split('\n').length, 2);
    // nothing from the sweep on stderr (the report, when registered, may say which charts it skipped)
    assert.equal(
      reference.err
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('migsweep: report:'))
        .join('\n'),
      '',
    );
    assert.equal(lines(join(whole, 'runs.csv')), 2001);
  });

  test('Ctrl-C (SIGINT): exit 130, finished batches on disk, and the command that continues; --resume makes the same bytes', async () => {
    const out = join(dir, 'sigint');
    const r = await interrupted('SIGINT', out);
    assert.equal(r.code, 130, r.err);
    const m = /interrupted: ([\d,]+) of 2,000 tasks are done and saved in (.*)\n/.exec(r.err);
    assert.ok(m, r.err);
    assert.equal(m[2], out);
    const done = Number(m[1]!.replace(/,/g, ''));
    assert.ok(done > 0 && done < 2000, `${done}`);
    assert.equal(lines(join(out, 'runs.csv')), done + 1);
    assert.equal(JSON.parse(read(join(out, 'manifest.json'))).status, 'interrupted');
    const hint = /continue with: migsweep (.*)\n/.exec(r.err);
    assert.equal(hint?.[1], `sweep ${SLOW} --out ${out} --resume`);
    const resumed = migsweep([...hint[1].split(' '), '--quiet']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(read(join(out, 'runs.csv')), read(join(whole, 'runs.csv')));
    assert.equal(read(join(out, 'summary.csv')), read(join(whole, 'summary.csv')));
  });

  test('a second Ctrl-C stops at once (exit 130, whole rows kept); --resume makes the same bytes', async () => {
    const out = join(dir, 'sigint-twice');
    const run = migsweepBackground(['sweep', SLOW, '--out', out, '--workers', '2']);
    const runs = join(out, 'runs.csv');
    while (!(existsSync(runs) && lines(runs) > 1)) await sleep(20);
    run.child.kill('SIGINT');
    // two signals close together may reach the process as one: send the second once the first is seen
    // (the batches in flight, ~100 ms of work each, are still running then)
    while (!run.stderr().includes('SIGINT: finishing the batches in flight')) await sleep(2);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /SIGINT again: stopping now; the tasks written so far are kept/);
    assert.match(r.err, /interrupted: [\d,]+ of 2,000 tasks are done and saved in /);
    assert.equal(JSON.parse(read(join(out, 'manifest.json'))).status, 'interrupted');
    // every row on disk is whole and is the reference's row
    const kept = read(runs);
    assert.ok(kept.endsWith('\n'));
    assert.ok(read(join(whole, 'runs.csv')).startsWith(kept));
    const resumed = migsweep(['sweep', SLOW, '--out', out, '--resume', '--quiet']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(read(runs), read(join(whole, 'runs.csv')));
    assert.equal(read(join(out, 'summary.csv')), read(join(whole, 'summary.csv')));
  });

  test('SIGTERM stops the same way', async () => {
    const r = await interrupted('SIGTERM', join(dir, 'sigterm'));
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /SIGTERM: finishing the batches in flight/);
    assert.match(r.err, /continue with: migsweep sweep .* --resume/);
  });

  test('SIGKILL loses at most the batches in flight: --resume cuts the half-written line and finishes with the same bytes', async () => {
    const out = join(dir, 'sigkill');
    const r = await interrupted('SIGKILL', out);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(lines(join(out, 'runs.csv')) < 2001);
    const resumed = migsweep(['sweep', SLOW, '--resume', '--out', out, '--quiet']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(read(join(out, 'runs.csv')), read(join(whole, 'runs.csv')));
  });

  test('without a terminal: plain progress lines on stderr; the table and then the results line on stdout', () => {
    const out = join(dir, 'plain');
    const r = migsweep(['sweep', QUICK, '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^sweep quick: 12 tasks \(6 scenarios x 2 replicates, 2 variants\); \d+ workers? -> /);
    assert.match(r.err, /\nprogress: 100\.0% 12\/12 tasks, [\d,]+\/s\n/);
    assert.doesNotMatch(r.err, /\r/);
    const o = r.out.trimEnd().split('\n');
    assert.match(o[1]!, /^variant +runs +completed +total time \(median\) +downtime \(median\) +downtime \(p95\) +transfer factor \(median\) +errors$/);
    assert.match(o[2]!, /^textbook +6 /);
    assert.match(o[3]!, /^treutner +6 /);
    assert.match(o.at(-1) ?? '', resultsLine(out));
  });

  test('without --out, results/<sweep>/<date-time>/; a Kubernetes Indexed Job shard from JOB_COMPLETION_INDEX', () => {
    const cwd = tempDir();
    const r = migsweep(['sweep', QUICK, '--quiet', '--shard-count', '2'], { JOB_COMPLETION_INDEX: '1' }, cwd);
    assert.equal(r.code, 0, r.err);
    const [run] = readdirSync(join(cwd, 'results', 'quick'));
    assert.ok(run !== undefined);
    assert.match(run, /^\d{8}-\d{6}-shard-1-of-2$/);
    assert.match(r.out.trimEnd(), resultsLine(join('results', 'quick', run)));
    // a shard is not a whole sweep: no report until the merge
    assert.doesNotMatch(r.out, /report:/);
    const m = JSON.parse(read(join(cwd, 'results', 'quick', run, 'manifest.json')));
    assert.deepEqual(m.shard, { index: 1, count: 2, from: 'JOB_COMPLETION_INDEX' });
    assert.equal(m.counts.tasks, 6);
  });

  test('Slurm array shards merged by migsweep merge equal one run', () => {
    const shards = [0, 1, 2].map((k) => {
      const out = join(dir, `slurm-${k}`);
      const r = migsweep(['sweep', QUICK, '--out', out, '--quiet'], { SLURM_ARRAY_TASK_ID: String(k + 1), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' });
      assert.equal(r.code, 0, r.err);
      return out;
    });
    const one = join(dir, 'slurm-one');
    assert.equal(migsweep(['sweep', QUICK, '--out', one, '--quiet']).code, 0);
    const merged = join(dir, 'slurm-merged');
    const r = migsweep(['merge', ...shards, '--out', merged]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^merged 3 shards: 12 tasks\n/);
    assert.equal(read(join(merged, 'runs.csv')), read(join(one, 'runs.csv')));
    const missing = migsweep(['merge', shards[0]!, shards[2]!, '--out', join(dir, 'slurm-bad')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /shard 1\/3 missing/);
  });

  test('bad flags are bad input (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['--workers', '0'], /--workers: expected a whole number of at least 1, found '0'/],
      [['--shard', '3/3'], /shard 3 of 3 does not exist/],
      [['--resume', '--force'], /give one of them/],
      [['--format', 'parket'], /--format: unknown format 'parket'; did you mean 'parquet'\? \(expected one of csv, parquet, both\)/],
      [['--format', 'cvs'], /--format: unknown format 'cvs'; did you mean 'csv'\?/],
    ];
    for (const [flags, message] of cases) {
      const r = migsweep(['sweep', QUICK, '--out', join(dir, 'never'), ...flags]);
      assert.equal(r.code, 2, flags.join(' '));
      assert.match(r.err, message);
    }
    assert.equal(existsSync(join(dir, 'never')), false);
    const noFile = migsweep(['sweep', join(dir, 'nope.yaml')]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.err, /nope.yaml: no such file/);
  });

  test('--format csv is recorded in the manifest; --no-report leaves the report out', () => {
    const out = join(dir, 'no-report');
    const r = migsweep(['sweep', QUICK, '--out', out, '--quiet', '--format', 'csv', '--no-report']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `results: ${out}\n`);
    assert.equal(JSON.parse(read(join(out, 'manifest.json'))).runsFormat, 'csv');
    assert.deepEqual(readdirSync(out).sort(), ['manifest.json', 'runs.csv', 'summary.csv']);
  });

  test('results folders are plain files: runs.csv ends with a newline', () => {
    const file = join(whole, 'runs.csv');
    assert.ok(statSync(file).size > 0);
    assert.ok(read(file).endsWith('\n'));
  });
});
