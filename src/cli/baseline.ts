/**
 * `migsweep baseline update`: refresh the committed baseline that the
 * nightly job compares with (results/baseline/<sweep>/: runs.csv,
 * summary.csv, manifest.json, no report), deliberately, after a change of
 * the numbers has been understood; then commit the folder.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { readBench } from '../compare/bench.js';
import { InputError, suggest } from '../common/errors.js';
import { PACKAGE_ROOT } from '../sweep/output.js';
import { runSweep } from '../sweep/session.js';
import { collect } from './compare.js';
import { EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import { wholeFlag } from './sweep.js';

/** The sweeps the nightly job runs and compares. */
export const BASELINE_SWEEPS = ['default', 'guestperf'] as const;
export const BASELINE_DIR = join('results', 'baseline');
/** The bench result the nightly bench gate compares with. */
export const BASELINE_BENCH = 'bench.json';

/** sweeps/ of the current folder, else the package's. */
function sweepsDir(): string {
  return existsSync('sweeps') ? 'sweeps' : join(PACKAGE_ROOT, 'sweeps');
}

/** A sweep by name (`default` = sweeps/default.yaml) or by file. */
export function sweepByName(name: string): string {
  if (/\.ya?ml$/.test(name)) {
    if (!existsSync(name)) throw new InputError(name, [{ path: '', message: 'no such sweep file' }]);
    return name;
  }
  const dir = sweepsDir();
  const file = join(dir, `${name}.yaml`);
  if (existsSync(file)) return file;
  const known = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  throw new InputError('--sweep', [{ path: '', message: `no sweep '${name}' in ${dir}${suggest(name, known)}; expected one of ${known.join(', ')} or a sweep file` }]);
}

export interface BaselineUpdate {
  sweeps: string[];
  dir: string;
  workers?: number;
  bench?: string;
  stdout: Writable;
  stderr: Writable;
}

/** Run each sweep into <dir>/<name> (replacing what is there) and copy the bench result; the exit code. */
export async function updateBaseline(o: BaselineUpdate): Promise<number> {
  const files = o.sweeps.map(sweepByName);
  if (o.bench !== undefined) readBench(o.bench);
  let exitCode = EXIT_OK;
  const sink = new Writable({ write: (_c, _e, done) => done() });
  for (const file of files) {
    const out = join(o.dir, basename(file, extname(file)));
    const r = await runSweep({ file, out, force: true, workers: o.workers, hooks: [], progress: 'quiet', stdout: sink, stderr: o.stderr });
    o.stdout.write(`baseline ${out}: ${r.total.toLocaleString('en-US')} tasks of ${file}${r.errors > 0 ? `, ${r.errors} failed` : ''}\n`);
    if (r.exitCode !== EXIT_OK) exitCode = EXIT_FAILED;
  }
  if (o.bench !== undefined) {
    mkdirSync(o.dir, { recursive: true });
    copyFileSync(o.bench, join(o.dir, BASELINE_BENCH));
    o.stdout.write(`baseline ${join(o.dir, BASELINE_BENCH)}: from ${o.bench}\n`);
  }
  o.stdout.write(`commit it: git add ${o.dir} && git commit -m "Baseline: ..." (say why the numbers changed)\n`);
  return exitCode;
}

export function registerBaseline(program: Command): void {
  const baseline = program.command('baseline').description('the committed baseline the nightly job compares with (results/baseline/)');
  baseline
    .command('update')
    .description(`run the baseline sweeps (${BASELINE_SWEEPS.join(', ')}) again into ${BASELINE_DIR}/<sweep>/ (runs.csv, summary.csv, manifest.json), replacing them`)
    .addOption(
      new Option('--sweep <name>', 'a sweep of sweeps/ by name, or a sweep file (repeatable; none with --bench alone)').argParser(collect).default([], BASELINE_SWEEPS.join(', ')),
    )
    .option('--bench <file>', `also copy this bench result (results/bench/latest.json) to ${BASELINE_DIR}/${BASELINE_BENCH}`)
    .option('--dir <dir>', 'the baseline folder', BASELINE_DIR)
    .option('--workers <n>', 'worker threads (default: one per CPU)', wholeFlag('--workers'))
    .action(async (opts: { sweep: string[]; bench?: string; dir: string; workers?: number }) => {
      const sweeps = opts.sweep.length > 0 ? opts.sweep : opts.bench !== undefined ? [] : [...BASELINE_SWEEPS];
      process.exitCode = await updateBaseline({ sweeps, dir: opts.dir, workers: opts.workers, bench: opts.bench, stdout: process.stdout, stderr: process.stderr });
    });
}
