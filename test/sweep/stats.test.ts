import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describe as describeValues, tCentralShare, tQuantile975 } from '../../src/sweep/stats.js';

const close = (a: number | null, b: number, tol = 1e-12) => assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('replicate statistics', () => {
  test('1, 2, 3, 4: mean 2.5, median 2.5, p95 3.85, sd sqrt(5/3), 95% CI 2.5 +- 3.1824 x sd / 2', () => {
    const d = describeValues([4, 1, 3, 2]);
    assert.ok(d);
    assert.equal(d.mean, 2.5);
    assert.equal(d.median, 2.5);
    // type 7: rank (4 - 1) x 0.95 = 2.85 -> 3 + 0.85 x (4 - 3)
    close(d.p95, 3.85);
    assert.equal(d.min, 1);
    assert.equal(d.max, 4);
    // squares of deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1 = 3
    close(d.sd, Math.sqrt(5 / 3));
    // t(0.975, 3) = 3.1824463052837078 (scipy); half width = t x sd / sqrt(4)
    const half = (3.1824463052837078 * Math.sqrt(5 / 3)) / 2;
    close(d.ciLow, 2.5 - half);
    close(d.ciHigh, 2.5 + half);
  });

  test('identical replicates (a deterministic scenario) give that value exactly, sd 0 and a zero-width interval', () => {
    const x = 322191.20410931204;
    const d = describeValues([x, x, x]);
    assert.deepEqual(d, { mean: x, median: x, p95: x, min: x, max: x, sd: 0, ciLow: x, ciHigh: x });
  });

  test('a single value has no spread and no interval; no values, no statistics', () => {
    assert.deepEqual(describeValues([7]), { mean: 7, median: 7, p95: 7, min: 7, max: 7, sd: null, ciLow: null, ciHigh: null });
    assert.equal(describeValues([]), null);
  });

  test("Student's t 97.5% points match scipy.stats.t.ppf(0.975, df) ", () => {
    const table: [number, number][] = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [3, 3.1824463052837078],
      [4, 2.7764451051977934],
      [5, 2.5705818356363146],
      [9, 2.262157162798205],
      [10, 2.228138851986274],
      [30, 2.0422724563012378],
    ];
    for (const [df, t] of table) close(tQuantile975(df), t, 1e-12);
    // far out it tends to the normal's 1.959964 (50,000 terms summed: 1e-11)
    close(tQuantile975(100000), 1.9599877075346095, 1e-11);
  });

  test('the t distribution function: P(|T| <= 1) is 1/2 for 1 df (arctan 1 = pi/4) and 1/sqrt(3) for 2 df (F = 1/2 + t / (2 sqrt(2 + t²)))', () => {
    close(tCentralShare(1, 1), 0.5);
    close(tCentralShare(1, 2), 1 / Math.sqrt(3));
  });
});
