import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionFiguresPending, flattenQueryMigrate, summarizeGuestTicks, summarizeSamples } from '../../src/calibrate/summary.js';
import type { GuestTick } from '../../src/calibrate/types.js';

// Shapes copied from QEMU 7.2 query-migrate answers seen on this project's machine.
const active = (tMs: number, transferred: number, syncs: number, extra: Record<string, unknown> = {}) =>
  flattenQueryMigrate(tMs, {
    status: 'active',
    'total-time': Math.round(tMs),
    'setup-time': 1,
    'expected-downtime': 700,
    ...extra,
    ram: { transferred, remaining: 1000, total: 268967936, duplicate: 336, normal: 1000, 'dirty-pages-rate': 9062, mbps: 1000 + syncs, 'dirty-sync-count': syncs },
  });

test('flattenQueryMigrate maps QEMU field names and leaves absent fields null', () => {
  const s = active(200, 26846329, 1);
  assert.equal(s.transferredBytes, 26846329);
  assert.equal(s.dirtySyncCount, 1);
  assert.equal(s.expectedDowntimeMs, 700);
  assert.equal(s.downtimeMs, null); // QEMU only reports downtime once completed
  assert.equal(s.cpuThrottlePct, null); // only while throttling
  const cancelled = flattenQueryMigrate(5000, { status: 'cancelled' });
  assert.equal(cancelled.totalTimeMs, null);
  assert.equal(cancelled.transferredBytes, null);
});

test('a completed run takes its figures from the completed sample and the mean mbps from active ones', () => {
  const samples = [
    flattenQueryMigrate(2, { status: 'setup' }),
    active(100, 10, 1),
    active(200, 20, 2),
    flattenQueryMigrate(300, {
      status: 'completed',
      'total-time': 290,
      'setup-time': 1,
      downtime: 37,
      ram: { transferred: 375626091, total: 268967936, duplicate: 336, normal: 91526, mbps: 1176.5, 'dirty-sync-count': 5, 'downtime-bytes': 40022208, 'precopy-bytes': 335603883 },
    }),
  ];
  const sum = summarizeSamples(samples);
  assert.equal(sum.outcome, 'completed');
  assert.equal(sum.totalTimeMs, 290);
  assert.equal(sum.downtimeMs, 37);
  assert.equal(sum.expectedDowntimeMs, 700); // last seen while active
  assert.equal(sum.transferredBytes, 375626091);
  assert.equal(sum.syncs, 5);
  assert.equal(sum.meanMbps, (1001 + 1002) / 2);
  assert.equal(sum.finalMbps, 1176.5);
  assert.equal(sum.maxThrottlePct, 0);
});

test('a cancelled run is not-converged, keeps the last active figures and the highest throttle', () => {
  const samples = [
    active(100, 10, 3, { 'cpu-throttle-percentage': 20 }),
    active(200, 20, 9, { 'cpu-throttle-percentage': 40, 'total-time': 40000 }),
    flattenQueryMigrate(300, { status: 'cancelling' }),
    flattenQueryMigrate(400, { status: 'cancelled' }),
  ];
  const sum = summarizeSamples(samples);
  assert.equal(sum.outcome, 'not-converged');
  assert.equal(sum.totalTimeMs, 40000);
  assert.equal(sum.transferredBytes, 20);
  assert.equal(sum.syncs, 9);
  assert.equal(sum.downtimeMs, null);
  assert.equal(sum.finalMbps, null);
  assert.equal(sum.maxThrottlePct, 40);
});

test('guest rates: before = last 3 reports, during = reports covering whole seconds of the migration, after = second destination report', () => {
  const t = (tMs: number, ratePagesPerSec: number, host: GuestTick['host'] = 'source', writes = 0): GuestTick => ({ tMs, host, ratePagesPerSec, writes, rebases: 0 });
  const ticks = [t(-4000, 1), t(-3000, 100), t(-2000, 200), t(-1000, 300), t(400, 999), t(1400, 80), t(2400, 60), t(3500, 5, 'destination'), t(4500, 7, 'destination')];
  const r = summarizeGuestTicks(ticks, 3000);
  assert.equal(r.beforePagesPerSec, 200);
  assert.equal(r.duringPagesPerSec, 70); // the report at 400 ms mostly covers pre-migration time
  assert.equal(r.minDuringPagesPerSec, 60);
  assert.equal(r.afterPagesPerSec, 7); // the report at 3500 ms spans the switch-over
  // A migration shorter than a second uses whatever source report came in while it ran.
  assert.equal(summarizeGuestTicks([t(-1000, 300), t(400, 250)], 900).duringPagesPerSec, 250);
  assert.equal(summarizeGuestTicks([t(-1000, 300)], 50).duringPagesPerSec, null);
});

test('writes lost: the destination guest resuming with a lower write count than the source last reported', () => {
  const t = (tMs: number, host: GuestTick['host'], writes: number): GuestTick => ({ tMs, host, ratePagesPerSec: 1, writes, rebases: 0 });
  // Seen with QEMU 7.2 TCG + auto-converge: the source reported 395049 writes, the
  // destination resumed at 161107 (the page holding the counter was never re-sent).
  assert.equal(summarizeGuestTicks([t(29000, 'source', 395049), t(30100, 'destination', 161107)], 30000).writesLost, 233942);
  assert.equal(summarizeGuestTicks([t(1000, 'source', 5000), t(2100, 'destination', 7000)], 2000).writesLost, 0);
  assert.equal(summarizeGuestTicks([t(1000, 'source', 5000)], 2000).writesLost, null);
});

test('a completed answer with total-time 0 is QEMU 7.2 answering before it computed the final figures', () => {
  // Seen: status completed, total-time 0, downtime 0, mbps of the last window; 100 ms later the real figures.
  const early = flattenQueryMigrate(1916, { status: 'completed', 'total-time': 0, 'setup-time': 1, downtime: 0, ram: { transferred: 272324211, mbps: 1052.9 } });
  const final = flattenQueryMigrate(1936, { status: 'completed', 'total-time': 1892, 'setup-time': 1, downtime: 78, ram: { transferred: 272324211, mbps: 1153.2 } });
  assert.equal(completionFiguresPending(early), true);
  assert.equal(completionFiguresPending(final), false);
  assert.equal(completionFiguresPending(active(100, 10, 1)), false);
  assert.equal(summarizeSamples([active(100, 10, 1), early, final]).totalTimeMs, 1892);
});
