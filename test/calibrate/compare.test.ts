import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRun, errorStats, evaluateTargets, measuredXbzrleHitRate, relativeError, summarizeComparison, type RunComparison } from '../../src/calibrate/compare.js';
import { meanPrediction, type Prediction } from '../../src/calibrate/predict.js';
import { measuredRun } from './measured-run.js';

function prediction(over: Partial<Prediction> = {}): Prediction {
  return { outcome: 'completed', totalTimeMs: 10733, transferredBytes: 369294203, syncs: 13, downtimeMs: 7, maxThrottlePct: 0, xbzrleHitRate: null, multifdBytes: 0, ...over };
}

/** A completed run measured at 10 s and 1e9 B with 5 syncs, predicted with the given relative errors and sync difference. */
function runWithErrors(name: string, timeError: number, bytesError: number, syncsDiff = 0): RunComparison {
  const m = measuredRun({ name, totalTimeMs: 10_000, transferredBytes: 1e9, syncs: 5 });
  return compareRun(m, prediction({ totalTimeMs: 10_000 * (1 + timeError), transferredBytes: 1e9 * (1 + bytesError), syncs: 5 + syncsDiff }));
}

describe('one run, predicted against measured', () => {
  test('relative error is (predicted - measured) / measured for each metric, and syncs are compared as a difference', () => {
    const c = compareRun(
      measuredRun({ totalTimeMs: 10_000, transferredBytes: 1e9, syncs: 13, downtimeMs: 8, maxThrottlePct: 70, autoConverge: true }),
      prediction({ totalTimeMs: 9000, transferredBytes: 1.05e9, syncs: 9, downtimeMs: 10, maxThrottlePct: 70 }),
    );
    assert.equal(c.outcomeCorrect, true);
    assert.equal(c.totalTimeMs.relError, -0.1);
    assert.ok(Math.abs((c.transferredBytes.relError as number) - 0.05) < 1e-12);
    assert.equal(c.syncsDiff, -4);
    assert.equal(c.downtimeMs.relError, 0.25);
    assert.equal(c.maxThrottlePct.relError, 0);
    assert.equal(c.timeExcluded, null);
    assert.equal(c.bytesExcluded, null);
  });

  test('no relative error without both figures or against a measured 0', () => {
    assert.equal(relativeError(5, null), null);
    assert.equal(relativeError(null, 5), null);
    assert.equal(relativeError(5, 0), null);
    assert.equal(relativeError(Number.NaN, 5), null);
    assert.equal(compareRun(measuredRun({ outcome: 'not-converged', downtimeMs: null }), prediction({ outcome: 'not-converged', downtimeMs: null })).downtimeMs.relError, null);
  });

  test('a guest that never wrote its RAM is left out of the time and byte statistics: its few ms are setup', () => {
    const c = compareRun(
      measuredRun({ fill: false, wsMiB: 0, ratePagesPerSec: 0, totalTimeMs: 16, transferredBytes: 1062011, syncs: 2 }),
      prediction({ totalTimeMs: 1.1, transferredBytes: 1062011, syncs: 2 }),
    );
    assert.match(c.timeExcluded ?? '', /never wrote/);
    assert.equal(c.bytesExcluded, c.timeExcluded);
    assert.equal(c.syncsDiff, 0);
    // a filled idle guest stays in: all of its RAM crosses the link
    assert.equal(compareRun(measuredRun({ wsMiB: 0, ratePagesPerSec: 0 }), prediction()).timeExcluded, null);
  });

  test('a run not converged on both sides keeps its bytes in the statistics but not its time (both are the bound)', () => {
    const c = compareRun(measuredRun({ outcome: 'not-converged', totalTimeMs: 59999 }), prediction({ outcome: 'not-converged', totalTimeMs: 60000 }));
    assert.match(c.timeExcluded ?? '', /time bound/);
    assert.equal(c.bytesExcluded, null);
    // predicted completed where QEMU did not: a wrong outcome, and its time counts
    const wrong = compareRun(measuredRun({ outcome: 'not-converged', totalTimeMs: 60000 }), prediction({ totalTimeMs: 30000 }));
    assert.equal(wrong.outcomeCorrect, false);
    assert.equal(wrong.timeExcluded, null);
  });

  test('a run QEMU failed is a wrong outcome and out of every statistic', () => {
    const c = compareRun(measuredRun({ outcome: 'failed' }), prediction());
    assert.equal(c.outcomeCorrect, false);
    assert.equal(c.syncsDiff, null);
    assert.match(c.timeExcluded ?? '', /failed/);
    assert.match(c.bytesExcluded ?? '', /failed/);
  });
});

