// The committed wire-feature grid (test/fixtures/calibration-features/:
// twelve real migrations, QEMU 7.2.22, TCG, the 2-core host while idle): what QEMU
// 7.2's code says its counters must show, checked on what was measured.
// These facts decide what a model of 7.2 has to predict (docs/calibration.md#the-wire-feature-grid).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMeasuredCsv } from '../../src/calibrate/csv.js';
import { featureGrid } from '../../src/calibrate/grid.js';
import { stopCopySpeeds } from '../../src/calibrate/scenario.js';
import { compareGrid, summarizeComparison, type RunComparison } from '../../src/calibrate/compare.js';
import { predictGrid, type RunPredictions } from '../../src/calibrate/predict.js';
import type { MeasuredRun } from '../../src/calibrate/types.js';

const FILE = fileURLToPath(new URL('../../../test/fixtures/calibration-features/measured.csv', import.meta.url));
const runs = parseMeasuredCsv(readFileSync(FILE, 'utf8'), FILE);
const PAGE = 4096;

function run(name: string): MeasuredRun {
  const r = runs.find((x) => x.name === name);
  assert.ok(r, name);
  return r;
}

/** XBZRLE cache hits / lookups: encoded pages (hits, overflows and unchanged alike) over encoded + misses. */
function hitRate(r: MeasuredRun): number {
  const pages = r.xbzrlePages as number;
  return pages / (pages + (r.xbzrleCacheMiss as number));
}

describe('the wire-feature grid as QEMU 7.2 measured it', () => {
  test('it holds every run of featureGrid(); with the small caches XBZRLE did not converge within the bound, every other run did', () => {
    assert.deepEqual(
      runs.map((r) => r.name),
      featureGrid().map((r) => r.name),
    );
    for (const r of runs) assert.equal(r.outcome, ['xbzrle-small', 'xbzrle-small-1m'].includes(r.name) ? 'not-converged' : 'completed', r.name);
  });

  test('on the idle machine every guest held its configured rate, and QEMU its max-bandwidth', () => {
    for (const r of runs) {
      assert.ok((r.guestRateBeforePagesPerSec as number) >= 0.95 * r.ratePagesPerSec, `${r.name}: ${r.guestRateBeforePagesPerSec}`);
      assert.ok((r.meanMbps as number) >= (0.95 * 8 * r.maxBandwidthBytesPerSec) / 1e6, `${r.name}: ${r.meanMbps} Mbit/s`);
    }
  });

  test('with the guest flushing its TLB entry before each write, no write was lost (QEMU 7.2 under TCG loses some otherwise)', () => {
    for (const r of runs) assert.equal(r.flushTlb, true, r.name);
    for (const r of runs.filter((x) => x.outcome === 'completed')) assert.equal(r.guestWritesLost, 0, r.name);
  });

  test('multifd carries every non-zero page; the main stream keeps a few KiB, so downtime-bytes says nothing about the stop-and-copy speed', () => {
    for (const r of runs.filter((x) => x.multifdChannels > 0)) {
      const main = r.transferredBytes - (r.multifdBytes as number);
      assert.ok(main < 64 * 1024, `${r.name}: ${main} B on the main stream`);
      assert.ok((r.downtimeBytes as number) < 64 * 1024, `${r.name}: ${r.downtimeBytes}`);
    }
    // so the stop-and-copy speed comes from the two single-stream runs only
    assert.equal(stopCopySpeeds(runs).length, 2);
  });

  test('7.2 finds zero pages on the main stream before multifd: the zero working set counts as duplicate pages with and without channels', () => {
    const wsPages = (run('multifd2-zero').wsMiB * 2 ** 20) / PAGE;
    for (const name of ['single-zero', 'multifd2-zero']) assert.ok(run(name).duplicatePages >= wsPages, `${name}: ${run(name).duplicatePages}`);
    // the plain runs' duplicates are the firmware's pages only
    assert.equal(run('multifd2').duplicatePages, 336);
  });

  test('7.2 accounts multifd pages at their raw size, compressed or not', () => {
    for (const name of ['zstd2', 'zlib2', 'zstd2-random', 'multifd2']) {
      const r = run(name);
      // every page that is not zero went at least once, counted at 4096 B and a header share; compressed, the
      // repeated word with a 16-byte delta would be ~1.6% of that
      const nonZeroPages = r.ramTotalBytes / PAGE - r.duplicatePages;
      assert.ok((r.multifdBytes as number) >= nonZeroPages * PAGE, `${name}: ${r.multifdBytes} B for ${nonZeroPages} pages`);
    }
  });

  test('XBZRLE: a cache larger than the working set hits more often than one a quarter of its size; 16-byte deltas never overflow', () => {
    const large = run('xbzrle-large');
    const small = run('xbzrle-small');
    assert.ok(hitRate(large) > hitRate(small) + 0.1, `large ${hitRate(large)}, small ${hitRate(small)}`);
    // over 1 MiB/s, below what the guest writes, the cache decides the outcome
    assert.ok(hitRate(run('xbzrle-large-1m')) > hitRate(run('xbzrle-small-1m')) + 0.1);
    assert.deepEqual([run('xbzrle-large-1m').outcome, run('xbzrle-small-1m').outcome], ['completed', 'not-converged']);
    for (const r of runs.filter((x) => x.xbzrleCacheBytes > 0)) {
      assert.equal(r.xbzrleOverflow, 0);
      // the second pass meets an empty cache: at least one miss per working-set page
      assert.ok((r.xbzrleCacheMiss as number) >= (r.wsMiB * 2 ** 20) / PAGE, `${r.name}: ${r.xbzrleCacheMiss}`);
    }
  });
});

