import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { CHART_KINDS, chartNames, chartsSchema, parseCharts } from '../../src/report/charts-schema.js';
import { InputError } from '../../src/common/errors.js';

test('no charts section means all six charts with their defaults', () => {
  assert.deepEqual(
    parseCharts(undefined, 'f.yaml').map((e) => e.kind),
    ['convergence-map', 'downtime-vs-ratio', 'cost-vs-ratio', 'pareto', 'promised-vs-real', 'timeline'],
  );
});

test('a kind alone is the same as a mapping with only that kind', () => {
  assert.deepEqual(parseCharts(['pareto', { kind: 'pareto' }], 'f.yaml'), [{ kind: 'pareto' }, { kind: 'pareto' }]);
});

test('timeline where-values with units become the CSV columns units; bare numbers stay', () => {
  const [e] = parseCharts(
    [
      {
        kind: 'timeline',
        variant: 'treutner',
        where: { dirtyRateBytesPerSec: '64MiB/s', bandwidthBytesPerSec: '1Gbit/s', downtimeLimitMs: '30ms', ramBytes: 4294967296, workload: 'uniform' },
      },
    ],
    'f.yaml',
  );
  assert.equal(e?.kind, 'timeline');
  assert.deepEqual(e.kind === 'timeline' && e.where, {
    dirtyRateBytesPerSec: 64 * 1024 * 1024,
    bandwidthBytesPerSec: 125_000_000,
    // times are ms in the CSV: 30ms is 30, not 0.03
    downtimeLimitMs: 30,
    ramBytes: 4294967296,
    workload: 'uniform',
  });
});

test('parsing the parsed form again changes nothing (the sweep stores it in manifest.json, the report reads it back)', () => {
  const once = parseCharts(
    [
      'convergence-map',
      { kind: 'timeline', where: { dirtyRateBytesPerSec: '64MiB/s', downtimeLimitMs: '30ms' } },
      { kind: 'cost-vs-ratio', metrics: ['transferredBytes'], band: 'ci' },
    ],
    'f.yaml',
  );
  assert.deepEqual(parseCharts(JSON.parse(JSON.stringify(once)), 'manifest.json'), once);
});

test('an unknown kind names the file, the entry and the nearest kind', () => {
  assert.throws(
    () => parseCharts(['pareto', 'convergence-mapp'], 'sweeps/x.yaml'),
    (e: unknown) => e instanceof InputError && /sweeps\/x\.yaml: charts\[1\]: unknown chart kind 'convergence-mapp'; did you mean 'convergence-map'\?/.test(e.message),
  );
  assert.throws(
    () => parseCharts([{ kind: 'paretto' }], 'f.yaml'),
    (e: unknown) => e instanceof InputError && /charts\[0\].*did you mean 'pareto'/.test(e.message),
  );
});

test('a bad option, an unknown key and a bad quantity are each reported at their place', () => {
  assert.throws(
    () =>
      parseCharts(
        [
          { kind: 'pareto', stat: 'p96' },
          { kind: 'downtime-vs-ratio', bogus: 1 },
          { kind: 'timeline', where: { dirtyRateBytesPerSec: '10MB/x' } },
        ],
        'f.yaml',
      ),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /charts\[0\]\.stat: expected one of median \| mean \| p95 \| min \| max, found 'p96'/);
      assert.match(e.message, /charts\[1\]: unknown key 'bogus'/);
      assert.match(e.message, /charts\[2\]\.where\.dirtyRateBytesPerSec: expected a rate/);
      return true;
    },
  );
});

test('two entries with the same name are refused; unnamed repeats get numbered file names', () => {
  assert.throws(
    () =>
      parseCharts(
        [
          { kind: 'pareto', name: 'a' },
          { kind: 'timeline', name: 'a' },
        ],
        'f.yaml',
      ),
    /charts\[1\]\.name: 'a' is already the name of charts\[0\]/,
  );
  assert.deepEqual(chartNames(parseCharts(['timeline', 'timeline', { kind: 'pareto', name: 'timeline-2' }, 'pareto'], 'f.yaml')), [
    'timeline',
    'timeline-3',
    'timeline-2',
    'pareto',
  ]);
});

test('editors get a JSON Schema that lists the chart kinds', () => {
  const schema = z.toJSONSchema(chartsSchema, { io: 'input', unrepresentable: 'any' }) as { items: { anyOf: { enum?: string[] }[] } };
  // written out here, not taken from CHART_KINDS: the list editors see
  assert.deepEqual(schema.items.anyOf[0]?.enum, [
    'convergence-map',
    'downtime-vs-ratio',
    'cost-vs-ratio',
    'pareto',
    'promised-vs-real',
    'timeline',
    'metric-vs-axis',
    'compare',
    // sweeps over fleets (docs/fleets.md)
    'makespan-vs-p99-downtime',
    'growth-with-concurrency',
    'fleet-gantt',
  ]);
  assert.deepEqual(CHART_KINDS, schema.items.anyOf[0]?.enum);
});
