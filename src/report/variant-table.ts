/**
 * The report's table "per policy": each variant over all its scenarios
 * (summary.csv rows), in words a design discussion can quote.
 */
import { max, median } from 'simple-statistics';
import { numbers } from './table.js';
import type { Row } from './types.js';

export interface VariantLine {
  variant: string;
  /** the variant's policy labels (several when it has axes of its own) */
  policies: string[];
  /** its policy constants that are the same in all its scenarios: `max-passes_passes` -> 10 */
  constants: [string, number | string][];
  scenarios: number;
  /** scenarios where most replicates completed / never completed / were aborted */
  completed: number;
  unfinished: number;
  aborted: number;
  /** over the completed scenarios: the median of their median downtimes, the largest p95 downtime */
  downtimeMedianMs: number | null;
  downtimeWorstP95Ms: number | null;
  /** over the completed scenarios: median of their median total times */
  totalTimeMedianMs: number | null;
  /** over all scenarios: median of their median bytes sent / RAM */
  transferFactorMedian: number | null;
}

/** Policy constant columns (`<kind>_<param>`), not statistics (`<metric>_<stat>`). */
const STAT_SUFFIX = /_(mean|median|p95|min|max|sd|ciLow|ciHigh)$/;

export function variantLines(rows: readonly Row[], variants: readonly string[], columns: readonly string[]): VariantLine[] {
  const constantCols = columns.filter((c) => c.includes('_') && !STAT_SUFFIX.test(c));
  return variants.map((variant) => {
    const own = rows.filter((r) => r.variant === variant);
    const done = own.filter((r) => typeof r.completedShare === 'number' && r.completedShare >= 0.5);
    const majority = (col: string) => own.filter((r) => typeof r[col] === 'number' && (r[col] as number) > 0.5).length;
    const med = (rs: readonly Row[], col: string) => {
      const v = numbers(rs, col);
      return v.length ? median(v) : null;
    };
    const constants: [string, number | string][] = [];
    for (const c of constantCols) {
      const vals = new Set(own.map((r) => r[c]));
      if (vals.size === 1) {
        const v = [...vals][0];
        if (v !== null && v !== undefined) constants.push([c, v]);
      }
    }
    const p95 = numbers(done, 'downtimeMs_p95');
    return {
      variant,
      policies: [...new Set(own.map((r) => r.policy).filter((p): p is string => typeof p === 'string'))],
      constants,
      scenarios: own.length,
      completed: done.length,
      unfinished: majority('unfinishedShare'),
      aborted: majority('abortedShare'),
      downtimeMedianMs: med(done, 'downtimeMs_median'),
      downtimeWorstP95Ms: p95.length ? max(p95) : null,
      totalTimeMedianMs: med(done, 'totalTimeMs_median'),
      transferFactorMedian: med(own, 'transferFactor_median'),
    };
  });
}
