import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nonDominated, nonDominatedByGroup } from '../../src/report/pareto.js';

test('non-dominated points of a hand-made table (both coordinates minimised)', () => {
  // x = total time, y = downtime
  const points = [
    { x: 10, y: 5 }, // A: front
    { x: 5, y: 10 }, // B: front (faster, longer downtime)
    { x: 12, y: 6 }, // C: A is better on both
    { x: 5, y: 10 }, // D: equal to B, so neither beats the other
    { x: 20, y: 1 }, // E: front (slowest, shortest downtime)
    { x: 10, y: 7 }, // F: A is as fast and has less downtime
    { x: NaN, y: 0.1 }, // G: never finished: not on the front
  ];
  assert.deepEqual(nonDominated(points), [true, true, false, true, true, false, false]);
});

test('an unfinished point dominates nothing', () => {
  assert.deepEqual(
    nonDominated([
      { x: 1, y: NaN },
      { x: 100, y: 100 },
    ]),
    [false, true],
  );
});

test('policies compete only within their own workload and link', () => {
  const rows = [
    { cond: 'slow link', x: 100, y: 10 },
    { cond: 'slow link', x: 200, y: 20 }, // dominated within 'slow link'
    { cond: 'fast link', x: 150, y: 15 }, // would be dominated by the first row, but it is another condition
    { cond: 'fast link', x: 150, y: 16 },
  ];
  assert.deepEqual(
    nonDominatedByGroup(
      rows,
      (r) => r.cond,
      (r) => r,
    ),
    [true, false, true, false],
  );
});
