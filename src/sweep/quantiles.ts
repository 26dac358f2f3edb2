/**
 * Quantiles of one metric over every run of a variant (the terminal
 * table's medians and p95), in memory that stops growing: exact up to
 * EXACT_LIMIT values (the values kept in a Float64Array, simple-statistics'
 * quantile on them: numpy's linear method), then a log-bucketed
 * histogram with relative accuracy RELATIVE_ACCURACY (the DDSketch idea:
 * Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch
 * with relative-error guarantees", VLDB 2019), so that a 10-million-task
 * sweep holds a few thousand counters instead of 10 million doubles. The
 * table says when a figure is approximate. Deterministic: the same values
 * in the same order give the same figures.
 */
import { quantile } from 'simple-statistics';

/** Values kept exactly per store (8 MiB); past this the store becomes a sketch. */
export const EXACT_LIMIT = 1 << 20;
/** Relative accuracy of a quantile once the store is a sketch: within 0.05% of a value of the data near that rank. */
export const RELATIVE_ACCURACY = 0.0005;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

export class QuantileStore {
  private values: Float64Array | null;
  private n = 0;
  /** sketch: bucket index -> count, for positive and (by magnitude) negative values; zeros counted apart */
  private positive: Map<number, number> | null = null;
  private negative: Map<number, number> | null = null;
  private zeros = 0;

  constructor(private readonly exactLimit = EXACT_LIMIT) {
    this.values = new Float64Array(Math.min(1024, Math.max(1, exactLimit)));
  }

  get length(): number {
    return this.n;
  }

  /** Whether the quantiles are from the sketch (more than exactLimit values). */
  get approximate(): boolean {
    return this.values === null;
  }

  push(v: number): void {
    if (this.values !== null) {
      if (this.n < this.exactLimit) {
        if (this.n === this.values.length) {
          const bigger = new Float64Array(Math.min(this.exactLimit, this.values.length * 2));
          bigger.set(this.values);
          this.values = bigger;
        }
        this.values[this.n++] = v;
        return;
      }
      this.toSketch();
    }
    this.count(v);
    this.n++;
  }

  /** The p-quantile (0..1), null when there is no value. */
  quantile(p: number): number | null {
    if (this.n === 0) return null;
    if (this.values !== null) {
      // quickselect on a copy (simple-statistics' quantile): the same value as after a sort, without sorting a million values per figure
      return quantile(this.values.subarray(0, this.n) as unknown as number[], p);
    }
    // the value at rank floor(p (n - 1)), in ascending order: negatives (largest magnitude first), zeros, positives
    let rank = Math.floor(p * (this.n - 1));
    const neg = [...(this.negative as Map<number, number>).entries()].sort((a, b) => b[0] - a[0]);
    for (const [k, c] of neg) {
      if (rank < c) return -bucketValue(k);
      rank -= c;
    }
    if (rank < this.zeros) return 0;
    rank -= this.zeros;
    const pos = [...(this.positive as Map<number, number>).entries()].sort((a, b) => a[0] - b[0]);
    for (const [k, c] of pos) {
      if (rank < c) return bucketValue(k);
      rank -= c;
    }
    return bucketValue((pos[pos.length - 1] as [number, number])[0]);
  }

  private toSketch(): void {
    const values = this.values as Float64Array;
    this.values = null;
    this.positive = new Map();
    this.negative = new Map();
    for (let i = 0; i < this.n; i++) this.count(values[i] as number);
  }

  private count(v: number): void {
    if (v === 0) {
      this.zeros++;
      return;
    }
    const map = (v > 0 ? this.positive : this.negative) as Map<number, number>;
    const k = Math.ceil(Math.log(Math.abs(v)) / LOG_GAMMA);
    map.set(k, (map.get(k) ?? 0) + 1);
  }
}

/** The value a bucket stands for: within RELATIVE_ACCURACY of every value in it. */
function bucketValue(k: number): number {
  return (2 * GAMMA ** k) / (GAMMA + 1);
}
