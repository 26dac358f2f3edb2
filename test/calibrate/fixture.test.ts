// The comparison on the committed reference grid (test/fixtures/calibration/
// measured.csv: ten real migrations, QEMU 7.2.22, TCG, a 2-core host, run 2
// of the default grid). Issue 7's accuracy targets, out of sample: each run
// predicted from its configuration and the other runs' stop-and-copy speed.
// The known miss is held to its documented bound, so a better model passes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareGrid, evaluateTargets, summarizeComparison, type RunComparison } from '../../src/calibrate/compare.js';
import { parseMeasuredCsv } from '../../src/calibrate/csv.js';
import { predictGrid, type RunPredictions } from '../../src/calibrate/predict.js';
import { linkPerRun, stopCopyBytesPerSec } from '../../src/calibrate/scenario.js';

const FILE = fileURLToPath(new URL('../../../test/fixtures/calibration/measured.csv', import.meta.url));
const runs = parseMeasuredCsv(readFileSync(FILE, 'utf8'), FILE);
const link = stopCopyBytesPerSec(runs) as number;
const rows = compareGrid(runs, predictGrid(runs, 'ahead') as RunPredictions[]);
const inSample = compareGrid(runs, predictGrid(runs, 'measured') as RunPredictions[]);
const fluid = summarizeComparison(rows.fluid);

/** downtime-bytes / downtime of a run of the fixture, bytes/s, from its measured.csv row */
const speed = (bytes: number, ms: number): number => bytes / (ms / 1000);
// the eight completed runs that sent something while stopped, slowest first:
// idle-bw128 285, small-bw128 393, idle-bw32 437, small-bw32 547 | large-bw128 1343, medium-bw128 1345, medium-bw32 1441, large-bw32-ac 2039 MB/s
const SMALL_BW32 = speed(7113306, 13);
const LARGE_BW128 = speed(38955168, 29);

function row(name: string, model: 'fluid' | 'page'): RunComparison {
  const r = rows[model].find((x) => x.name === name);
  assert.ok(r, `run ${name}`);
  return r;
}

describe('the engine against the reference grid (QEMU 7.2 TCG)', () => {
  test('the stop-and-copy speed is the median of 8 completed runs: (547 + 1343 MB/s) / 2', () => {
    assert.equal(runs.length, 10);
    assert.ok(Math.abs(link - (SMALL_BW32 + LARGE_BW128) / 2) < 1, String(link));
  });

  test('out of sample each run gets the median of the other runs: leaving out one of the slower four moves it to 1343 MB/s, one of the faster four to 547', () => {
    const links = new Map(runs.map((r, i) => [r.name, linkPerRun(runs, 'ahead')[i]]));
    for (const slow of ['idle-bw128', 'small-bw128', 'idle-bw32', 'small-bw32']) assert.equal(links.get(slow), LARGE_BW128, slow);
    for (const fast of ['large-bw128', 'medium-bw128', 'medium-bw32', 'large-bw32-ac']) assert.equal(links.get(fast), SMALL_BW32, fast);
    // a run that sent nothing while stopped (or never completed) leaves all eight in
    assert.equal(links.get('idle-unfilled-bw128'), link);
    assert.equal(links.get('large-bw32'), link);
  });

  test('the fluid engine classifies every run right: nine complete, large-bw32 (64 MiB/s of writes over 32 MiB/s) never converges', () => {
    assert.equal(fluid.outcomesCorrect, 10);
    assert.equal(row('large-bw32', 'fluid').predictedOutcome, 'not-converged');
  });

  test('total time and transferred bytes are within 15 % at the 90th percentile', () => {
    assert.ok((fluid.totalTime.p90 as number) <= 0.15, `time p90 ${fluid.totalTime.p90}`);
    assert.ok((fluid.transferredBytes.p90 as number) <= 0.15, `bytes p90 ${fluid.transferredBytes.p90}`);
    // idle-unfilled is left out of both (setup time), large-bw32 of time only (both at the 60 s bound)
    assert.equal(fluid.totalTime.n, 8);
    assert.equal(fluid.transferredBytes.n, 9);
  });

  test('syncs are within 1 in every run but medium-bw32; outcomes, time and bytes meet their targets in and out of sample', () => {
    for (const r of rows.fluid) {
      if (r.name === 'medium-bw32') continue;
      assert.ok(Math.abs(r.syncsDiff as number) <= 1, `${r.name}: measured ${r.syncs.measured}, predicted ${r.syncs.predicted}`);
    }
    for (const [label, grid] of [
      ['out of sample', rows],
      ['in sample', inSample],
    ] as const) {
      const passed = evaluateTargets(summarizeComparison(grid.fluid))
        .filter((t) => t.pass)
        .map((t) => t.name);
      for (const target of ['outcomes', 'total time', 'transferred bytes'] as const) assert.ok(passed.includes(target), `${label}: ${target}`);
    }
  });

  test('auto-converge reaches 70 % as QEMU does (20 %, then +10 every second sync above the trigger)', () => {
    const ac = row('large-bw32-ac', 'fluid');
    assert.equal(ac.maxThrottlePct.measured, 70);
    assert.equal(ac.maxThrottlePct.predicted, 70);
  });

  test("medium-bw32, once the known miss: the fluid engine within one sync (a contiguous writer's new arc runs past the pending pages), page fidelity at most 4 short, time and bytes within 10 %", () => {
    // medium-bw32: 32 MiB written page after page at ~6100 pages/s (24 MiB/s) over a 32 MiB/s link.
    // The writer's new pages almost never fall on pending pages, so real QEMU's pending set
    // shrinks by only (send rate - dirty rate) per round: 13 syncs. The fluid model with the block
    // sent in address order (layout: contiguous) predicts 12; with the marks spread evenly it gave 10
    // (9 in sample). Page fidelity (mean of 5 seeds, whose writer phase decides a lot) stays within KNOWN_MISS's bound.
    for (const [label, grid] of [
      ['out of sample', rows],
      ['in sample', inSample],
    ] as const) {
      for (const model of ['fluid', 'page'] as const) {
        const r = grid[model].find((x) => x.name === 'medium-bw32') as RunComparison;
        assert.equal(r.syncs.measured, 13);
        assert.ok(Math.abs(r.syncsDiff as number) <= (model === 'fluid' ? 1 : 4), `${label} ${model}: predicts ${r.syncs.predicted} syncs`);
        assert.ok(Math.abs(r.totalTimeMs.relError as number) <= 0.1, `${label} ${model}: time ${r.totalTimeMs.relError}`);
        assert.ok(Math.abs(r.transferredBytes.relError as number) <= 0.1, `${label} ${model}: bytes ${r.transferredBytes.relError}`);
      }
    }
  });
});