describe('statistics over the grid', () => {
  test('median and p90 of |relative error| (linear interpolation), worst run, null errors ignored', () => {
    const errors = [0.01, -0.02, 0.03, -0.04, 0.05, 0.06, -0.07, 0.08, -0.1];
    const s = errorStats([...errors.map((error, i) => ({ name: `r${i}`, error })), { name: 'left-out', error: null }]);
    assert.equal(s.n, 9);
    assert.equal(s.median, 0.05);
    // sorted |e|: 0.01 ... 0.08, 0.10; p90 at index 8 x 0.9 = 7.2: 0.08 + 0.2 x (0.10 - 0.08) = 0.084
    assert.ok(Math.abs((s.p90 as number) - 0.084) < 1e-12, String(s.p90));
    assert.deepEqual(s.worst, { name: 'r8', relError: -0.1 });
    assert.deepEqual(errorStats([{ name: 'x', error: null }]), { n: 0, median: null, p90: null, worst: null });
  });

  test('the summary counts right outcomes, leaves excluded runs out, and names the runs whose syncs are off by more than 1', () => {
    const rows = [
      runWithErrors('a', 0.01, -0.02),
      runWithErrors('b', -0.05, 0.04, 1),
      runWithErrors('c', 0.1, 0.1, -4),
      compareRun(measuredRun({ name: 'never', fill: false, wsMiB: 0, ratePagesPerSec: 0, totalTimeMs: 16 }), prediction({ totalTimeMs: 1 })),
    ];
    const s = summarizeComparison(rows);
    assert.equal(s.runs, 4);
    assert.equal(s.outcomesCorrect, 4);
    assert.equal(s.totalTime.n, 3);
    assert.ok(Math.abs((s.totalTime.median as number) - 0.05) < 1e-12);
    assert.equal(s.syncsMaxAbsDiff, 4);
    assert.deepEqual(s.syncsMisses, [{ name: 'c', measured: 5, predicted: 1 }]);
  });
});

describe('the accuracy targets of issue 7', () => {
  test('pass: every outcome right, time and bytes p90 <= 15 %, syncs within 1', () => {
    const checks = evaluateTargets(summarizeComparison([runWithErrors('a', 0.02, -0.03, 1), runWithErrors('b', -0.15, 0.15, -1), runWithErrors('c', 0.05, 0.01)]));
    assert.deepEqual(
      checks.map((c) => [c.name, c.pass]),
      [
        ['outcomes', true],
        ['total time', true],
        ['transferred bytes', true],
        ['syncs', true],
      ],
    );
    assert.match(checks[1]!.text, /Nathan et al\. 2015: 12\.0% at p90 on KVM/);
  });

  test('fail: time p90 over 15 %, a sync difference of 2, a wrong outcome, each named', () => {
    const rows = [
      runWithErrors('a', 0.02, 0.01),
      runWithErrors('slow', 0.3, 0.01, 2),
      compareRun(measuredRun({ name: 'stuck', outcome: 'not-converged', totalTimeMs: 60000, syncs: 30 }), prediction({ totalTimeMs: 20000, syncs: 30 })),
    ];
    const checks = evaluateTargets(summarizeComparison(rows));
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    assert.ok(byName.outcomes && byName.syncs);
    assert.equal(byName.outcomes.pass, false);
    assert.match(byName.outcomes.text, /2 of 3 .*wrong: stuck/);
    assert.equal(byName['total time']!.pass, false);
    assert.match(byName['total time']!.text, /> 15\.0%/);
    assert.equal(byName['transferred bytes']!.pass, true);
    assert.equal(byName.syncs.pass, false);
    assert.match(byName.syncs.text, /slow: measured 5, predicted 7/);
  });
});

