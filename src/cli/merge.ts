import type { Command } from 'commander';
import { DEFAULT_FORMAT, OUTPUT_FORMATS, parseFormat, type OutputFormat } from '../sweep/formats.js';
import { mergeShards } from '../sweep/merge.js';
import { reportAfterSweep } from './report.js';
import { join } from 'node:path';
import { InputError } from '../common/errors.js';
import { mergeFleetShards, runKind } from '../fleet/sweep-merge.js';
import { FLEET_SWEEP_KIND } from '../fleet/sweep-session.js';

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
      const fleets = dirs.filter((d) => runKind(d) === FLEET_SWEEP_KIND);
      if (fleets.length > 0) {
        // shards of a sweep over fleets (docs/fleets.md): its own tables; never mixed with a single-VM sweep's
        const others = dirs.filter((d) => !fleets.includes(d));
        if (others.length > 0)
          throw new InputError(join(others[0]!, 'manifest.json'), [
            {
              path: '',
              message: `is not a shard of a sweep over fleets, and ${join(fleets[0]!, 'manifest.json')} is: the shards of one sweep are merged together; give the folders of one sweep only`,
            },
          ]);
      }
      const options = {
        dirs,
        out: opts.out,
        force: opts.force,
        quiet: opts.quiet,
        format: opts.format,
        hooks: opts.report ? [reportAfterSweep()] : [],
        stdout: process.stdout,
        stderr: process.stderr,
      };
      const r = fleets.length > 0 ? await mergeFleetShards(options) : await mergeShards(options);
      process.exitCode = r.exitCode;
    });
}
