/**
 * A sweep whose axes are policy constants gets charts over those constants:
 * downtime and total time against the downtime limit, one line per
 * auto-converge increment, one panel per dirty rate and RAM size. Checked
 * against summary.csv and runs.csv read here with csv-parse, and against the
 * marks of the rendered SVG.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { median } from 'simple-statistics';
import { chartContext } from '../../src/report/chart-context.js';
import { defaultCharts } from '../../src/report/chart-choice.js';
import { metricVsAxis } from '../../src/report/charts/metric-vs-axis.js';
import { writeReport, type ReportOutcome } from '../../src/report/index.js';
import { readRunFolder } from '../../src/report/run-folder.js';
import type { BuiltChart, Row } from '../../src/report/types.js';
import { loadSweep } from '../../src/sweep/session.js';
import { POLICY_CONSTANTS_SWEEP, runFixtureSweep } from './sweep-run.js';
import { summaryRows } from './summary-rows.js';

const GiB = 2 ** 30;
let dir = '';
let out: ReportOutcome;
/** summary rows with the RAM of each scenario, from runs.csv */
let rows: Row[] = [];

before(async () => {
  dir = await runFixtureSweep(POLICY_CONSTANTS_SWEEP, 'constants');
  out = await writeReport(dir);
  const runs = parse<Record<string, string>>(readFileSync(join(dir, 'runs.csv'), 'utf8'), { columns: true });
  const ram = new Map(runs.map((r) => [r.scenarioId, Number(r.ramBytes)]));
  rows = summaryRows(dir).rows.map((r) => ({ ...r, ramBytes: ram.get(String(r.scenarioId)) ?? null }));
});

function spec(name: string): {
  data: { values: Row[] };
  title: { subtitle: string[] };
  facet: { column: { sort: string[] }; row: { sort: string[] } };
  spec: { layer: { encoding: { color: { sort: string[] } } }[] };
} {
  return JSON.parse(readFileSync(join(dir, 'charts', `${name}.vl.json`), 'utf8'));
}

test('a sweep over policy constants draws downtime and total time against its axes first, and no dirty rate x bandwidth charts', () => {
  assert.deepEqual(out.skipped, []);
  assert.deepEqual(
    out.charts.map((c) => c.name),
    ['downtime-vs-axis', 'total-time-vs-axis', 'pareto', 'promised-vs-real', 'timeline'],
  );
});

test('downtime against the downtime limit: one point per scenario (48), each its median downtime in summary.csv', () => {
  const s = spec('downtime-vs-axis');
  assert.equal(s.data.values.length, 4 * 3 * 2 * 2);
  assert.deepEqual(s.spec.layer[0]!.encoding.color.sort, ['5', '20', '50']);
  // two values each: the panels follow the sweep file's order (RAM, then dirty rate)
  assert.deepEqual(s.facet.column.sort, ['RAM 4 GiB', 'RAM 16 GiB']);
  assert.deepEqual(s.facet.row.sort, ['dirty rate 1 GiB/s', 'dirty rate 2 GiB/s']);
  for (const p of s.data.values) {
    const match = rows.filter(
      (r) =>
        r.downtimeLimitMs === p.downtimeLimitMs &&
        r['auto-converge_increment'] === p['auto-converge_increment'] &&
        r.dirtyRateBytesPerSec === p.dirtyRateBytesPerSec &&
        r.ramBytes === p.ramBytes,
    );
    assert.equal(match.length, 1, JSON.stringify(p));
    const want = (match[0]!.completedShare as number) >= 0.5 ? match[0]!.downtimeMs_median : null;
    assert.equal(p.downtimeMs_median, want);
  }
  assert.deepEqual(
    [...new Set(s.data.values.map((p) => p.ramBytes as number))].sort((a, b) => a - b),
    [4 * GiB, 16 * GiB],
  );
});

test('the rendered SVG draws one point per completed scenario, and the limit as a dashed line', () => {
  const svg = readFileSync(join(dir, 'charts', 'downtime-vs-axis.svg'), 'utf8');
  const completed = rows.filter((r) => (r.completedShare as number) >= 0.5 && typeof r.downtimeMs_median === 'number' && r.downtimeMs_median > 0).length;
  assert.ok(completed > 0);
  // vega's SVG: each mark's items are the children of a group of class mark-symbol
  const symbols = [...svg.matchAll(/<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].reduce((n, m) => n + (m[1]!.match(/<path/g) ?? []).length, 0);
  assert.equal(symbols, completed);
  assert.match(svg, /stroke-dasharray="4,3"/);
});

test('axes not on x, colour or panels are folded: each point the median over them, and the subtitle says so', async () => {
  const run = await readRunFolder(dir);
  const built = metricVsAxis({ kind: 'metric-vs-axis', metric: 'totalTimeMs', x: 'downtimeLimitMs', color: 'none', facet: 'none' }, chartContext(run), 'charts[0]') as BuiltChart;
  const s = built.spec as unknown as { data: { values: Row[] }; title: { subtitle: string[] } };
  assert.equal(s.data.values.length, 4);
  for (const p of s.data.values) {
    const own = rows.filter((r) => r.downtimeLimitMs === p.downtimeLimitMs && (r.completedShare as number) >= 0.5).map((r) => r.totalTimeMs_median as number);
    assert.equal(own.length, 12);
    assert.equal(p.totalTimeMs_median, median(own));
    assert.equal(p.scenarios, 12);
  }
  assert.match(
    s.title.subtitle.join(' '),
    /Folded: each point is the median over the 3 values of auto-converge increment, the 2 values of RAM and the 2 values of dirty rate \(not drawn separately\)/,
  );
});

test('a column the run lacks is an input error naming the entry', async () => {
  const run = await readRunFolder(dir);
  assert.throws(
    () => metricVsAxis({ kind: 'metric-vs-axis', x: 'downtimeLimit' }, chartContext(run), 'charts[2] (metric-vs-axis)'),
    /charts\[2\] \(metric-vs-axis\).*'downtimeLimit' is not in the run's CSV.*downtimeLimitMs/s,
  );
});

test('sweeps/examples/policy-constants.yaml is 40 downtime limits x 10 increments x 2 RAM sizes x 3 dirty rates = 2,400 tasks, and gets the charts over its axes', () => {
  const { grid } = loadSweep(fileURLToPath(new URL('../../../sweeps/examples/policy-constants.yaml', import.meta.url)));
  assert.equal(grid.tasks, 40 * 10 * 2 * 3);
  const dims = grid.variants[0]!.dims;
  assert.deepEqual(
    dims.map((d) => [d.paths[0], d.values.length]),
    [
      ['policy[0].downtimeLimit', 40],
      ['policy[1].increment', 10],
      ['vm.ram', 2],
      ['workload.dirtyRate', 3],
    ],
  );
  const charts = defaultCharts({
    axes: dims.map((d, i) => ({
      path: d.paths[0]!,
      column: ['downtimeLimitMs', 'auto-converge_increment', 'ramBytes', 'dirtyRateBytesPerSec'][i]!,
      values: d.values.map((v) => v[0]),
    })),
  });
  assert.deepEqual(
    charts.map((c) => c.name ?? c.kind),
    ['downtime-vs-axis', 'total-time-vs-axis', 'pareto', 'promised-vs-real', 'timeline'],
  );
});