test('page fidelity averages its seeds; the outcome is the one most seeds had', () => {
  const m = meanPrediction([
    prediction({ syncs: 11, totalTimeMs: 100 }),
    prediction({ syncs: 12, totalTimeMs: 200, outcome: 'not-converged', downtimeMs: null }),
    prediction({ syncs: 10, totalTimeMs: 300 }),
  ]);
  assert.equal(m.syncs, 11);
  assert.equal(m.totalTimeMs, 200);
  assert.equal(m.outcome, 'completed');
  assert.equal(m.downtimeMs, 7); // over the seeds that completed
});

describe('the XBZRLE hit rate (issue 13): within 10 points, only where QEMU ran XBZRLE', () => {
  // xbzrle-large of the feature grid: 424 pages found in the cache, 1025 misses
  const large = measuredRun({ name: 'xbzrle-large', xbzrleCacheBytes: 8 * 2 ** 20, xbzrlePages: 424, xbzrleCacheMiss: 1025, xbzrleOverflow: 0 });
  const small = measuredRun({ name: 'xbzrle-small', xbzrleCacheBytes: 2 ** 20, xbzrlePages: 39, xbzrleCacheMiss: 1095, xbzrleOverflow: 0 });

  test('measured hit rate is pages / (pages + cache-miss); a run without XBZRLE has none', () => {
    assert.equal(measuredXbzrleHitRate(large), 424 / 1449);
    assert.equal(measuredXbzrleHitRate(measuredRun()), null);
    assert.equal(measuredXbzrleHitRate(measuredRun({ xbzrlePages: 0, xbzrleCacheMiss: 0 })), null);
  });

  test('the difference is in points; 12 points off fails, 9 passes; runs without XBZRLE add no target', () => {
    const near = compareRun(large, prediction({ xbzrleHitRate: 424 / 1449 + 0.09 }));
    const far = compareRun(small, prediction({ xbzrleHitRate: 39 / 1134 - 0.12 }));
    assert.ok(Math.abs((near.xbzrleHitRateDiff as number) - 0.09) < 1e-12);
    const summary = summarizeComparison([near, far]);
    assert.equal(summary.xbzrleRuns, 2);
    assert.ok(Math.abs((summary.xbzrleHitRateMaxAbsDiff as number) - 0.12) < 1e-12);
    const target = evaluateTargets(summary).find((t) => t.name === 'XBZRLE hit rate');
    assert.equal(target?.pass, false);
    assert.match(target?.text ?? '', /max \|difference\| 12\.0 points > 10 over 2 runs \(xbzrle-small: measured 3\.4%, predicted -8\.6%\)/);
    assert.equal(evaluateTargets(summarizeComparison([near])).at(-1)?.pass, true);
    // the default grid: four targets, no hit rate
    assert.deepEqual(
      evaluateTargets(summarizeComparison([runWithErrors('a', 0, 0)])).map((t) => t.name),
      ['outcomes', 'total time', 'transferred bytes', 'syncs'],
    );
  });

  test('a model that predicts no hit rate for an XBZRLE run fails the target, naming the run', () => {
    const target = evaluateTargets(summarizeComparison([compareRun(large, prediction())])).at(-1);
    assert.deepEqual([target?.name, target?.pass], ['XBZRLE hit rate', false]);
    assert.match(target?.text ?? '', /predicts no hit rate for xbzrle-large/);
  });

  test("page fidelity's mean over seeds keeps the hit rates the seeds had", () => {
    assert.equal(meanPrediction([prediction({ xbzrleHitRate: 0.2 }), prediction({ xbzrleHitRate: 0.4 }), prediction()]).xbzrleHitRate, (0.2 + 0.4) / 2);
    assert.equal(meanPrediction([prediction(), prediction()]).xbzrleHitRate, null);
  });
});
