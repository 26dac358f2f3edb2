#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { InputError } from './common/errors.js';
import { asWriteFailure } from './sweep/sink.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from './cli/exit-codes.js';
import { registerRun } from './cli/run.js';
import { registerSweep } from './cli/sweep.js';
import { registerMerge } from './cli/merge.js';
import { registerCalibrate } from './cli/calibrate.js';
import { registerReport } from './cli/report.js';
import { registerCompare } from './cli/compare.js';
import { registerBaseline } from './cli/baseline.js';
import { registerTune } from './cli/tune.js';
import { registerImport } from './cli/import.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('migsweep')
  .description('Policy benchmark and parameter sweeps for VM live migration (pre-copy, QEMU/KVM style)')
  .version(pkg.version)
  .showSuggestionAfterError(true)
  .exitOverride();

registerRun(program);
registerSweep(program);
registerMerge(program);
registerCalibrate(program);
registerReport(program);
registerCompare(program);
registerBaseline(program);
registerTune(program);
registerImport(program);

function fail(err: unknown): never {
  if (err instanceof InputError) {
    process.stderr.write(`migsweep: ${err.message.split('\n').join('\nmigsweep: ')}\n`);
    process.exit(EXIT_BAD_INPUT);
  }
  if (err instanceof CommanderError) {
    // help and version end with code 0; a usage error is bad input
    process.exit(err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT);
  }
  const write = asWriteFailure(err);
  if (write !== null) {
    // disk full, read-only, no permission: not a bug, and not the input's fault
    process.stderr.write(`migsweep: ${write.message}\n`);
    process.exit(EXIT_FAILED);
  }
  const e = err as Error;
  process.stderr.write(`migsweep: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.MIGSWEEP_DEBUG) process.stderr.write(`${e?.stack}\n`);
  else process.stderr.write('migsweep: (set MIGSWEEP_DEBUG=1 for the stack trace; please report it)\n');
  process.exit(EXIT_FAILED);
}

program.parseAsync(process.argv).catch(fail);
