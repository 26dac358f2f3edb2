/**
 * The metric names of `migsweep run --json` and of runs.csv, in order, as the
 * README ("One migration") documents them: written out here, not taken from
 * src/scenario/flatten.ts, so that a renamed or dropped metric fails a test.
 */
export const DOCUMENTED_METRICS = [
  'totalTimeMs',
  'downtimeMs',
  'expectedDowntimeMs',
  'transferredBytes',
  'wireBytes',
  'ramBytes',
  'transferFactor',
  'syncs',
  'passes',
  'outcome',
  'stopReason',
  'maxThrottlePct',
  'throttleCpuSeconds',
  'postcopyMs',
  'postcopyFaults',
  'postcopyBlockedMs',
] as const;
