/**
 * Disk space: the estimate said before a sweep starts, a run refused when it
 * clearly does not fit, and a write that fails mid-run (a full disk, a
 * read-only folder): exit 1, the file named, nothing written lost, and
 * --resume once there is room makes the same bytes as a run that never
 * failed. The failures are injected (every machine), and made real on a
 * small tmpfs where this process may mount one (root, as in .ci/run).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { estimateDisk } from '../../src/sweep/disk.js';
import { mergeShards } from '../../src/sweep/merge.js';
import { WriteFailure } from '../../src/sweep/sink.js';
import { sampleTasks } from '../../src/sweep/sample.js';
import { loadSweep } from '../../src/sweep/session.js';
import { migsweep, read, Sink, sweepFile, sweeper, tempDir } from './helpers.js';

const dir = tempDir();

/** 60 scenarios x 1 replicate and 20 x 3: a few hundred rows, a summary row per scenario. */
const SWEEP = sweepFile(
  dir,
  'disk',
  `name: disk
seed: 5
replicates: 3
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 10MiB/s, workingSet: 256MiB }
  link: { bandwidth: 1Gbit/s, jitter: 0.1 }
  policy: { kind: qemu-2011 }
  horizon: 10min
axes:
  workload.dirtyRate: { from: 1MiB/s, to: 1GiB/s, steps: 20, scale: log }
  link.bandwidth: [100Mbit/s, 1Gbit/s, 10Gbit/s]
`,
);

const sweep = sweeper(SWEEP, dir);

