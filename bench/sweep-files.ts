/** The bench's sweep files (bench/sweeps/), shrunk in --quick mode. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/sweep/output.js';
import { QUICK_ENV } from './types.js';

export const BENCH_SWEEPS = join(PACKAGE_ROOT, 'bench', 'sweeps');

/** bench/sweeps/<name>.yaml; with --quick a copy in `dir` whose first `steps: 500` axis has `quickSteps` steps. */
export function benchSweepFile(dir: string, name: string, quickSteps: string): string {
  const file = join(BENCH_SWEEPS, `${name}.yaml`);
  if (process.env[QUICK_ENV] !== '1') return file;
  const small = join(dir, `${name}.yaml`);
  writeFileSync(small, readFileSync(file, 'utf8').replace('steps: 500', `steps: ${quickSteps}`));
  return small;
}
