import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStatistics, parseLimit, parseStatistic, RUN_METRICS, RUN_WIDTH, type Statistic } from '../../src/tune/statistic.js';

const stat = (text: string): Statistic => {
  const r = parseStatistic(text);
  assert.ok(r.ok, text);
  return r.statistic;
};

test("limits are read in the statistic's unit: times in ms (a bare number too), seconds metrics in s, sizes in bytes, shares as fractions or percentages", () => {
  assert.deepEqual(parseLimit(stat('downtimeMs.p99'), '1s'), { ok: true, value: 1000 });
  assert.deepEqual(parseLimit(stat('downtimeMs.p99'), '500'), { ok: true, value: 500 });
  assert.deepEqual(parseLimit(stat('totalTimeMs.p95'), '10min'), { ok: true, value: 600_000 });
  assert.deepEqual(parseLimit(stat('throttleCpuSeconds.mean'), '5min'), { ok: true, value: 300 });
  assert.deepEqual(parseLimit(stat('transferredBytes.max'), '1GiB'), { ok: true, value: 2 ** 30 });
  assert.deepEqual(parseLimit(stat('abortedShare'), '2%'), { ok: true, value: 0.02 });
  assert.deepEqual(parseLimit(stat('abortedShare'), '0.02'), { ok: true, value: 0.02 });
  assert.equal(parseLimit(stat('abortedShare'), '1.5').ok, false);
  assert.equal(parseLimit(stat('downtimeMs.p99'), '1GiB').ok, false);
});

test('statistics over runs: type-7 quantiles, the mean, min and max over the runs that have the metric, shares over all runs', () => {
  // 20 runs: downtime 1..20 ms; run 20 aborted (no downtime), so downtime is over 1..19
  const runs = new Float64Array(20 * RUN_WIDTH);
  const d = RUN_METRICS.indexOf('downtimeMs');
  const outcome = RUN_METRICS.length;
  for (let i = 0; i < 20; i++) {
    runs[i * RUN_WIDTH + d] = i < 19 ? i + 1 : NaN;
    runs[i * RUN_WIDTH + outcome] = i < 19 ? 0 : 1;
  }
  const names = [
    'downtimeMs.p95',
    'downtimeMs.p99',
    'downtimeMs.median',
    'downtimeMs.mean',
    'downtimeMs.min',
    'downtimeMs.max',
    'abortedShare',
    'completedShare',
    'unfinishedShare',
  ];
  // p95 over 1..19: h = 18 x 0.95 = 17.1 -> 18 + 0.1 x (19 - 18) = 18.1; p99: h = 17.82 -> 18.82; median: h = 9 -> 10; mean 190 / 19 = 10
  const got = computeStatistics(runs, names.map(stat));
  assert.deepEqual(
    got.map((v) => Math.round(v * 1e9) / 1e9),
    [18.1, 18.82, 10, 10, 1, 19, 0.05, 0.95, 0],
  );
});

test('unknown metrics and statistics name the nearest valid one', () => {
  assert.deepEqual(parseStatistic('downtimeMs.p98'), {
    ok: false,
    reason: "unknown statistic 'p98' of downtimeMs; did you mean 'p95'?; expected downtimeMs.<mean|median|p95|p99|max|min>",
  });
  const r = parseStatistic('abortShare');
  assert.ok(!r.ok && r.reason.startsWith("unknown statistic 'abortShare'; did you mean 'abortedShare'?"), JSON.stringify(r));
});
