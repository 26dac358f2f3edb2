// The comparison on the committed reference grid (test/fixtures/calibration/
// measured.csv: ten real migrations, QEMU 7.2.22, TCG, a 2-core host, run 2
// of the default grid). These are issue 7's accuracy targets, held by the
// engine as it is; the known miss is kept as a test of its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareGrid, evaluateTargets, summarizeComparison, TARGET_P90_REL_ERROR, type RunComparison } from '../../src/calibrate/compare.js';
import { parseMeasuredCsv } from '../../src/calibrate/csv.js';
import { predictRun } from '../../src/calibrate/predict.js';
import { stopCopyBytesPerSec } from '../../src/calibrate/scenario.js';

const FILE = fileURLToPath(new URL('../../../test/fixtures/calibration/measured.csv', import.meta.url));
const runs = parseMeasuredCsv(readFileSync(FILE, 'utf8'), FILE);
const link = stopCopyBytesPerSec(runs) as number;
const rows = compareGrid(
  runs,
  runs.map((r) => predictRun(r, link)),
);
const fluid = summarizeComparison(rows.fluid);

function row(name: string, model: 'fluid' | 'page'): RunComparison {
  const r = rows[model].find((x) => x.name === name);
  assert.ok(r, `run ${name}`);
  return r;
}

describe('the engine against the reference grid (QEMU 7.2 TCG)', () => {
  test('the stop-and-copy speed is the median of 8 completed runs: (547 + 1343 MB/s) / 2', () => {
    assert.equal(runs.length, 10);
    // small-bw32: 7113306 B in 13 ms; large-bw128: 38955168 B in 29 ms (the middle two of eight)
    assert.ok(Math.abs(link - (7113306 / 0.013 + 38955168 / 0.029) / 2) < 1, String(link));
  });

  test('the fluid engine classifies every run right: nine complete, large-bw32 (64 MiB/s of writes over 32 MiB/s) never converges', () => {
    assert.equal(fluid.outcomesCorrect, 10);
    assert.equal(row('large-bw32', 'fluid').predictedOutcome, 'not-converged');
  });

  test('total time and transferred bytes are within 15 % at the 90th percentile', () => {
    assert.ok((fluid.totalTime.p90 as number) <= TARGET_P90_REL_ERROR, `time p90 ${fluid.totalTime.p90}`);
    assert.ok((fluid.transferredBytes.p90 as number) <= TARGET_P90_REL_ERROR, `bytes p90 ${fluid.transferredBytes.p90}`);
    // idle-unfilled is left out of both (setup time), large-bw32 of time only (both at the 60 s bound)
    assert.equal(fluid.totalTime.n, 8);
    assert.equal(fluid.transferredBytes.n, 9);
  });

  test('syncs are within 1 in every run but medium-bw32', () => {
    for (const r of rows.fluid) {
      if (r.name === 'medium-bw32') continue;
      assert.ok(Math.abs(r.syncsDiff as number) <= 1, `${r.name}: measured ${r.syncs.measured}, predicted ${r.syncs.predicted}`);
    }
    const targets = evaluateTargets(fluid);
    assert.deepEqual(
      targets.filter((t) => !t.pass).map((t) => t.name),
      ['syncs'],
    );
  });

  test('auto-converge reaches 70 % as QEMU does (20 %, then +10 every second sync above the trigger)', () => {
    const ac = row('large-bw32-ac', 'fluid');
    assert.equal(ac.maxThrottlePct.measured, 70);
    assert.equal(ac.maxThrottlePct.predicted, 70);
  });

  test('real QEMU needs more syncs when a sequential writer and the send cursor move through one contiguous block: the fluid model sees overlap and stops early', () => {
    // medium-bw32: 32 MiB written page after page at ~6100 pages/s (24 MiB/s) over a 32 MiB/s link.
    // The writer's new pages almost never fall on pages still pending, so real QEMU's
    // pending set shrinks by only (send rate - dirty rate) per round: 13 syncs. The fluid
    // model assumes scattered pages and remembers only the writer's last arc, so part of
    // each arc lands on pending pages, the rest shrinks faster and it stops after fewer.
    const f = row('medium-bw32', 'fluid');
    const p = row('medium-bw32', 'page');
    assert.equal(f.syncs.measured, 13);
    assert.ok((f.syncs.predicted as number) < 13 - 1, `fluid predicts ${f.syncs.predicted} syncs`);
    // page fidelity with the working set in one block keeps the address order and comes closer
    // (10 here; 11 in an earlier run of the grid that measured 12)
    assert.ok(Math.abs((p.syncs.predicted as number) - 13) < Math.abs((f.syncs.predicted as number) - 13), `page predicts ${p.syncs.predicted}`);
    // the extra rounds are short: time and bytes of that run still agree
    assert.ok(Math.abs(f.totalTimeMs.relError as number) <= 0.1);
    assert.ok(Math.abs(f.transferredBytes.relError as number) <= 0.1);
  });
});
