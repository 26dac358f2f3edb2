import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../common/errors.js';
import { PACKAGE_ROOT } from '../sweep/output.js';
import { DEFAULT_FORMAT, OUTPUT_FORMATS, parseFormat, type OutputFormat } from '../sweep/formats.js';
import { runSweep } from '../sweep/session.js';
import { reportAfterSweep } from './report.js';
import { resolveShard } from '../sweep/shard.js';
import { readDocument } from '../scenario/document.js';
import { isFleetSweep } from '../fleet/sweep-spec.js';
import { runFleetSweep } from '../fleet/sweep-session.js';

const DEFAULT_SWEEP = join('sweeps', 'default.yaml');

/** A whole number >= 1 from a flag, or an InputError naming the flag. */
export function wholeFlag(flag: string): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new InputError(flag, [{ path: '', message: `expected a whole number of at least 1, found '${text}'` }]);
    return Number(text);
  };
}

interface SweepFlags {
  out?: string;
  workers?: number;
  shard?: string;
  shardCount?: string;
  resume?: boolean;
  force?: boolean;
  quiet?: boolean;
  yes?: boolean;
  batchSize?: number;
  format?: OutputFormat;
  report: boolean;
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a sweep file: every scenario through a worker pool into runs.csv, summary.csv and manifest.json')
    .argument('[sweep-file]', `sweep file (default: ${DEFAULT_SWEEP})`)
    .option('--out <dir>', 'the run folder (default: results/<sweep name>/<date-time>)')
    .option('--workers <n>', 'worker threads (default: one per CPU)', wholeFlag('--workers'))
    .option('--shard <k/n>', 'run only shard K of N (K from 0); join the shards with migsweep merge')
    .option('--shard-count <n>', 'number of shards of a Kubernetes Indexed Job (the pod gets its index from JOB_COMPLETION_INDEX); also MIGSWEEP_SHARD_COUNT')
    .option('--resume', 'continue an interrupted run (the one in --out, or the latest unfinished one of this sweep)')
    .option('--force', 'replace the run already in --out')
    .option('--quiet', 'no progress and no table; only errors and the results line')
    .option('--yes', `run a sweep of more than 50 million tasks`)
    .option('--batch-size <n>', 'tasks per batch (default: sized to ~50 ms of work)', wholeFlag('--batch-size'))
    .option('--format <format>', `runs files to write: ${OUTPUT_FORMATS.join(', ')} (default: ${DEFAULT_FORMAT}; see docs/output.md)`, (t) => parseFormat(t))
    .option('--no-report', 'do not write the report when the sweep is complete (migsweep report DIR writes it later)')
    .action(async (file: string | undefined, opts: SweepFlags) => {
      const shard = resolveShard({ flag: opts.shard, count: opts.shardCount, env: process.env });
      if (file !== undefined && existsSync(file) && isFleetSweep(readDocument(file).data)) {
        // a sweep over fleets (docs/fleets.md): its own grid and two tables, the same shards, formats and report
        const outcome = await runFleetSweep({
          file,
          out: opts.out,
          workers: opts.workers,
          shard,
          format: opts.format,
          resume: opts.resume,
          force: opts.force,
          batchSize: opts.batchSize,
          hooks: opts.report ? [reportAfterSweep()] : [],
          stdout: process.stdout,
          stderr: process.stderr,
        });
        process.exitCode = outcome.exitCode;
        return;
      }
      const outcome = await runSweep({
        file: file ?? defaultSweepFile(),
        out: opts.out,
        workers: opts.workers,
        shard,
        resume: opts.resume,
        force: opts.force,
        yes: opts.yes,
        batchSize: opts.batchSize,
        format: opts.format,
        hooks: opts.report ? [reportAfterSweep()] : [],
        progress: opts.quiet ? 'quiet' : undefined,
        stdout: process.stdout,
        stderr: process.stderr,
        signals: true,
      });
      process.exitCode = outcome.exitCode;
    });
}

/** sweeps/default.yaml of the current folder, else the one shipped with the package. */
function defaultSweepFile(): string {
  return existsSync(DEFAULT_SWEEP) ? DEFAULT_SWEEP : join(PACKAGE_ROOT, DEFAULT_SWEEP);
}
