import type { Command } from 'commander';
import { InputError } from '../common/errors.js';
import { DEFAULT_BUDGET, describeBudget, parseBudget, type Budget } from '../tune/budget.js';
import { checkBest, runTune } from '../tune/session.js';
import { wholeFlag } from './sweep.js';

interface TuneFlags {
  budget?: Budget;
  out?: string;
  workers?: number;
  resume?: boolean;
  quiet?: boolean;
  check?: string;
  seed?: string;
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description("search the constants that meet a tune file's constraints over its population (docs/tune.md)")
    .argument('[tune-file]', 'tune file (see tunes/)')
    .option('--budget <n|time>', `candidates to evaluate (default ${describeBudget(DEFAULT_BUDGET)}), or wall time (30s, 2min: not reproducible)`, (t: string) => parseBudget(t))
    .option('--out <dir>', 'the run folder (default: results/tune/<name>/<date-time>)')
    .option('--workers <n>', 'worker threads (default: one per CPU)', wholeFlag('--workers'))
    .option('--resume', 'continue an interrupted run (the one in --out, or the latest unfinished one of this tune file)')
    .option('--quiet', 'no progress on stderr')
    .option('--check <best.json>', "re-run a run's recommendation over a fresh population draw; exit 1 when a constraint fails")
    .option('--seed <n>', 'with --check: the population seed (default: the tune seed + 1)')
    .action(async (file: string | undefined, opts: TuneFlags) => {
      if (opts.check !== undefined) {
        let seed: number | undefined;
        if (opts.seed !== undefined) {
          if (!/^\d+$/.test(opts.seed.trim()) || Number(opts.seed) > 2 ** 32 - 1)
            throw new InputError('--seed', [{ path: '', message: `expected a whole number from 0 to 4294967295, found '${opts.seed}'` }]);
          seed = Number(opts.seed);
        }
        const r = await checkBest({ bestFile: opts.check, seed, workers: opts.workers, stdout: process.stdout, stderr: process.stderr });
        process.exitCode = r.exitCode;
        return;
      }
      if (file === undefined) throw new InputError('migsweep tune', [{ path: '', message: 'expected a tune file (e.g. tunes/nova-downtime.yaml) or --check best.json' }]);
      if (opts.seed !== undefined) throw new InputError('--seed', [{ path: '', message: "--seed goes with --check; a tune's seed is the file's seed:" }]);
      const r = await runTune({
        file,
        budget: opts.budget,
        out: opts.out,
        workers: opts.workers,
        resume: opts.resume,
        quiet: opts.quiet,
        stdout: process.stdout,
        stderr: process.stderr,
        signals: true,
      });
      process.exitCode = r.exitCode;
    });
}
