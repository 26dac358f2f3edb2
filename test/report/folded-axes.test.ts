/**
 * Charts of a sweep whose other axes vary too (a policy constant such as the
 * downtime limit included). The convergence map's cells show medians over
 * the scenarios that share them, never one drawn over another; its colour
 * scale spans those medians, and the legend's marks lie inside that span (a
 * mark outside it is drawn beyond the gradient: the chart was once 2,700 px
 * tall, nearly all of it empty). The ratio charts draw a line per value.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cellValues } from '../../src/report/charts/convergence-map.js';
import { writeReport } from '../../src/report/index.js';
import type { Row } from '../../src/report/types.js';
import { runFixtureSweep } from './sweep-run.js';
import { summaryRows } from './summary-rows.js';

test('cell values: the median over the scenarios sharing a cell, for the cells that mostly completed; each row a cell when nothing is folded', () => {
  const row = (x: number, v: number | null, completedShare: number): Row => ({ variant: 'a', x, v, completedShare });
  const rows = [row(1, 10, 1), row(1, 30, 1), row(1, 1000, 1), row(2, 5, 0), row(2, 7, 0), row(2, 9, 1), row(3, null, 1), row(3, 40, 1)];
  // x 1: median of 10, 30, 1000 = 30; x 2: completed shares 0, 0, 1 have the median 0: not coloured; x 3: the one value 40
  assert.deepEqual(
    cellValues(rows, 'v', ['variant', 'x']).sort((a, b) => a - b),
    [30, 40],
  );
  assert.deepEqual(
    cellValues(rows, 'v', null).sort((a, b) => a - b),
    [9, 10, 30, 40, 1000],
  );
});

test('a downtime limit axis is folded into the cells (medians, said in the subtitle), every legend mark lies within the cells it colours, and the chart stays a screen tall', async () => {
  const dir = await runFixtureSweep(
    `
name: folded
seed: 5
replicates: 1
base:
  vm: { ram: 2GiB }
  workload: { kind: uniform, dirtyRate: 100MiB/s, workingSet: 1GiB }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu, maxBandwidth: 0 }
  horizon: 10min
axes:
  workload.dirtyRate: [16MiB/s, 64MiB/s, 256MiB/s]
  link.bandwidth: [1Gbit/s, 10Gbit/s]
  policy.downtimeLimit: [5ms, 50ms, 500ms, 5s]
charts:
  - convergence-map
  - downtime-vs-ratio
  - timeline
  - pareto
`,
    'folded',
  );
  await writeReport(dir, {});
  // the run table names the manifest's fields in words
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  assert.match(html, /<td>runs file format<\/td><td>csv<\/td>/);
  assert.doesNotMatch(html, /<td>(runsFormat|tool|fingerprint)<\/td>/);
  const spec = JSON.parse(readFileSync(join(dir, 'charts', 'convergence-map.vl.json'), 'utf8')) as unknown;
  const legends = [...JSON.stringify(spec).matchAll(/"legend":\{[^}]*?"values":\[([^\]]*)\]/g)].map((m) => m[1]!.split(',').map(Number));
  // the cells by hand from summary.csv: per dirty rate and link, the median downtime over the four limits, where most completed
  const { rows } = summaryRows(dir);
  const cells = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${String(r.dirtyRateBytesPerSec)}/${String(r.bandwidthBytesPerSec)}`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const shown = [...cells.values()]
    .filter((list) => median(list.map((r) => r.completedShare as number)) >= 0.5)
    .map((list) => median(list.map((r) => r.downtimeMs_median as number)));
  const all = rows.map((r) => r.downtimeMs_median as number);
  // the folded limits spread the scenarios' downtimes over three decades; the cells' medians over far less
  assert.ok(Math.max(...all) / Math.min(...all) > 100, `scenarios ${Math.min(...all)} to ${Math.max(...all)} ms`);
  const unit = Math.max(...shown) >= 1000 ? 1000 : 1;
  for (const marks of legends)
    for (const m of marks)
      assert.ok(
        m * unit >= Math.min(...shown) * (1 - 1e-9) && m * unit <= Math.max(...shown) * (1 + 1e-9),
        `legend mark ${m} outside ${Math.min(...shown)}..${Math.max(...shown)} ms`,
      );
  assert.match(JSON.stringify(spec), /Also varying in this sweep: downtime limit; each cell shows the medians over its values\./);
  const svg = readFileSync(join(dir, 'charts', 'convergence-map.svg'), 'utf8');
  const height = Number(/height="([\d.]+)"/.exec(svg)?.[1]);
  assert.ok(height < 600, `the map is ${height} px tall`);

  // downtime against the ratio: a line per downtime limit (not one line zig-zagging through the four at each x), said so,
  // and the one rule drawn is the smallest limit, named so
  const ratio = JSON.stringify(JSON.parse(readFileSync(join(dir, 'charts', 'downtime-vs-ratio.vl.json'), 'utf8')));
  assert.match(ratio, /One line per policy and downtime limit \(they vary too\)\./);
  assert.match(ratio, /"calculate":"datum\[\\"variant\\"\] \+ '\|' \+ datum\[\\"downtimeLimitMs\\"\]","as":"line"/);
  assert.match(ratio, /'smallest downtime limit ' \+/);

  // the timeline draws the runs at one condition, which differ only in the limit: each is named with its limit
  const timeline = readFileSync(join(dir, 'charts', 'timeline.vl.json'), 'utf8');
  for (const limit of ['5 ms', '50 ms', '500 ms', '5 s']) assert.ok(timeline.includes(`"base: qemu, downtime limit ${limit}"`), `no run named with the limit ${limit}`);

  // the trade-off chart counts the workloads and links where one of the variant's four settings is on the front, not its points
  const front = /on the front in (\d+) of (\d+) workloads and links/.exec(readFileSync(join(dir, 'charts', 'pareto.vl.json'), 'utf8'));
  assert.ok(front, 'the legend counts the conditions');
  assert.equal(Number(front[2]), 6);
  assert.ok(Number(front[1]) >= 1 && Number(front[1]) <= 6, `on the front in ${front[1]} of 6`);
});
