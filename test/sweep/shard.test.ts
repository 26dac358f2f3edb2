import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { resolveShard } from '../../src/sweep/shard.js';

const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e.message;
  }
  return '';
};

describe('which shard a process runs', () => {
  test('--shard K/N, K from 0', () => {
    assert.deepEqual(resolveShard({ flag: '2/5', env: {} }), { index: 2, count: 5, from: '--shard' });
    assert.match(
      message(() => resolveShard({ flag: '5/5', env: {} })),
      /shard 5 of 5 does not exist: shards count from 0, so the last is 4\/5/,
    );
    assert.match(
      message(() => resolveShard({ flag: 'two', env: {} })),
      /expected K\/N such as 0\/4/,
    );
  });

  test('a Kubernetes Indexed Job: JOB_COMPLETION_INDEX with the count from --shard-count or MIGSWEEP_SHARD_COUNT', () => {
    assert.deepEqual(resolveShard({ count: '8', env: { JOB_COMPLETION_INDEX: '3' } }), { index: 3, count: 8, from: 'JOB_COMPLETION_INDEX' });
    assert.deepEqual(resolveShard({ env: { JOB_COMPLETION_INDEX: '0', MIGSWEEP_SHARD_COUNT: '4' } }), { index: 0, count: 4, from: 'JOB_COMPLETION_INDEX' });
    assert.match(
      message(() => resolveShard({ env: { JOB_COMPLETION_INDEX: '3' } })),
      /pass --shard-count N or set MIGSWEEP_SHARD_COUNT/,
    );
  });

  test('a Slurm array: SLURM_ARRAY_TASK_ID from SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT', () => {
    assert.deepEqual(resolveShard({ env: { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4' } }), { index: 0, count: 4, from: 'SLURM_ARRAY_TASK_ID' });
    // --array=1-4: ids 1..4 are shards 0..3
    assert.deepEqual(resolveShard({ env: { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' } }), {
      index: 3,
      count: 4,
      from: 'SLURM_ARRAY_TASK_ID',
    });
  });

  test('the flag wins over the environment; no flag and no environment is no shard', () => {
    assert.deepEqual(resolveShard({ flag: '1/2', env: { JOB_COMPLETION_INDEX: '3', MIGSWEEP_SHARD_COUNT: '8' } }), { index: 1, count: 2, from: '--shard' });
    assert.equal(resolveShard({ env: {} }), null);
  });
});
