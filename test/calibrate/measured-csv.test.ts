import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measuredRows, parseMeasuredCsv, toCsv } from '../../src/calibrate/csv.js';
import { InputError } from '../../src/common/errors.js';
import { normalizeRunConfig } from '../../src/calibrate/measure.js';
import type { MigrationRecord } from '../../src/calibrate/types.js';

function record(over: Partial<MigrationRecord> = {}): MigrationRecord {
  return {
    name: 'small-bw128',
    config: normalizeRunConfig({
      name: 'small-bw128',
      ramMiB: 256,
      wsMiB: 4,
      ratePagesPerSec: 2048,
      fill: true,
      maxBandwidthBytesPerSec: 134217728,
      downtimeLimitMs: 300,
      autoConverge: false,
      timeBoundS: 60,
    }),
    qemuVersion: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)',
    accel: 'tcg',
    outcome: 'completed',
    errorDesc: null,
    totalTimeMs: 1892,
    setupTimeMs: 2,
    downtimeMs: 78,
    expectedDowntimeMs: 300,
    transferredBytes: 272324195,
    ramTotalBytes: 268967936,
    syncs: 3,
    maxThrottlePct: 0,
    meanMbps: 1068.4,
    finalMbps: 1153.2,
    duplicatePages: 336,
    normalPages: 66355,
    precopyBytes: 241633409,
    downtimeBytes: 30690786,
    multifdBytes: 0,
    xbzrlePages: null,
    xbzrleCacheMiss: null,
    xbzrleOverflow: null,
    xbzrleBytes: null,
    guestRateBeforePagesPerSec: 2024,
    guestRateDuringPagesPerSec: 1386,
    guestRateMinDuringPagesPerSec: 1386,
    guestRateAfterPagesPerSec: 2046,
    guestWritesLost: 0,
    guestFillBytes: 267235328,
    guestZeroLowPages: 156,
    syncTimesMs: [4, 1815, 1816],
    stopTimeMs: 1815.4,
    wallTimeMs: 5544,
    samples: [],
    guestTicks: [],
    ...over,
  };
}

test('measured.csv reads back what the grid wrote, with empty cells as null', () => {
  const text = toCsv(measuredRows([record(), record({ name: 'idle', outcome: 'not-converged', downtimeMs: null, meanMbps: null, errorDesc: 'a, b' })]));
  const [a, b] = parseMeasuredCsv(text, 'measured.csv');
  assert.ok(a && b);
  assert.equal(a.name, 'small-bw128');
  assert.equal(a.fill, true);
  assert.equal(a.autoConverge, false);
  assert.equal(a.totalTimeMs, 1892);
  assert.equal(a.downtimeBytes, 30690786);
  assert.equal(a.guestRateDuringPagesPerSec, 1386);
  assert.equal(a.qemuVersion, 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)');
  assert.equal(b.outcome, 'not-converged');
  assert.equal(b.downtimeMs, null);
  assert.equal(b.meanMbps, null);
});

test('a damaged measured.csv is bad input naming the line and the column', () => {
  const good = toCsv(measuredRows([record()]));
  const [header, line] = good.trim().split('\n');
  assert.ok(header !== undefined && line !== undefined);
  const broken = line.replace(',completed,', ',finished,').replace(',1892,', ',soon,');
  assert.throws(
    () => parseMeasuredCsv(`${header}\n${broken}\n`, 'm.csv'),
    (e: unknown) =>
      e instanceof InputError &&
      /m\.csv:2:1: outcome: expected one of completed \| not-converged \| failed, found 'finished'/.test(e.message) &&
      /totalTimeMs: expected a number, found 'soon'/.test(e.message),
  );
  assert.throws(() => parseMeasuredCsv('name,outcome\nx,completed\n', 'm.csv'), /not a calibration measured\.csv: missing column\(s\) ramMiB/);
  assert.throws(() => parseMeasuredCsv(`${header}\n`, 'm.csv'), /no runs/);
});

test("the feature grid's columns read back; a measured.csv without them (the default grid) had every feature off", () => {
  const featured = record({
    name: 'xbzrle-large',
    config: { ...record().config, name: 'xbzrle-large', pageContent: 'delta', deltaBytes: 16, xbzrleCacheBytes: 134217728 },
    multifdBytes: 0,
    xbzrlePages: 7525,
    xbzrleCacheMiss: 16385,
    xbzrleOverflow: 0,
    xbzrleBytes: 81291,
  });
  const [x] = parseMeasuredCsv(toCsv(measuredRows([featured])), 'measured.csv');
  assert.ok(x);
  assert.equal(x.pageContent, 'delta');
  assert.equal(x.deltaBytes, 16);
  assert.equal(x.xbzrleCacheBytes, 134217728);
  assert.equal(x.multifdCompression, 'none');
  assert.equal(x.xbzrlePages, 7525);
  assert.equal(x.xbzrleCacheMiss, 16385);
  assert.equal(x.flushTlb, false);
  assert.equal(x.guestWritesLost, 0);

  // Drop the feature columns: what measured.csv looked like before the feature grid.
  const [header, line] = toCsv(measuredRows([record()]))
    .trim()
    .split('\n');
  assert.ok(header !== undefined && line !== undefined);
  const names = header.split(',');
  const cells = line.split(',');
  const feature = new Set([
    'fillContent',
    'pageContent',
    'deltaBytes',
    'multifdChannels',
    'multifdCompression',
    'xbzrleCacheBytes',
    'flushTlb',
    'multifdBytes',
    'xbzrlePages',
    'xbzrleCacheMiss',
    'xbzrleOverflow',
    'xbzrleBytes',
  ]);
  const keep = names.map((n) => !feature.has(n));
  const old = [names.filter((_, i) => keep[i]).join(','), cells.filter((_, i) => keep[i]).join(',')].join('\n');
  const [o] = parseMeasuredCsv(old, 'old.csv');
  assert.ok(o);
  assert.deepEqual(
    [o.fillContent, o.pageContent, o.deltaBytes, o.multifdChannels, o.multifdCompression, o.xbzrleCacheBytes, o.flushTlb, o.multifdBytes, o.xbzrlePages],
    ['pattern', 'byte', 1, 0, 'none', 0, false, null, null],
  );
});

test('a compression QEMU has no name for is bad input naming the column', () => {
  const text = toCsv(measuredRows([record({ config: { ...record().config, multifdChannels: 2, multifdCompression: 'zstd' } })]));
  assert.throws(
    () => parseMeasuredCsv(text.replace(',zstd,', ',lz4,'), 'm.csv'),
    (e: unknown) => e instanceof InputError && /m\.csv:2:1: multifdCompression: expected one of none \| zlib \| zstd, found 'lz4'/.test(e.message),
  );
});
