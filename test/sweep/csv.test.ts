import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'csv-stringify/sync';
import { csvText, oneLine, parseCsvLine, type CsvCell } from '../../src/sweep/csv.js';
import { testRandom as random } from '../engine/scenario-builder.js';

const TEXTS = ['', 'qemu-2011', 'qemu-2011 + convergence-timeout(1min, 1min, 2)', 'say "hi"', 'a,b', 'line\nbreak', 'cr\rhere', '=1+2', '-x', ' spaced ', 'ünïcode'];

function randomCell(r: () => number): CsvCell {
  const k = r();
  if (k < 0.1) return null;
  if (k < 0.3) return TEXTS[Math.floor(r() * TEXTS.length)] ?? null;
  if (k < 0.4) return Math.floor(r() * 1e6) - 5e5;
  if (k < 0.45) return [0, -0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, -1.5][Math.floor(r() * 7)] ?? null;
  return (r() - 0.3) * 10 ** Math.floor(r() * 30 - 10);
}

describe('CSV cells', () => {
  test('csvText writes the bytes csv-stringify writes, on 20,000 random records', () => {
    const r = random(2011);
    const records = Array.from({ length: 20000 }, () => Array.from({ length: 1 + Math.floor(r() * 12) }, () => randomCell(r)));
    assert.equal(csvText(records), stringify(records));
  });

  test('non-finite numbers are empty cells', () => {
    assert.equal(csvText([[NaN, Infinity, -Infinity, 1]]), ',,,1\n');
  });

  test('a text cell is kept on one line; parseCsvLine reads back what csvText writes', () => {
    assert.equal(oneLine('engine exploded\n  at the third MiB\r\n'), 'engine exploded | at the third MiB | ');
    const record = ['plain', 'with, comma', 'with "quotes"', '', '1.5e-7', 'end'];
    assert.deepEqual(parseCsvLine(csvText([record]).trimEnd()), record);
    assert.deepEqual(parseCsvLine('a,,"",b'), ['a', '', '', 'b']);
  });
});
