/** The compare chart in the candidate's report: drawn when the run folder holds compare.json, and only then. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compile, type TopLevelSpec } from 'vega-lite';
import { EXPORTERS } from '../../src/compare/export/index.js';
import { writeReport } from '../../src/report/index.js';
import { tempDir } from '../sweep/helpers.js';
import { compare, copyRun, detAndWorse } from './helpers.js';

const dir = tempDir();
let det = '';
let worse = '';

before(async () => {
  ({ det, worse } = await detAndWorse(dir, 'pause-60s', 4, 'downtimeMs', 2));
  writeFileSync(join(worse, 'compare.json'), EXPORTERS.json.runs(await compare(det, worse)));
});

test('with compare.json in the folder the report adds the compare chart: baseline against this run per metric, one colour per policy', async () => {
  const out = await writeReport(worse);
  assert.deepEqual(out.skipped, []);
  assert.equal(out.charts.at(-1)?.name, 'compare');
  const spec = JSON.parse(readFileSync(join(worse, 'charts', 'compare.vl.json'), 'utf8')) as TopLevelSpec & {
    hconcat: { layer: { data: { values: Record<string, unknown>[] } }[] }[];
  };
  assert.doesNotThrow(() => compile(spec));
  // downtime, total time, bytes sent / RAM, completed share
  assert.equal(spec.hconcat.length, 4);
  const points = spec.hconcat[0]!.layer[1]!.data.values;
  const flagged = points.filter((p) => p.verdict === 'regression');
  assert.deepEqual(
    flagged.map((p) => [p.variant, p.scenario, (p.candidate as number) / (p.baseline as number)]),
    [['pause-60s', 'pause-60s, dirty rate 4 MiB/s', 2]],
  );
  assert.match(readFileSync(out.index, 'utf8'), /This run against the baseline, per policy/);
});

test('without compare.json there is no compare chart and nothing is said about one', async () => {
  const out = await writeReport(det);
  assert.ok(!out.charts.some((c) => c.name === 'compare'));
  assert.deepEqual(out.skipped, []);
});

test('a compare.json of another run is not drawn, and the report says why', async () => {
  const other = copyRun(worse, join(dir, 'other'));
  const c = JSON.parse(readFileSync(join(other, 'compare.json'), 'utf8'));
  c.candidate.start = '2000-01-01T00:00:00.000Z';
  writeFileSync(join(other, 'compare.json'), JSON.stringify(c));
  const out = await writeReport(other);
  assert.deepEqual(
    out.skipped.map((s) => s.name),
    ['compare'],
  );
  assert.match(out.skipped[0]!.reason, /compare\.json compares another run/);
});
