import type { Command } from 'commander';
import { runCalibration } from '../calibrate/session.js';

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('migrate a real guest with QEMU (a grid of ten runs, ~3 min) and compare the engine with what QEMU measured; installs nothing')
    .option('--quick', 'three short runs instead of ten')
    .option(
      '--features',
      'the wire-feature grid instead: single-stream baselines, multifd (2 and 4 channels, zero pages), zstd and zlib on multifd, XBZRLE (cache larger and smaller than the working set); 10 runs, ~2 min',
    )
    .option('--out <dir>', 'the output folder (default: results/calibrate/<date-time>)')
    .option('--from <dir>', 'compare the measured.csv of an earlier calibration instead of running QEMU')
    .action(async (opts: { quick?: boolean; features?: boolean; out?: string; from?: string }) => {
      const r = await runCalibration({ ...opts, stdout: process.stdout, stderr: process.stderr });
      process.exitCode = r.exitCode;
    });
}
