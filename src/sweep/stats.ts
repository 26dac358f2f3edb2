/**
 * Statistics of a scenario's replicates (pure functions; simple-statistics
 * does the work where it has the function).
 */
import { itemAt } from '../common/lookup.js';
import { mean, medianSorted, quantileSorted, sampleStandardDeviation } from 'simple-statistics';

/** The standard normal's 97.5% point. */
const Z_975 = 1.959963984540054;

export interface Describe {
  mean: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  /** sample standard deviation (n - 1); null for a single value */
  sd: number | null;
  /** 95% confidence interval of the mean, t-based; null for a single value */
  ciLow: number | null;
  ciHigh: number | null;
}

export const DESCRIBE_FIELDS = ['mean', 'median', 'p95', 'min', 'max', 'sd', 'ciLow', 'ciHigh'] as const satisfies readonly (keyof Describe)[];

/**
 * Mean, median, p95, min, max, sample standard deviation and the 95%
 * confidence interval of the mean, mean +- t(0.975, n - 1) x sd / sqrt(n),
 * of the values (null when there are none). p95 is simple-statistics'
 * `quantileSorted`: linear interpolation between the order statistics at
 * (n - 1) x 0.95 (R's and numpy's default, type 7). Identical values (a deterministic
 * scenario's replicates) give exactly that value, sd 0 and a zero-width
 * interval, without rounding noise. Sorts `values` in place.
 */
export function describe(values: number[]): Describe | null {
  const n = values.length;
  if (n === 0) return null;
  // identical values (the common case) need no sort
  const first = itemAt(values, 0);
  if (values.every((v) => v === first))
    return { mean: first, median: first, p95: first, min: first, max: first, sd: n > 1 ? 0 : null, ciLow: n > 1 ? first : null, ciHigh: n > 1 ? first : null };
  const sorted = values.sort((a, b) => a - b);
  const min = itemAt(sorted, 0);
  const max = itemAt(sorted, n - 1);
  const m = mean(sorted);
  const sd = sampleStandardDeviation(sorted);
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean: m, median: medianSorted(sorted), p95: quantileSorted(sorted, 0.95), min, max, sd, ciLow: m - half, ciHigh: m + half };
}

const tCache = new Map<number, number>();

/**
 * Student's t 97.5% point for `df` degrees of freedom (a whole number >= 1),
 * to double precision: bisection on the exact distribution function for
 * whole df (Abramowitz & Stegun 26.7.3 and 26.7.4).
 */
export function tQuantile975(df: number): number {
  const known = tCache.get(df);
  if (known !== undefined) return known;
  let lo = Z_975;
  let hi = 12.8; // above t(0.975, 1) = 12.7062
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCentralShare(mid, df) < 0.95) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  tCache.set(df, t);
  return t;
}

/** P(|T| <= t) for Student's t with whole `df` (A&S 26.7.3 for odd df, 26.7.4 for even). */
export function tCentralShare(t: number, df: number): number {
  const theta = Math.atan(t / Math.sqrt(df));
  const s = Math.sin(theta);
  const c2 = Math.cos(theta) ** 2;
  if (df % 2 === 1) {
    if (df === 1) return (2 * theta) / Math.PI;
    // cos θ (1 + 2/3 cos²θ + (2·4)/(3·5) cos⁴θ + ... up to cos^(df-2)θ)
    let term = Math.cos(theta);
    let sum = term;
    for (let k = 3; k <= df - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * sum);
  }
  // 1 + 1/2 cos²θ + (1·3)/(2·4) cos⁴θ + ... up to cos^(df-2)θ
  let term = 1;
  let sum = 1;
  for (let k = 2; k <= df - 2; k += 2) {
    term *= ((k - 1) / k) * c2;
    sum += term;
  }
  return s * sum;
}
