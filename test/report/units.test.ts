import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuantity } from '../../src/scenario/quantity.js';
import { formatBytes, formatMs, formatRate } from '../../src/common/format.js';
import { axisTitle, displayUnit, formatColumnValue, logAxis, niceMarks, NUMBER_FORMAT, showField } from '../../src/report/units.js';

const MiB = 1024 ** 2;

test("axes show people's units: dirty rates in MiB/s, links in Gbit/s, RAM in GiB, times in s or min", () => {
  const dirty = Array.from({ length: 12 }, (_, i) => 2 ** i * MiB);
  assert.deepEqual(displayUnit('dirtyRateBytesPerSec', dirty, true), { unit: 'MiB/s', factor: MiB });
  assert.deepEqual(displayUnit('bandwidthBytesPerSec', [12.5e6, 125e6, 1.25e9]), { unit: 'Gbit/s', factor: 1.25e8 });
  assert.deepEqual(displayUnit('bandwidthBytesPerSec', [12.5e6]), { unit: 'Mbit/s', factor: 125_000 });
  assert.deepEqual(displayUnit('pendingBytes', [4 * 1024 * MiB]), { unit: 'GiB', factor: 1024 * MiB });
  assert.deepEqual(displayUnit('downtimeMs', [62, 6100, 342_000], true), { unit: 's', factor: 1000 });
  // one hour reads better as 60 min than as 1 h
  assert.deepEqual(displayUnit('totalTimeMs', [3_600_000]), { unit: 'min', factor: 60_000 });
  assert.deepEqual(displayUnit('totalTimeMs', [7_200_000]), { unit: 'h', factor: 3_600_000 });
});

test('axis titles carry the unit unless the name already says it', () => {
  assert.equal(axisTitle('dirtyRateBytesPerSec', { unit: 'MiB/s', factor: MiB }), 'dirty rate (MiB/s)');
  assert.equal(axisTitle('transferFactor', { unit: '× RAM', factor: 1 }), 'bytes sent / RAM');
  assert.equal(axisTitle('dirtyRateToBandwidth', { unit: '', factor: 1 }), 'dirty rate / link bandwidth');
});

test('a shown field converts with a transform the spec carries, and goes log when the values span a decade', () => {
  const s = showField('downtimeMs', [62, 6100, 342_000], { source: 'downtimeMs_median' });
  assert.equal(s.log, true);
  assert.equal(s.transform.as, s.field);
  assert.equal(s.transform.calculate, 'datum["downtimeMs_median"] / 1000');
  assert.equal(showField('transferFactor', [1, 3]).log, false);
});

test('log ticks: round times for time axes, decades (with 2 and 5 on narrow ranges) otherwise', () => {
  assert.deepEqual(niceMarks('downtimeMs', 50, 400_000), [100, 1000, 10_000, 60_000]);
  assert.deepEqual(niceMarks('totalTimeMs', 120_000, 3_600_000), [120_000, 300_000, 600_000, 1_200_000, 1_800_000, 3_600_000]);
  assert.deepEqual(niceMarks('transferFactor', 1, 28), [1, 2, 5, 10, 20]);
});

test('values in words for tables', () => {
  assert.equal(formatColumnValue('bandwidthBytesPerSec', 125_000_000), '1 Gbit/s');
  assert.equal(formatColumnValue('dirtyRateBytesPerSec', 64 * MiB), '64 MiB/s');
  assert.equal(formatColumnValue('qemu-2011_maxBandwidthBytesPerSec', 32 * MiB), '32 MiB/s');
  assert.equal(formatColumnValue('downtimeLimitMs', 30), '30 ms');
  assert.equal(formatColumnValue('variant', '<b>'), '<b>');
});

test('one unit ladder for parsing, tables and charts: what each writes, the others read the same way', () => {
  // by hand: 3 GiB = 3 x 1024^3 bytes, 2.5 Gbit/s = 2.5e9 / 8 bytes/s, 1.5 TiB = 1.5 x 1024^4 bytes
  assert.deepEqual(parseQuantity('3GiB', 'bytes'), { ok: true, value: 3_221_225_472 });
  assert.deepEqual(parseQuantity('2.5Gbit/s', 'rate'), { ok: true, value: 312_500_000 });
  assert.equal(formatBytes(1_649_267_441_664), '1.5 TiB');
  assert.equal(formatRate(3_221_225_472), '3 GiB/s');
  assert.equal(formatMs(90_000), '1.5 min');
  assert.equal(formatMs(7_200_000), '2 h');
  assert.equal(formatMs(999), '999 ms');
  // the chart's axis unit for the same values
  assert.deepEqual(displayUnit('ramBytes', [3_221_225_472]), { unit: 'GiB', factor: 1_073_741_824 });
  assert.deepEqual(displayUnit('bandwidthBytesPerSec', [312_500_000]), { unit: 'Gbit/s', factor: 125_000_000 });
  assert.deepEqual(displayUnit('totalTimeMs', [90_000]), { unit: 'min', factor: 60_000 });
  // hours only from 2 h: 90 min stays in minutes
  assert.deepEqual(displayUnit('totalTimeMs', [5_400_000]), { unit: 'min', factor: 60_000 });
  assert.deepEqual(displayUnit('totalTimeMs', [7_200_000]), { unit: 'h', factor: 3_600_000 });
});

test('log axis ticks are round in the unit the axis shows: 64 MiB/s to 2 GiB/s gets 50 ... 5,000 MiB/s, links 1 to 25 Gbit/s get 1 ... 50 Gbit/s', () => {
  // the ticks were round in bytes before (5e7 B/s = 47.68 MiB/s, 1e8 B/s = 0.8 Gbit/s), worked out by hand here
  const rates = [64, 105, 172.3, 282.6, 463.7, 760.8, 1248, 2048].map((v) => v * MiB);
  assert.deepEqual(logAxis('dirtyRateBytesPerSec', rates, MiB), {
    axis: { values: [50, 100, 200, 500, 1000, 2000, 5000], labelOverlap: 'greedy', labelSeparation: 4, format: NUMBER_FORMAT },
    domain: [50, 5000],
  });
  const links = [1, 10, 25].map((v) => v * 1.25e8);
  assert.deepEqual(logAxis('bandwidthBytesPerSec', links, 1.25e8).axis.values, [1, 2, 5, 10, 20, 50]);
  // a legend's marks (CSV units): 1, 2 and 5 GiB, not 1e9 and 2e9 bytes
  assert.deepEqual(
    niceMarks('ramBytes', 2 ** 30, 5 * 2 ** 30, undefined, 2 ** 30).filter((v) => v >= 2 ** 30 && v <= 5 * 2 ** 30),
    [1, 2, 5].map((v) => v * 2 ** 30),
  );
});
