import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { serialize } from 'node:v8';
import { CellCursor, csvText, oneByteText, oneLine, parseCsvLine, Utf8Builder, type CsvCell } from '../../src/sweep/csv.js';
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

  test('CellCursor.part finds the cells of one line of a batch only as far as they are asked for, as csv-parse reads them', () => {
    // one-line records (a text cell is kept on one line: oneLine) with quotes, commas and empty cells, also at a line's ends
    const r = random(7);
    const records = Array.from({ length: 2000 }, () => Array.from({ length: 1 + Math.floor(r() * 12) }, () => randomCell(r)).map((c) => (typeof c === 'string' ? oneLine(c) : c)));
    records.push(['"quoted at the end"'], ['', ''], ['a', '"']);
    const text = csvText(records);
    const lines: string[][] = parse(text, { relax_column_count: true });
    const cursor = new CellCursor();
    let from = 0;
    for (const [k, want] of lines.entries()) {
      const nl = text.indexOf('\n', from);
      const cells = cursor.part(text, from, nl);
      // ask for one cell first (only that far is scanned), then every cell, then one past the end
      const probe = Math.floor(r() * want.length);
      assert.equal(cells.cell(probe), want[probe], `line ${k}, cell ${probe}`);
      assert.equal(cells.count, probe + 1, `line ${k}: scanned past cell ${probe}`);
      assert.deepEqual(
        want.map((_, i) => cells.cell(i)),
        want,
        `line ${k}`,
      );
      assert.equal(cells.cells(), want.length);
      assert.throws(() => cells.cell(want.length), new RegExp(`a row of ${want.length} cells has no cell ${want.length + 1}`));
      from = nl + 1;
    }
    assert.throws(() => cursor.part('"open,\nnext"', 0, 6).cell(0), /unterminated quoted cell/);
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

  test('Utf8Builder writes the UTF-8 bytes of its texts, short ASCII ones (copied byte by byte) and others alike, across growth', () => {
    const texts = ['', 'completed', 'ünïcode', 'x'.repeat(32), 'y'.repeat(33), 'a\u2014b', '1cfafe86cbb6e3ad-0', 'é'.repeat(40), ...TEXTS];
    const b = new Utf8Builder(8);
    let all = '';
    for (let i = 0; i < 200; i++) {
      const t = texts[i % texts.length]!;
      b.add(t);
      all += t;
    }
    assert.ok(Buffer.from(b.done()).equals(Buffer.from(all, 'utf8')));
    assert.equal(b.byteLength, Buffer.byteLength(all));
  });

  test('oneByteText keeps the text and, for Latin-1 text, holds it one byte a character', () => {
    // V8 serializes a one-byte string with the tag '"' (0x22) and a two-byte one with 'c' (0x63), after its 2-byte header
    const twoByte = (s: string) => serialize(s)[2] === 0x63;
    const kind = Buffer.from('linear').toString();
    const registry: Record<string, number> = {};
    registry[kind] = 1; // a property key: V8 interns the string in place, and a string joined from it is two-byte
    assert.equal(twoByte(['precopy', kind].join(',')), true, 'this V8 no longer marks an interned string two-byte: oneByteText may be dropped');
    for (const text of [kind, 'ünïcode', 'qemu-2011 + convergence-timeout(1min, 1min, 2)', '']) {
      assert.equal(oneByteText(text), text);
      assert.equal(twoByte(['precopy', oneByteText(text)].join(',')), false, text);
    }
    // text beyond Latin-1 cannot be one byte a character: it is kept as it is
    assert.equal(oneByteText('x \u2014 y'), 'x \u2014 y');
  });
});
