import type { Command } from 'commander';
import { mergeShards } from '../sweep/merge.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('join the folders of a sweep run with --shard K/N into one run folder (the same runs.csv as one machine writes)')
    .argument('<shard-dir...>', 'the shard folders, in any order')
    .requiredOption('--out <dir>', 'the merged run folder')
    .option('--force', 'replace the run already in --out')
    .option('--quiet', 'no table; only errors and the results line')
    .action(async (dirs: string[], opts: { out: string; force?: boolean; quiet?: boolean }) => {
      const r = await mergeShards({ dirs, out: opts.out, force: opts.force, quiet: opts.quiet, stdout: process.stdout, stderr: process.stderr });
      process.exitCode = r.exitCode;
    });
}
