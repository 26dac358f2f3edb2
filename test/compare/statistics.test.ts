import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holm, permutationsFor, signFlipTest, twoSampleTest } from '../../src/compare/permutation.js';

test('paired sign-flip test, exact for few replicates: three positive differences give p = 2/8', () => {
  // of the 8 sign patterns of [1, 2, 3] only +++ and --- reach |sum| = 6
  assert.equal(signFlipTest([1, 2, 3], 10_000, 1), 0.25);
  // [3, 1, 1, 1]: |sum| >= 6 only for ++++ and ----: 2 of 16
  assert.equal(signFlipTest([3, 1, 1, 1], 10_000, 1), 0.125);
  // differences that cancel, or none at all, are no evidence
  assert.equal(signFlipTest([1, -1, 2, -2], 10_000, 1), 1);
  assert.equal(signFlipTest([0, 0, 0], 10_000, 1), 1);
});

test('sign flips by Monte Carlo: a clear non-change stops early with p near the exact one', () => {
  // 20 differences of +-1 summing to 2: the exact two-sided p is P(|S| >= 2) for a sum of 20 fair signs, 1 - P(S = 0) = 1 - C(20,10)/2^20 = 0.8238
  const d = Array.from({ length: 20 }, (_, i) => (i < 11 ? 1 : -1));
  const p = signFlipTest(d, 10_000, 3);
  assert.ok(Math.abs(p - 0.8238) < 0.15, String(p));
});

test('with more replicates than patterns to enumerate, a Monte Carlo p-value that is never 0', () => {
  const d = Array.from({ length: 20 }, () => 1);
  const p = signFlipTest(d, 10_000, 1);
  // the true p is 2 / 2^20; with 10,000 draws the estimate counts the observed pattern: (0 + 1) / 10,001
  assert.ok(p > 0 && p <= 2 / 10_001, String(p));
  // the same seed, the same answer
  assert.equal(signFlipTest(d, 10_000, 1), p);
});

test('two-sample permutation test: [1,2,3] against [4,5,6] is 2 of the 20 splits, about 0.1', () => {
  // clearly not significant: the test stops after 50 as extreme relabellings (about 500 draws), so p is 0.1 within ~15%
  const p = twoSampleTest([1, 2, 3], [4, 5, 6], 50_000, 7);
  assert.ok(Math.abs(p - 0.1) < 0.03, String(p));
  assert.equal(twoSampleTest([1, 2, 3], [4, 5, 6], 50_000, 7), p);
  assert.ok(twoSampleTest([5, 5, 5], [5, 5, 5], 1000, 7) === 1);
  // the same values in another order: no difference at all
  assert.ok(twoSampleTest([1, 2, 3, 4], [4, 3, 2, 1], 10_000, 7) > 0.99);
});

test("Holm's step-down correction, worked by hand", () => {
  // sorted: 0.005 <= 0.05/4, 0.01 <= 0.05/3, 0.03 > 0.05/2: the first two are significant, the rest not
  assert.deepEqual(holm([0.01, 0.04, 0.03, 0.005], 0.05), [true, false, false, true]);
  // six more comparisons left untested (p = 1): 0.005 <= 0.05/10, 0.01 > 0.05/9
  assert.deepEqual(holm([0.01, 0.04, 0.03, 0.005], 0.05, 10), [false, false, false, true]);
  assert.deepEqual(holm([], 0.05, 3), []);
});

test('enough permutations that the smallest p-value is well below alpha / m', () => {
  assert.equal(permutationsFor(0, 0.01), 10_000);
  assert.equal(permutationsFor(12, 0.01), 24_000);
  assert.ok(1 / (permutationsFor(500, 0.01) + 1) < 0.01 / 500 / 10);
  assert.equal(permutationsFor(1e6, 0.01), 1_000_000);
});
