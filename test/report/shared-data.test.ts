import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shareRepeatedData } from '../../src/report/charts/shared-data.js';

test('data drawn by two panels is written once as a named dataset; data drawn once stays inline', () => {
  const series = [{ t: 0 }, { t: 1 }];
  const once = [{ label: 'end' }];
  const out = shareRepeatedData({ vconcat: [{ layer: [{ data: { values: series } }, { data: { values: once } }] }, { data: { values: series } }] }) as {
    datasets: Record<string, unknown[]>;
    vconcat: [{ layer: [{ data: unknown }, { data: unknown }] }, { data: unknown }];
  };
  assert.deepEqual(out.datasets, { 'data-0': [{ t: 0 }, { t: 1 }] });
  assert.deepEqual(out.vconcat[0].layer[0].data, { name: 'data-0' });
  assert.deepEqual(out.vconcat[1].data, { name: 'data-0' });
  assert.deepEqual(out.vconcat[0].layer[1].data, { values: [{ label: 'end' }] });
  // 2 rows written once instead of twice
  assert.equal(JSON.stringify(out).split('"t":').length - 1, 2);
});