describe('disk space', async () => {
  const reference = await sweep({ workers: 1 });
  const runsCsv = read(join(reference.out, 'runs.csv'));
  const summaryCsv = read(join(reference.out, 'summary.csv'));

  test('the estimate: the mean row of the tasks sampled, and the summary row shared by the replicates', () => {
    const grid = loadSweep(SWEEP).grid;
    // 60 scenarios, 8 sampled (first replicates of scenarios 0, 7, 15, ...): their rows' bytes, from runs.csv
    const cost = sampleTasks(grid, null, 8, Infinity);
    assert.equal(cost.sampled, 8);
    const lines = runsCsv.split('\n').slice(1);
    const picked = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Math.floor((i * 60) / 8) * 3);
    const bytes = picked.reduce((a, o) => a + Buffer.byteLength(`${lines[o]}\n`), 0);
    assert.equal(cost.runsBytesPerTask, bytes / 8);
    const e = estimateDisk(dir, 1000, { msPerTask: 1, runsBytesPerTask: 100, summaryBytesPerTask: 20, sampled: 8 }, 'both');
    assert.equal(e.needBytes, 1000 * (2 * 100 + 20));
    assert.match(e.text, /^about 214\.8 KiB \(1,000 tasks x ~220 B: runs\.csv, runs\.parquet and summary\.csv\); .* free in \//);
  });

  test('the start says how much the run will take and how much is free', async () => {
    const r = await sweep({ progress: 'lines' });
    assert.match(r.stderr, /\ndisk: about [\d.]+ KiB \(180 tasks x ~[\d.]+ B: runs\.csv and summary\.csv\); [\d.]+ [KMGT]iB free in \//);
  });

  test('a disk that fills mid-run: exit 1, the file named, the rows written kept; --resume with room makes the same bytes', async () => {
    const half = Math.floor(runsCsv.length / 2);
    const failed = await sweep({ writeFaults: { afterBytes: half, code: 'ENOSPC' }, batchSize: 6 });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, new RegExp(`migsweep: cannot write ${failed.out}/(runs|summary)\\.csv: no space left on the device \\(ENOSPC\\)\\n`));
    assert.match(failed.stderr, /stopped after \d+ of 180 tasks: what was written is kept in /);
    assert.match(failed.stderr, new RegExp(`continue with: migsweep sweep ${SWEEP} --out ${failed.out} --resume\\n`));
    assert.equal(JSON.parse(read(join(failed.out, 'manifest.json'))).status, 'interrupted');
    // what is on disk is the start of the reference, cut where the disk filled
    const kept = read(join(failed.out, 'runs.csv'));
    assert.ok(kept.length > 0 && kept.length < runsCsv.length);
    assert.ok(runsCsv.startsWith(kept));
    const resumed = await sweep({ out: failed.out, resume: true });
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.equal(read(join(failed.out, 'runs.csv')), runsCsv);
    assert.equal(read(join(failed.out, 'summary.csv')), summaryCsv);
  });

  test('a merge whose disk fills: the write failure named, the half-merged folder removed; merged again, the same bytes', async () => {
    const shards = [0, 1].map((index) => join(dir, `shard-${index}`));
    for (const [index, out] of shards.entries()) assert.equal((await sweep({ out, shard: { index, count: 2, from: '--shard' } })).exitCode, 0);
    const out = join(dir, 'merged');
    const quiet = { dirs: shards, out, quiet: true, stdout: new Sink(), stderr: new Sink() };
    await assert.rejects(mergeShards({ ...quiet, writeFaults: { afterBytes: 5000, code: 'ENOSPC' } }), (e: Error) => {
      assert.ok(e instanceof WriteFailure);
      assert.equal(e.message, `cannot write ${out}/runs.csv: no space left on the device (ENOSPC)`);
      return true;
    });
    assert.equal(existsSync(out), false);
    assert.equal((await mergeShards(quiet)).exitCode, 0);
    assert.equal(read(join(out, 'runs.csv')), runsCsv);
    assert.equal(read(join(out, 'summary.csv')), summaryCsv);
  });

  test('a read-only folder at the start: exit 1, nothing run, the file named', async () => {
    const r = await sweep({ writeFaults: { afterBytes: 0, code: 'EROFS' } });
    assert.equal(r.exitCode, 1);
    assert.equal(r.done, 0);
    assert.match(r.stderr, new RegExp(`cannot write ${r.out}/runs\\.csv: the file system is read-only \\(EROFS\\); nothing was run`));
  });

  // a real small file system: tmpfs needs root (CI runs as root); elsewhere this part says why it is skipped
  const mnt = join(dir, 'tmpfs');
  mkdirSync(mnt);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]).status === 0;
  if (mounted) after(() => spawnSync('umount', [mnt]));
  const why = mounted ? false : 'cannot mount a tmpfs here (not root, or no mount in this container)';

  test(
    'a real 16 KiB tmpfs: the run is refused before it starts (exit 2), and a run started with --yes stops when it is full; a merge that will not fit is refused',
    { skip: why },
    () => {
      assert.ok(runsCsv.length > 16 * 1024, 'the sweep must not fit in 16 KiB');
      const out = join(mnt, 'run');
      const refused = migsweep(['sweep', SWEEP, '--out', out, '--quiet', '--no-report', '--workers', '1']);
      assert.equal(refused.code, 2, refused.err);
      assert.match(refused.err, /run: this run needs about [\d.]+ KiB .* free in .*tmpfs: it will not fit\. Free some space/);

      const full = migsweep(['sweep', SWEEP, '--out', out, '--quiet', '--no-report', '--workers', '1', '--yes']);
      assert.equal(full.code, 1, full.err);
      assert.match(full.err, /cannot write .*tmpfs\/run\/(runs|summary)\.csv: no space left on the device \(ENOSPC\)/);
      const kept = readFileSync(join(out, 'runs.csv'), 'utf8');
      assert.ok(runsCsv.startsWith(kept));

      // a merge checks the same way, from the sizes of the shards' files
      const shards = [0, 1].map((index) => join(dir, `shard-${index}`));
      const merge = migsweep(['merge', ...shards, '--out', join(mnt, 'merged'), '--quiet', '--no-report']);
      assert.equal(merge.code, 2, merge.err);
      assert.match(merge.err, /merged: the merged run needs about [\d.]+ KiB \(the shards' runs\.csv and summary\.csv\), and .*tmpfs has [\d.]+ K?i?B free: it will not fit/);

      // room again: the same bytes as the run that never failed
      execFileSync('mount', ['-o', 'remount,size=4m', mnt]);
      const resumed = migsweep(['sweep', SWEEP, '--out', out, '--resume', '--quiet', '--no-report']);
      assert.equal(resumed.code, 0, resumed.err);
      assert.equal(read(join(out, 'runs.csv')), runsCsv);
      assert.equal(read(join(out, 'summary.csv')), summaryCsv);
      assert.ok(statSync(join(out, 'manifest.json')).size > 0);
    },
  );
});
