// A measured run for tests: the shape of one measured.csv row, with the
// figures of the reference grid's medium-bw32 run unless given.
import { FEATURE_DEFAULTS } from '../../src/calibrate/csv.js';
import type { MeasuredRun } from '../../src/calibrate/types.js';

export const MIB = 2 ** 20;
/** QEMU's ram.total for a 256 MiB guest: 256 MiB plus 640 KiB of ROM and firmware. */
export const RAM_TOTAL_BYTES = 268967936;

export function measuredRun(over: Partial<MeasuredRun> = {}): MeasuredRun {
  return {
    name: 'medium-bw32',
    ramMiB: 256,
    wsMiB: 32,
    ratePagesPerSec: 6144,
    fill: true,
    maxBandwidthBytesPerSec: 32 * MIB,
    downtimeLimitMs: 300,
    autoConverge: false,
    timeBoundS: 60,
    outcome: 'completed',
    totalTimeMs: 10733,
    downtimeMs: 7,
    transferredBytes: 369294203,
    ramTotalBytes: RAM_TOTAL_BYTES,
    syncs: 13,
    maxThrottlePct: 0,
    meanMbps: 268.2,
    duplicatePages: 336,
    downtimeBytes: 10083528,
    guestRateBeforePagesPerSec: 5942,
    guestRateDuringPagesPerSec: 6115,
    guestFillBytes: 267235328,
    ...FEATURE_DEFAULTS,
    qemuVersion: 'QEMU emulator version 7.2.22',
    accel: 'tcg',
    ...over,
  };
}
