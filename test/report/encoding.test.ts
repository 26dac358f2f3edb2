import assert from 'node:assert/strict';
import { test } from 'node:test';
import { facetFor } from '../../src/report/charts/encoding.js';

test('a facet over more than 6 values keeps 6 panels, evenly spaced with the first and last, and says which were left out', () => {
  // 11 links, 1 to 11 Gbit/s: ranks 0, 2, 4, 6, 8, 10 (round(i x 10 / 5)) are kept
  const rows = Array.from({ length: 11 }, (_, i) => ({ bandwidthBytesPerSec: (i + 1) * 1.25e8 }));
  const f = facetFor(rows, undefined, ['bandwidthBytesPerSec'])!;
  assert.deepEqual(f.transforms[0], { filter: { field: 'bandwidthBytesPerSec', oneOf: [1.25e8, 3.75e8, 6.25e8, 8.75e8, 11.25e8, 13.75e8] } });
  assert.equal(f.note, 'Panels: 6 of the 11 values of link bandwidth (evenly spaced); the others are not drawn.');
  // 3 links: all drawn, nothing said
  const few = facetFor(rows.slice(0, 3), undefined, ['bandwidthBytesPerSec'])!;
  assert.equal(few.note, null);
  assert.equal(few.transforms.length, 1);
});
