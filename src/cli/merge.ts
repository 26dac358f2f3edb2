import type { Command } from 'commander';
import { DEFAULT_FORMAT, OUTPUT_FORMATS, parseFormat, type OutputFormat } from '../sweep/formats.js';
import { mergeShards } from '../sweep/merge.js';
import { reportAfterSweep } from './report.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('join the folders of a sweep run with --shard K/N into one run folder (the same runs.csv as one machine writes)')
    .argument('<shard-dir...>', 'the shard folders, in any order')
    .requiredOption('--out <dir>', 'the merged run folder')
    .option('--force', 'replace the run already in --out')
    .option('--quiet', 'no table; only errors and the results line')
    .option('--format <format>', `runs files to write: ${OUTPUT_FORMATS.join(', ')} (default: ${DEFAULT_FORMAT}; see docs/output.md)`, (t) => parseFormat(t))
    .option('--no-report', 'do not write the report of the merged run (migsweep report DIR writes it later)')
    .action(async (dirs: string[], opts: { out: string; force?: boolean; quiet?: boolean; format?: OutputFormat; report: boolean }) => {
      const r = await mergeShards({
        dirs,
        out: opts.out,
        force: opts.force,
        quiet: opts.quiet,
        format: opts.format,
        hooks: opts.report ? [reportAfterSweep] : [],
        stdout: process.stdout,
        stderr: process.stderr,
      });
      process.exitCode = r.exitCode;
    });
}
