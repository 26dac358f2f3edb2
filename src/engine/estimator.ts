import type { EstimatorConfig } from './migration.js';
import type { EstimatorKind, Scenario } from './types.js';

/**
 * The buffer-fill rate behind QEMU 0.15's `bwidth` (the `buffer` estimator).
 * Treutner measured the real downtime about 20x the 30 ms limit (qemu-devel
 * 2011-09-15, on what we take to be 1 Gbit/s): remaining <= bwidth x 30 ms,
 * drained at 125 MB/s, takes 20 x 30 ms when bwidth = 20 x 125 MB/s =
 * 2.5 GB/s, a memory-copy speed of 2011 hardware. An assumption, stated as
 * such; a sweep can set `estimator.bufferRate`.
 */
export const DEFAULT_BUFFER_RATE = 2.5e9;

/**
 * How the migration code measures the bandwidth it divides by:
 * - `wire`: bytes that crossed the link in the last measuring period / its length;
 * - `buffer`: a fixed buffer-fill rate (the 2011 flaw), whatever the link does;
 * - `bias`: `factor` x the wire rate (a systematic over- or under-estimate).
 * Policies decide on the estimate; the real downtime always comes from the link.
 */
export function resolveEstimator(s: Scenario, baseDefault: EstimatorKind): EstimatorConfig {
  const e = s.estimator;
  return {
    kind: e?.kind ?? baseDefault,
    bufferRate: e?.bufferRate ?? DEFAULT_BUFFER_RATE,
    factor: e?.factor ?? 1,
  };
}
