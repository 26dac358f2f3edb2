import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity } from '../../src/scenario/quantity.js';

const ok = (v: unknown, dim: 'bytes' | 'rate' | 'time') => {
  const r = parseQuantity(v, dim);
  assert.ok(r.ok, `${String(v)} should parse`);
  return r.value;
};

test('sizes: binary and decimal units, bare numbers are bytes', () => {
  assert.equal(ok('4GiB', 'bytes'), 4 * 2 ** 30);
  assert.equal(ok('4KiB', 'bytes'), 4096);
  assert.equal(ok('1.5 MiB', 'bytes'), 1.5 * 2 ** 20);
  assert.equal(ok('2GB', 'bytes'), 2e9);
  assert.equal(ok('10kB', 'bytes'), 1e4);
  assert.equal(ok(4096, 'bytes'), 4096);
  assert.equal(ok('4096', 'bytes'), 4096);
});

test('rates: bytes per second and decimal bit rates', () => {
  assert.equal(ok('100MiB/s', 'rate'), 100 * 2 ** 20);
  assert.equal(ok('1Gbit/s', 'rate'), 125e6);
  assert.equal(ok('10Gbit/s', 'rate'), 1.25e9);
  assert.equal(ok('100Mbit/s', 'rate'), 12.5e6);
  assert.equal(ok('1Gbps', 'rate'), 125e6);
  assert.equal(ok('1e6', 'rate'), 1e6);
});

test('durations', () => {
  assert.equal(ok('30ms', 'time'), 0.03);
  assert.equal(ok('60s', 'time'), 60);
  assert.equal(ok('5min', 'time'), 300);
  assert.equal(ok('1h', 'time'), 3600);
  assert.equal(ok('500us', 'time'), 0.0005);
});

test('a unit of the wrong dimension is named in the reason', () => {
  const r = parseQuantity('100MiB', 'rate');
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /'MiB' is a unit of size/);
  const t = parseQuantity('1Gbit/s', 'time');
  assert.match((t as { reason: string }).reason, /expected a duration.*'1Gbit\/s'.*unit of rate/);
  assert.equal(parseQuantity('fast', 'rate').ok, false);
  assert.equal(parseQuantity(true, 'bytes').ok, false);
});
