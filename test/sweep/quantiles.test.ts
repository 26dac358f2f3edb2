/**
 * The terminal table's quantiles: exact (numpy's linear method) while a
 * store holds few values, then a sketch within RELATIVE_ACCURACY of the
 * value at the rank, in memory that does not grow with the runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantileStore, RELATIVE_ACCURACY } from '../../src/sweep/quantiles.js';
import { variantTable } from '../../src/sweep/variant-table.js';

test('exact: median and p95 by linear interpolation between the sorted values', () => {
  const q = new QuantileStore();
  for (const v of [4, 1, 3, 2]) q.push(v);
  // sorted 1 2 3 4: the median sits halfway between 2 and 3; p95 at index 0.95 x 3 = 2.85, between 3 and 4
  assert.equal(q.quantile(0.5), 2.5);
  assert.ok(Math.abs((q.quantile(0.95) as number) - 3.85) < 1e-12);
  assert.equal(q.approximate, false);
  // values added after a quantile was asked are sorted in again
  q.push(0);
  assert.equal(q.quantile(0.5), 2);
  assert.equal(new QuantileStore().quantile(0.5), null);
});

test('exact: the same figures as sorting every value and interpolating by hand, on values with many ties, at odd and even counts', () => {
  // a seeded LCG: values 0..49 (many ties) and a few large ones
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  for (const n of [1, 2, 999, 1000, 20_001]) {
    const q = new QuantileStore();
    const all: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = next() % 50 === 0 ? next() / 1000 : next() % 50;
      q.push(v);
      all.push(v);
    }
    const sorted = [...all].sort((a, b) => a - b);
    for (const p of [0, 0.05, 0.5, 0.95, 1]) {
      const at = p * (n - 1);
      const lo = Math.floor(at);
      const hi = Math.ceil(at);
      const byHand = sorted[lo]! + (at - lo) * (sorted[hi]! - sorted[lo]!);
      assert.ok(Math.abs((q.quantile(p) as number) - byHand) <= 1e-9 * Math.max(1, Math.abs(byHand)), `n ${n}, p ${p}: ${q.quantile(p)} against ${byHand}`);
    }
  }
});

test('past the exact limit: the value at rank floor(p (n - 1)) within the relative accuracy', () => {
  const q = new QuantileStore(10);
  // 1000 values, shuffled deterministically (i x 7919 mod 1000 visits every residue once)
  for (let i = 0; i < 1000; i++) q.push(((i * 7919) % 1000) + 1);
  assert.equal(q.approximate, true);
  assert.equal(q.length, 1000);
  const near = (got: number | null, want: number) => assert.ok(got !== null && Math.abs(got - want) <= want * RELATIVE_ACCURACY * (1 + 1e-9), `${got} vs ${want}`);
  // ranks floor(0.5 x 999) = 499 and floor(0.95 x 999) = 949 of 1..1000: 500 and 950
  near(q.quantile(0.5), 500);
  near(q.quantile(0.95), 950);
  near(q.quantile(0), 1);
  near(q.quantile(1), 1000);
});

test('a sketch orders negative values, zeros and positive values', () => {
  const q = new QuantileStore(1);
  for (const v of [0, 7, -5, 0]) q.push(v);
  // sorted -5 0 0 7: ranks 0, 1, 3
  assert.ok(Math.abs((q.quantile(0) as number) + 5) <= 5 * RELATIVE_ACCURACY * (1 + 1e-9));
  assert.equal(q.quantile(0.5), 0);
  assert.ok(Math.abs((q.quantile(1) as number) - 7) <= 7 * RELATIVE_ACCURACY * (1 + 1e-9));
});

test('the table says when its figures come from a sketch', () => {
  const row = { variant: 'a', runs: 2_000_000, errors: 0, completedShare: 1, totalTimeMsMedian: 1000, downtimeMsMedian: 10, downtimeMsP95: 20, transferFactorMedian: 1.5 };
  assert.doesNotMatch(variantTable([row]), /sketch/);
  assert.match(variantTable([{ ...row, approximate: true }]), /\n\(variants with more than 1,048,576 runs: medians and p95 within 0\.05%, from a sketch\)\n$/);
});
