import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandAxis, linSpace, logSpace, RangeSpecError } from '../../src/sweep/range.js';

const MiB = 2 ** 20;

describe('axis ranges', () => {
  test('a log range of doublings gives exact powers of two: 1 MiB/s to 4 GiB/s in 13 steps', () => {
    const { values, generated } = expandAxis({ from: '1MiB/s', to: '4GiB/s', steps: 13, scale: 'log' });
    assert.equal(generated, true);
    assert.deepEqual(
      values,
      Array.from({ length: 13 }, (_, i) => 2 ** i * MiB),
    );
  });

  test('a log range has equal ratios and exact ends: 10 to 1000 in 5 steps is 10, 31.6, 100, 316, 1000', () => {
    const v = logSpace(10, 1000, 5);
    assert.equal(v[0], 10);
    assert.equal(v[4], 1000);
    assert.ok(Math.abs(v[1]! - 10 * Math.sqrt(10)) < 1e-12);
    assert.ok(Math.abs(v[2]! - 100) < 1e-12);
    assert.ok(Math.abs(v[3]! - 100 * Math.sqrt(10)) < 1e-9);
  });

  test('a linear range with steps includes both ends: 2 to 10 in 5 steps is 2, 4, 6, 8, 10', () => {
    assert.deepEqual(linSpace(2, 10, 5), [2, 4, 6, 8, 10]);
    assert.deepEqual(expandAxis({ from: 2, to: 10, steps: 5 }).values, [2, 4, 6, 8, 10]);
  });

  test('a linear range with a step: passes 5 to 30 step 5, and rates 100 to 400 MiB/s step 100 MiB/s', () => {
    assert.deepEqual(expandAxis({ from: 5, to: 30, step: 5 }).values, [5, 10, 15, 20, 25, 30]);
    assert.deepEqual(expandAxis({ from: '100MiB/s', to: '400MiB/s', step: '100MiB/s' }).values, [100 * MiB, 200 * MiB, 300 * MiB, 400 * MiB]);
    // 0.1 steps do not add up exactly; the last value is `to` itself
    assert.deepEqual(expandAxis({ from: 0, to: 0.3, step: 0.1 }).values.at(-1), 0.3);
  });

  test('round: true makes whole numbers, and refuses a range whose rounded values repeat', () => {
    // 2, 4.47, 10, 22.4, 50 (ratio 25^(1/4))
    assert.deepEqual(expandAxis({ from: 2, to: 50, steps: 5, scale: 'log', round: true }).values, [2, 4, 10, 22, 50]);
    assert.throws(
      () => expandAxis({ from: 1, to: 3, steps: 5, round: true }),
      (e: unknown) => e instanceof RangeSpecError && e.problem.key === 'round',
    );
  });

  test('a list is kept as written', () => {
    assert.deepEqual(expandAxis(['1Gbit/s', 5]), { values: ['1Gbit/s', 5], generated: false });
  });

  test('range problems name the key at fault', () => {
    const key = (spec: Parameters<typeof expandAxis>[0]) => {
      try {
        expandAxis(spec);
      } catch (e) {
        return (e as RangeSpecError).problem.key;
      }
      return 'none';
    };
    assert.equal(key({ from: '1MiB/s', to: '1s', steps: 3 }), 'to');
    assert.equal(key({ from: 0, to: 10, steps: 3, scale: 'log' }), 'from');
    assert.equal(key({ from: 1, to: 10, steps: 3, step: 1 }), 'step');
    assert.equal(key({ from: 1, to: 10 }), '');
    assert.equal(key({ from: 10, to: 1, step: 1 }), 'step');
    assert.equal(key({ from: 'fast', to: 10, steps: 2 }), 'from');
  });
});
