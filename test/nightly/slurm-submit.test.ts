/**
 * deploy/slurm/submit.sh asks Slurm only for what the cluster's nodes have:
 * CPUs and memory per array task default to the smallest node `sinfo`
 * reports (CPUs capped at 4), can be given, and a request larger than any
 * node is refused before anything is queued (it would pend for ever with
 * reason PartitionConfig). Here `sinfo` and `sbatch` are stand-ins on PATH
 * that report a given cluster and record what they were asked; the real
 * Slurm run is scripts/ci-slurm-e2e.sh in .ci/run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';
import { tempDir } from '../sweep/helpers.js';

const SUBMIT = join(PACKAGE_ROOT, 'deploy', 'slurm', 'submit.sh');

/** A fake cluster whose nodes have these CPUs and MB; returns the folder to put first on PATH and the sbatch log. */
function cluster(nodes: { cpus: number; memMb: number }[]): { bin: string; log: string } {
  const bin = tempDir();
  const log = join(bin, 'sbatch.log');
  // sinfo -h -o '%c' / '%m': one line per node configuration
  writeFileSync(
    join(bin, 'sinfo'),
    `#!/bin/bash\ncase "$*" in *%c*) printf '${nodes.map((n) => n.cpus).join('\\n')}\\n' ;; *%m*) printf '${nodes.map((n) => n.memMb).join('\\n')}\\n' ;; esac\n`,
  );
  // sbatch --parsable: one line of arguments per call, job ids 101, 102, ...
  writeFileSync(join(bin, 'sbatch'), `#!/bin/bash\necho "$*" >> '${log}'\necho $((100 + $(wc -l < '${log}')))\n`);
  chmodSync(join(bin, 'sinfo'), 0o755);
  chmodSync(join(bin, 'sbatch'), 0o755);
  return { bin, log };
}

function submit(c: { bin: string }, args: string[], env: Record<string, string> = {}) {
  const out = join(tempDir(), 'run');
  const r = spawnSync('bash', [SUBMIT, '--out', out, ...args], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    env: { PATH: `${c.bin}:${process.env.PATH}`, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

const calls = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
/** the arguments of the k-th sbatch call ('' when there was none) */
const call = (log: string, k: number) => calls(log)[k] ?? '';

describe('deploy/slurm/submit.sh', () => {
  test('on 2-CPU nodes of 24 GiB: 2 CPUs and 2G per task, the merge after the array', () => {
    const c = cluster([{ cpus: 2, memMb: 24105 }]);
    const r = submit(c, ['sweeps/default.yaml', '3']);
    assert.equal(r.code, 0, r.stderr);
    const [array, merge] = [call(c.log, 0), call(c.log, 1)];
    assert.match(array, /--array=0-2 --cpus-per-task=2 --mem=2G /);
    assert.match(array, / deploy\/slurm\/sweep\.sbatch$/);
    assert.match(merge, /^--parsable --dependency=afterok:101 --mem=2G /);
    assert.match(r.stdout, /^array job 101 \(3 shards, 2 CPUs and 2G each\), merge job 102; results in .*\/run\/merged$/m);
    assert.ok(existsSync(join(r.out, 'logs')));
  });

  test('the smallest node decides: 64 and 1 CPUs with 8 GiB and 1000 MB give 1 CPU and 1000M; big nodes alone give at most 4 CPUs', () => {
    const small = cluster([
      { cpus: 64, memMb: 8192 },
      { cpus: 1, memMb: 1000 },
    ]);
    assert.equal(submit(small, ['sweeps/default.yaml', '2']).code, 0);
    assert.match(call(small.log, 0), /--cpus-per-task=1 --mem=1000M /);
    const big = cluster([{ cpus: 64, memMb: 262144 }]);
    assert.equal(submit(big, ['sweeps/default.yaml', '2']).code, 0);
    assert.match(call(big.log, 0), /--cpus-per-task=4 --mem=2G /);
  });

  test('--cpus and --mem (or MIGSWEEP_SLURM_CPUS / MIGSWEEP_SLURM_MEM) are passed as given when a node has them', () => {
    const c = cluster([{ cpus: 8, memMb: 16384 }]);
    assert.equal(submit(c, ['--cpus', '6', '--mem', '1500M', 'sweeps/default.yaml', '2']).code, 0);
    assert.match(call(c.log, 0), /--cpus-per-task=6 --mem=1500M /);
    assert.equal(submit(c, ['sweeps/default.yaml', '2'], { MIGSWEEP_SLURM_CPUS: '3', MIGSWEEP_SLURM_MEM: '4G' }).code, 0);
    assert.match(call(c.log, 2), /--cpus-per-task=3 --mem=4G /);
  });

  test('more CPUs or memory than any node has: exit 2 naming what fits, nothing queued', () => {
    const c = cluster([{ cpus: 2, memMb: 3000 }]);
    const cpus = submit(c, ['--cpus', '4', 'sweeps/default.yaml', '2']);
    assert.equal(cpus.code, 2);
    assert.match(cpus.stderr, /--cpus 4 is more than the 2 CPUs of the smallest node: the array would pend for ever \(give --cpus 2 or less\)/);
    const mem = submit(c, ['--mem', '4G', 'sweeps/default.yaml', '2']);
    assert.equal(mem.code, 2);
    assert.match(mem.stderr, /--mem 4G is more than the 3000M of the smallest node: .*give --mem 3000M or less/);
    assert.deepEqual(calls(c.log), []);
  });

  test('bad input: a missing sweep file, shards that are not a whole number, a malformed size; exit 2, nothing queued', () => {
    const c = cluster([{ cpus: 2, memMb: 4096 }]);
    const file = submit(c, ['sweeps/nope.yaml', '2']);
    assert.equal(file.code, 2);
    assert.match(file.stderr, /no sweep file sweeps\/nope\.yaml/);
    assert.match(submit(c, ['sweeps/default.yaml', '0']).stderr, /shards must be a whole number >= 1, got '0'/);
    assert.match(submit(c, ['--mem', '2GB', 'sweeps/default.yaml']).stderr, /--mem must be a size like 2G or 1500M, got '2GB'/);
    assert.deepEqual(calls(c.log), []);
  });
});
