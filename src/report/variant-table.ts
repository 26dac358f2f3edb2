/**
 * The report's table "per policy": each variant over all its scenarios
 * (summary.csv rows), in words a design discussion can quote. Tallied row by
 * row while summary.csv streams in, so that it covers every scenario even
 * when the charts show a sample of them.
 */
import { max, median } from 'simple-statistics';
import type { Cell, Row } from './types.js';

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

/** One variant's running tally: counts, the per-scenario numbers the medians need, and each constant's single value (or `varies`). */
interface Tally {
  policies: string[];
  constants: Map<string, Cell | typeof VARIES>;
  scenarios: number;
  completed: number;
  unfinished: number;
  aborted: number;
  downtimeMedians: number[];
  downtimeP95s: number[];
  totalTimeMedians: number[];
  transferFactorMedians: number[];
}

const VARIES = Symbol('varies');

/** The per-policy table, tallied one summary row at a time (memory: a few numbers per scenario). */
export class VariantTally {
  private readonly tallies = new Map<string, Tally>();
  private readonly constantCols: string[];

  constructor(columns: readonly string[]) {
    this.constantCols = columns.filter((c) => c.includes('_') && !STAT_SUFFIX.test(c));
  }

  add(cell: (column: string) => Cell | undefined): void {
    const variant = String(cell('variant'));
    let t = this.tallies.get(variant);
    if (t === undefined) {
      t = {
        policies: [],
        constants: new Map(),
        scenarios: 0,
        completed: 0,
        unfinished: 0,
        aborted: 0,
        downtimeMedians: [],
        downtimeP95s: [],
        totalTimeMedians: [],
        transferFactorMedians: [],
      };
      for (const c of this.constantCols) t.constants.set(c, cell(c) ?? null);
      this.tallies.set(variant, t);
    } else {
      for (const [c, v] of t.constants) if (v !== VARIES && v !== (cell(c) ?? null)) t.constants.set(c, VARIES);
    }
    const num = (col: string) => {
      const v = cell(col);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    };
    t.scenarios++;
    const policy = cell('policy');
    if (typeof policy === 'string' && !t.policies.includes(policy)) t.policies.push(policy);
    const done = (num('completedShare') ?? 0) >= 0.5;
    if (done) t.completed++;
    if ((num('unfinishedShare') ?? 0) > 0.5) t.unfinished++;
    if ((num('abortedShare') ?? 0) > 0.5) t.aborted++;
    const push = (list: number[], v: number | null) => {
      if (v !== null) list.push(v);
    };
    if (done) {
      push(t.downtimeMedians, num('downtimeMs_median'));
      push(t.downtimeP95s, num('downtimeMs_p95'));
      push(t.totalTimeMedians, num('totalTimeMs_median'));
    }
    push(t.transferFactorMedians, num('transferFactor_median'));
  }

  /** The table's lines, in the given variant order. */
  lines(variants: readonly string[]): VariantLine[] {
    const med = (v: number[]) => (v.length ? median(v) : null);
    return variants.map((variant) => {
      const t = this.tallies.get(variant);
      if (t === undefined) {
        const none = { downtimeMedianMs: null, downtimeWorstP95Ms: null, totalTimeMedianMs: null, transferFactorMedian: null };
        return { variant, policies: [], constants: [], scenarios: 0, completed: 0, unfinished: 0, aborted: 0, ...none };
      }
      const constants: [string, number | string][] = [];
      for (const [c, v] of t.constants) if (v !== VARIES && v !== null) constants.push([c, v]);
      return {
        variant,
        policies: t.policies,
        constants,
        scenarios: t.scenarios,
        completed: t.completed,
        unfinished: t.unfinished,
        aborted: t.aborted,
        downtimeMedianMs: med(t.downtimeMedians),
        downtimeWorstP95Ms: t.downtimeP95s.length ? max(t.downtimeP95s) : null,
        totalTimeMedianMs: med(t.totalTimeMedians),
        transferFactorMedian: med(t.transferFactorMedians),
      };
    });
  }
}

/** The per-policy table of rows held in memory (tests, small tables). */
export function variantLines(rows: readonly Row[], variants: readonly string[], columns: readonly string[]): VariantLine[] {
  const tally = new VariantTally(columns);
  for (const r of rows) tally.add((c) => r[c]);
  return tally.lines(variants);
}
