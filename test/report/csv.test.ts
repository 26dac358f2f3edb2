import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import { parseCsvRecords, parseCsvTable } from '../../src/report/csv.js';

test('quoted fields keep commas, doubled quotes and line breaks', () => {
  assert.deepEqual(parseCsvRecords('a,b,c\n"x, y","say ""hi""","two\nlines"\n'), [
    ['a', 'b', 'c'],
    ['x, y', 'say "hi"', 'two\nlines'],
  ]);
});

test('CRLF line ends, a missing final line break and a byte-order mark are read', () => {
  assert.deepEqual(parseCsvRecords('\ufeffa,b\r\n1,2'), [
    ['a', 'b'],
    ['1', '2'],
  ]);
});

test('empty cells are null, whole numbers are numbers, the rest text; text columns stay text', () => {
  const t = parseCsvTable('variant,downtimeMs,outcome,n\n10,,unfinished,3\n10,612.5,completed,1e3\n', 'runs.csv', new Set(['variant', 'outcome']));
  assert.deepEqual(t.columns, ['variant', 'downtimeMs', 'outcome', 'n']);
  assert.deepEqual(t.rows, [
    { variant: '10', downtimeMs: null, outcome: 'unfinished', n: 3 },
    { variant: '10', downtimeMs: 612.5, outcome: 'completed', n: 1000 },
  ]);
});

test('what csv-stringify writes reads back the same, markup and all', () => {
  const rows = [
    ['<img src=x onerror=alert(1)>', 'qemu-2011 + convergence-timeout(1min, 1min, 2)', 'a "quoted" word', 'line\nbreak', ''],
    ['plain', '1', '-2.5e-7', ' spaced ', 'x'],
  ];
  const text = stringify(rows, { header: true, columns: ['a', 'b', 'c', 'd', 'e'] });
  assert.deepEqual(parseCsvRecords(text), [['a', 'b', 'c', 'd', 'e'], ...rows]);
});

test('a line with too few fields is an error naming the line', () => {
  assert.throws(() => parseCsvTable('a,b\n1\n', 'summary.csv'), /summary\.csv: line 2 has 1 fields, the header has 2/);
});