// The engine against the grid, out of sample (docs/calibration.md#the-engine-against-the-wire-feature-grid).
// The misses are held to the bounds documented there, so a model that gets closer passes too.
describe('the engine against the wire-feature grid, out of sample', () => {
  const rows = compareGrid(runs, predictGrid(runs, 'ahead') as RunPredictions[]);
  const fluid = (name: string): RunComparison => {
    const r = rows.fluid.find((x) => x.name === name);
    assert.ok(r, name);
    return r;
  };
  const abs = (e: number | null): number => Math.abs(e as number);

  test('multifd without compression: bytes and multifd-bytes within 3%, and within a point of the same guest on one stream', () => {
    for (const name of ['multifd2', 'multifd4', 'zstd2-random']) {
      const r = fluid(name);
      assert.ok(abs(r.transferredBytes.relError) < 0.03, `${name} bytes ${r.transferredBytes.relError}`);
      assert.ok(abs(r.multifdBytes.relError) < 0.03, `${name} multifd-bytes ${r.multifdBytes.relError}`);
    }
    // the zero working set: +4.4% on one stream, +3.7% on two channels (the channels add no error of their own)
    for (const [multi, single] of [
      ['multifd2', 'single'],
      ['multifd4', 'single'],
      ['multifd2-zero', 'single-zero'],
    ] as const) {
      const [m, one] = [abs(fluid(multi).transferredBytes.relError), abs(fluid(single).transferredBytes.relError)];
      assert.ok(Math.abs(m - one) < 0.01, `${multi} bytes off by ${m}, ${single} by ${one}`);
      assert.ok(Math.abs(abs(fluid(multi).multifdBytes.relError) - m) < 0.001, `${multi}: multifd-bytes as the bytes`);
    }
  });

  test("compressible pages on zstd and zlib: predicted as QEMU 7.2 counts them (raw, from the run's QEMU version), bytes within 3%, time within 15%", () => {
    for (const name of ['zstd2', 'zlib2']) {
      const r = fluid(name);
      assert.equal(r.outcomeCorrect, true, name);
      assert.ok(abs(r.transferredBytes.relError) < 0.03, `${name} bytes ${r.transferredBytes.relError}`);
      assert.ok(abs(r.multifdBytes.relError) < 0.03, `${name} multifd-bytes ${r.multifdBytes.relError}`);
      assert.ok(abs(r.totalTimeMs.relError) <= 0.15, `${name} time ${r.totalTimeMs.relError}`);
    }
  });

  test('on the idle machine the sub-second runs are within 5% in time, but multifd2-zero (+17%: QEMU switched over a round earlier than on one stream)', () => {
    for (const name of ['single', 'single-zero', 'multifd2', 'multifd4', 'zstd2', 'zlib2', 'zstd2-random']) assert.ok(abs(fluid(name).totalTimeMs.relError) <= 0.05, name);
    assert.ok(abs(fluid('multifd2-zero').totalTimeMs.relError) <= 0.2);
  });

  test('bytes sent within 15% at p90 (the target); time within 19% at p90', () => {
    const summary = summarizeComparison(rows.fluid);
    assert.ok((summary.transferredBytes.p90 as number) <= 0.15, String(summary.transferredBytes.p90));
    assert.ok((summary.totalTime.p90 as number) <= 0.19, String(summary.totalTime.p90));
  });

  test("XBZRLE hit rate within 10 points (the target): page fidelity (QEMU's cache, page by page), and the fluid engine, whose protection lifetime finds xbzrle-small's thrashing cache (2.0% measured)", () => {
    const page = summarizeComparison(rows.page);
    const fluidSummary = summarizeComparison(rows.fluid);
    assert.equal(page.xbzrleRuns, 4);
    assert.ok((page.xbzrleHitRateMaxAbsDiff as number) <= 0.1, String(page.xbzrleHitRateMaxAbsDiff));
    assert.ok((fluidSummary.xbzrleHitRateMaxAbsDiff as number) <= 0.1, String(fluidSummary.xbzrleHitRateMaxAbsDiff));
    assert.deepEqual(fluidSummary.xbzrleHitRateMisses, []);
    // xbzrle-small: 1024 pages on 256 slots come back once a second, the syncs 0.2-0.3 s apart: a slot's owner is
    // replaced before it returns, so past the first round nothing hits (xbzrleLifetimeShare); 2.0% measured
    const small = fluid('xbzrle-small').xbzrleHitRate;
    assert.ok(small !== undefined && small.predicted !== null && small.predicted < 0.08, JSON.stringify(small));
    // the cache decides the 1 MiB/s outcome in the engine as in QEMU
    assert.deepEqual([fluid('xbzrle-large-1m').predictedOutcome, fluid('xbzrle-small-1m').predictedOutcome], ['completed', 'not-converged']);
  });

  test("outcomes: page fidelity and the fluid engine all 12 right (xbzrle-small too: a contiguous writer's new arc runs past the pending pages); every run within 25% of its time", () => {
    assert.equal(summarizeComparison(rows.page).outcomesCorrect, 12);
    const summary = summarizeComparison(rows.fluid);
    assert.deepEqual(summary.outcomeMisses, []);
    for (const r of rows.fluid.filter((x) => x.timeExcluded === null)) {
      assert.ok(abs(r.totalTimeMs.relError) <= 0.25, `${r.name} time ${r.totalTimeMs.relError}`);
    }
  });
});
