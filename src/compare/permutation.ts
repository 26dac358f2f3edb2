/**
 * Permutation tests over replicates and Holm's correction: pure functions
 * over arrays of numbers.
 *
 * simple-statistics' `permutationTest` is the two-sample test, but it
 * returns (extreme permutations) / k, which is 0 when no shuffle reaches
 * the observed difference: a p-value of 0 passes any multiple-comparison
 * threshold, however many comparisons there are. The p-values here count
 * the observed arrangement as one of the permutations (Phipson & Smyth
 * 2010, "Permutation p-values should never be zero"), so they are valid at
 * every number of permutations; and they need no allocation per
 * permutation, since the Holm threshold over hundreds of comparisons asks
 * for 10^5 and more.
 */
import { Random } from '../engine/random.js';

/** Relative slack when comparing a permuted statistic with the observed one (sums in another order round differently). */
const TIE = 1e-12;

/**
 * Monte Carlo tests stop once this many permutations were as extreme as the
 * observed one (Besag & Clifford 1991, "Sequential Monte Carlo p-values"):
 * p = EXTREME / permutations drawn is then a valid p-value, a clearly
 * insignificant change costs a few hundred permutations instead of up to a
 * million, and only changes that may be significant draw them all.
 */
const EXTREME = 50;

/** The p-value of a Monte Carlo test that stopped after `drawn` permutations with `extreme` as extreme as the observed one. */
function monteCarloP(extreme: number, drawn: number, permutations: number): number {
  return extreme >= EXTREME && drawn < permutations ? extreme / drawn : (extreme + 1) / (permutations + 1);
}

/** Permutations for a family of `m` comparisons at level `alpha`: enough that the smallest attainable p-value is well below alpha / m. */
export function permutationsFor(m: number, alpha: number): number {
  return Math.min(1_000_000, Math.max(10_000, Math.ceil((20 * Math.max(1, m)) / alpha)));
}

/**
 * Two-sided paired test: the sign-flip permutation test on the differences
 * `d` (candidate - baseline, replicate by replicate), statistic |sum of d|.
 * Under "no change" each difference is as likely to be negative as
 * positive. All 2^n sign patterns when 2^n <= `permutations` (an exact
 * p-value, at least 2 / 2^n), else `permutations` random patterns drawn
 * from `seed` (stopping early once the change is clearly noise).
 */
export function signFlipTest(d: readonly number[], permutations: number, seed: number): number {
  const n = d.length;
  let observed = 0;
  let scale = 0;
  for (const x of d) {
    observed += x;
    scale += Math.abs(x);
  }
  const target = Math.abs(observed) - TIE * scale;
  if (n === 0 || scale === 0) return 1;
  if (n <= 30 && 2 ** n <= permutations) {
    let extreme = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i]! : d[i]!;
      if (Math.abs(s) >= target) extreme++;
    }
    return extreme / total;
  }
  const rng = new Random(seed);
  let extreme = 0;
  let k = 0;
  while (k < permutations && extreme < EXTREME) {
    k++;
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.next() < 0.5 ? -d[i]! : d[i]!;
    if (Math.abs(s) >= target) extreme++;
  }
  return monteCarloP(extreme, k, permutations);
}

/**
 * Two-sided two-sample test: the permutation test of the difference of
 * means, with up to `permutations` random relabellings of the pooled values
 * drawn from `seed` (the observed labelling counted as one; stopping early
 * once the change is clearly noise).
 */
export function twoSampleTest(a: readonly number[], b: readonly number[], permutations: number, seed: number): number {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) return 1;
  const pooled = Float64Array.from([...a, ...b]);
  const total = pooled.reduce((s, x) => s + x, 0);
  const scale = pooled.reduce((s, x) => s + Math.abs(x), 0);
  const diff = (sumA: number) => (total - sumA) / nb - sumA / na;
  const sumA = a.reduce((s, x) => s + x, 0);
  const target = Math.abs(diff(sumA)) - TIE * (scale / Math.min(na, nb));
  if (scale === 0) return 1;
  const rng = new Random(seed);
  const N = pooled.length;
  let extreme = 0;
  let k = 0;
  while (k < permutations && extreme < EXTREME) {
    k++;
    // a random subset of na values as sample a: the first na steps of a Fisher-Yates shuffle
    let s = 0;
    for (let i = 0; i < na; i++) {
      const j = i + rng.int(N - i);
      const picked = pooled[j]!;
      pooled[j] = pooled[i]!;
      pooled[i] = picked;
      s += picked;
    }
    if (Math.abs(diff(s)) >= target) extreme++;
  }
  return monteCarloP(extreme, k, permutations);
}

/**
 * Holm's step-down correction: which of the p-values are significant with
 * a family-wise error rate of at most `alpha` (the chance of one or more
 * false alarms in the whole family, under any dependence between the
 * tests). Sorted ascending, p_(i) is significant while p_(j) <= alpha / (m - j)
 * for every j <= i (i from 0). `m` may exceed `p.length`: comparisons left
 * untested count as p = 1, which only makes the thresholds stricter.
 */
export function holm(p: readonly number[], alpha: number, m = p.length): boolean[] {
  const order = p.map((value, i) => ({ value, i })).sort((x, y) => x.value - y.value);
  const out = p.map(() => false);
  for (const [j, { value, i }] of order.entries()) {
    if (value > alpha / (m - j)) break;
    out[i] = true;
  }
  return out;
}
