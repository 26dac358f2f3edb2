/**
 * The CI matrix simulated here: shard processes started the way a
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX) and a Slurm array
 * (SLURM_ARRAY_TASK_ID) start them, merged, then compared with a run on one
 * machine: no difference, exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Comparison } from '../../src/compare/types.js';
import { mergeShards } from '../../src/sweep/merge.js';
import { runSweep } from '../../src/sweep/session.js';
import { CLI, Sink, migsweep, sweepFile, tempDir } from '../sweep/helpers.js';
import { SHARD_ENV } from './local-runner.js';

/** 2 policies x 4 dirty rates x 2 links over a jittered link, 3 replicates: 16 scenarios whose replicates differ. */
const SWEEP = `
name: matrix
seed: 5
replicates: 3
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 32MiB/s }
  link: { bandwidth: 1Gbit/s, jitter: 0.2 }
  policy: { kind: qemu, downtimeLimit: 300ms }
  horizon: 5min
axes:
  workload.dirtyRate: [8MiB/s, 32MiB/s, 128MiB/s, 512MiB/s]
  link.bandwidth: [1Gbit/s, 10Gbit/s]
variants:
  - name: qemu
  - name: pause
    set: { policy: [ { kind: qemu, downtimeLimit: 300ms }, { kind: pause-after, timeout: 20s } ] }
`;

/** The CLI in a process of its own with exactly these shard variables (none inherited). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SHARD_ENV.includes(k)));
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

const dir = tempDir();
let file = '';
let one = '';

before(async () => {
  file = sweepFile(dir, 'matrix', SWEEP);
  // the one-machine run and the merges in this process; the shards are processes of their own, as in the cluster
  one = join(dir, 'one');
  const r = await runSweep({ file, out: one, workers: 1, progress: 'quiet', stdout: new Sink(), stderr: new Sink(), hooks: [] });
  assert.equal(r.exitCode, 0);
});

async function roundTrip(name: string, count: number, envOf: (k: number) => Record<string, string>): Promise<Comparison> {
  const shards = Array.from({ length: count }, (_, k) => join(dir, name, `shard-${k}`));
  const runs = await Promise.all(shards.map((out, k) => cli(['sweep', file, '--out', out, '--quiet', '--workers', '1'], envOf(k))));
  runs.forEach((r, k) => assert.equal(r.code, 0, `shard ${k}: ${r.err}`));
  const merged = join(dir, name, 'merged');
  const m = await mergeShards({ dirs: [...shards].reverse(), out: merged, quiet: true, stdout: new Sink(), stderr: new Sink(), hooks: [] });
  assert.equal(m.exitCode, 0);
  assert.equal(readFileSync(join(merged, 'runs.csv'), 'utf8'), readFileSync(join(one, 'runs.csv'), 'utf8'));
  const c = migsweep(['compare', one, merged, '--json']);
  assert.equal(c.code, 0, c.err);
  return JSON.parse(c.out) as Comparison;
}

function assertNoDifference(c: Comparison): void {
  assert.equal(c.exitCode, 0);
  assert.equal(c.counts.matched, 16);
  assert.deepEqual([c.regressions, c.improvements, c.changed, c.notSignificant, c.baselineOnly, c.candidateOnly, c.settingDifferences], [[], [], [], [], [], [], []]);
  // every replicate paired with its twin (the same seed), every value the same
  assert.equal(c.settings.paired, 16);
  assert.ok(c.scenarios.every((s) => s.metrics.every((m) => m.verdict === 'unchanged' || m.verdict === 'no-data')));
}

test('a Kubernetes Indexed Job: 2 shard processes with JOB_COMPLETION_INDEX and MIGSWEEP_SHARD_COUNT, merged, equal a one-machine run', async () => {
  assertNoDifference(await roundTrip('k8s', 2, (k) => ({ JOB_COMPLETION_INDEX: String(k), MIGSWEEP_SHARD_COUNT: '2' })));
});

test('a Slurm array --array=1-3: SLURM_ARRAY_TASK_ID from SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT, merged, equal a one-machine run', async () => {
  assertNoDifference(await roundTrip('slurm', 3, (k) => ({ SLURM_ARRAY_TASK_ID: String(k + 1), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' })));
});
