/**
 * Which shard this process runs: `--shard K/N` (K from 0), else a
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the count from
 * `--shard-count` or MIGSWEEP_SHARD_COUNT, since the pod is not told its
 * Job's completions), else a Slurm array (SLURM_ARRAY_TASK_ID minus
 * SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), else none.
 */
import { InputError } from '../common/errors.js';
import type { Shard } from './types.js';

export interface ShardInput {
  /** `--shard K/N` */
  flag?: string;
  /** `--shard-count N` */
  count?: string;
  env: NodeJS.ProcessEnv;
}

const WHOLE = /^\d+$/;

function bad(where: string, message: string): never {
  throw new InputError(where, [{ path: '', message }]);
}

function whole(text: string | undefined, where: string, what: string): number {
  if (text === undefined || !WHOLE.test(text.trim())) bad(where, `expected ${what} (a whole number), found '${text ?? ''}'`);
  return Number(text.trim());
}

function checked(index: number, count: number, from: string): Shard {
  if (count < 1) bad(from, `expected a shard count of at least 1, found ${count}`);
  if (index >= count) bad(from, `shard ${index} of ${count} does not exist: shards count from 0, so the last is ${count - 1}/${count}`);
  return { index, count, from };
}

export function resolveShard(input: ShardInput): Shard | null {
  if (input.flag !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(input.flag);
    if (!m) bad('--shard', `expected K/N such as 0/4 (shard K of N, K from 0), found '${input.flag}'`);
    return checked(Number(m[1]), Number(m[2]), '--shard');
  }
  const env = input.env;
  if (env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETION_INDEX !== '') {
    const index = whole(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX', 'the Indexed Job completion index');
    const countText = input.count ?? env.MIGSWEEP_SHARD_COUNT;
    if (countText === undefined)
      bad(
        'JOB_COMPLETION_INDEX',
        `is ${index} (a Kubernetes Indexed Job) but the number of shards is unknown: pass --shard-count N or set MIGSWEEP_SHARD_COUNT to the Job's completions`,
      );
    const where = input.count !== undefined ? '--shard-count' : 'MIGSWEEP_SHARD_COUNT';
    return checked(index, whole(countText, where, 'the number of shards'), 'JOB_COMPLETION_INDEX');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_ID !== '') {
    const id = whole(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 'the array task id');
    const min = env.SLURM_ARRAY_TASK_MIN ? whole(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN', 'the lowest array task id') : 0;
    const countText = input.count ?? env.SLURM_ARRAY_TASK_COUNT ?? env.MIGSWEEP_SHARD_COUNT;
    if (countText === undefined) bad('SLURM_ARRAY_TASK_ID', `is ${id} but SLURM_ARRAY_TASK_COUNT is not set; pass --shard-count N`);
    const count = whole(countText, 'SLURM_ARRAY_TASK_COUNT', 'the number of array tasks');
    return checked(id - min, count, 'SLURM_ARRAY_TASK_ID');
  }
  if (input.count !== undefined) bad('--shard-count', 'is only used with JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID set; use --shard K/N to pick a shard by hand');
  return null;
}
