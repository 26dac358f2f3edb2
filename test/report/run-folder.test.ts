/**
 * How the report reads a run folder: manifest.json and summary.csv streamed
 * (never runs.csv), the per-policy table over every row, and only the rows at
 * the sampled axes' kept values held for the charts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { evenlySpaced, sampleAxes, sampledAxesNote } from '../../src/report/axis-sample.js';
import { readRunFolder } from '../../src/report/run-folder.js';
import { InputError } from '../../src/common/errors.js';

/** A run folder with only manifest.json and summary.csv (no runs.csv: the report must not need it). */
function folder(manifest: object, summary: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-run-folder-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'summary.csv'), summary);
  return dir;
}

test('summary.csv cells: empty is null, a number in full is a number, names stay text even when they look like numbers', async () => {
  const dir = folder({}, 'scenarioId,variant,policy,n,downtimeMs_median\n00ab,10,"qemu + x(1, 2)",3,\n00ac,10,"say ""hi""",1e3,612.5\n');
  const run = await readRunFolder(dir);
  assert.deepEqual(run.summary.rows, [
    { scenarioId: '00ab', variant: '10', policy: 'qemu + x(1, 2)', n: 3, downtimeMs_median: null },
    { scenarioId: '00ac', variant: '10', policy: 'say "hi"', n: 1000, downtimeMs_median: 612.5 },
  ]);
  assert.equal(run.scenarios, 2);
});

test('evenly spaced values keep the first and the last: 5 of 0..100 by 1 are 0, 25, 50, 75, 100', () => {
  const values = Array.from({ length: 101 }, (_, i) => i);
  assert.deepEqual(evenlySpaced(values, 5), [0, 25, 50, 75, 100]);
  assert.deepEqual(evenlySpaced([1, 2, 3], 5), [1, 2, 3]);
});

test('axes are sampled to at most 40 values each, then the widest shrinks until the product fits', () => {
  const axes = sampleAxes(
    [
      { path: 'workload.dirtyRate', column: 'dirtyRateBytesPerSec', values: Array.from({ length: 500 }, (_, i) => i + 1) },
      { path: 'link.bandwidth', column: 'bandwidthBytesPerSec', values: Array.from({ length: 500 }, (_, i) => 1000 * (i + 1)) },
    ],
    40,
    1000,
  );
  // 40 x 40 = 1600 > 1000: the first widest goes to floor(40 x 0.8) = 32 (32 x 40 = 1280), then the other to 32 (1024), then 25 x 32 = 800
  assert.deepEqual(
    axes.map((a) => a.kept.length),
    [25, 32],
  );
  assert.equal(axes[0]!.kept[0], 1);
  assert.equal(axes[0]!.kept[24], 500);
  assert.match(sampledAxesNote(axes)[0]!, /^Sampled: 25 of the sweep's 500 values of dirty rate \(evenly spaced, 1 B\/s to 500 B\/s\)/);
});

test('a sampled axis keeps only the rows at its kept values for the charts; the per-policy table counts every row', async () => {
  // 5 downtime limits, sampled to 3 (10, 30, 50 ms); variant b has no such axis and keeps both its rows
  const manifest = {
    axes: [
      { path: 'policy[0].downtimeLimit', column: 'downtimeLimitMs', values: [10, 20, 30, 40, 50], variants: ['a'] },
      { path: 'link.bandwidth', column: 'bandwidthBytesPerSec', values: [1, 2] },
    ],
  };
  const lines = ['scenarioId,variant,downtimeLimitMs,bandwidthBytesPerSec,completedShare,downtimeMs_median'];
  let id = 0;
  for (const limit of [10, 20, 30, 40, 50]) for (const bw of [1, 2]) lines.push(`s${id++},a,${limit},${bw},1,${limit / 2}`);
  for (const bw of [1, 2]) lines.push(`s${id++},b,300,${bw},1,100`);
  const dir = folder(manifest, `${lines.join('\n')}\n`);
  const whole = await readRunFolder(dir);
  // 5 x 2 = 10 scenarios fit the default limits: nothing is sampled
  assert.equal(whole.summary.rows.length, 12);
  assert.deepEqual(whole.sampledAxes, []);
  const run = await readRunFolder(dir, { maxPerAxis: 3 });
  assert.equal(run.scenarios, 12);
  assert.deepEqual(
    run.sampledAxes.map((a) => [a.column, a.kept]),
    [['downtimeLimitMs', [10, 30, 50]]],
  );
  assert.deepEqual(
    run.summary.rows.map((r) => r.scenarioId),
    ['s0', 's1', 's4', 's5', 's8', 's9', 's10', 's11'],
  );
  // the table: a's 10 completed scenarios, median of 5, 5, 10, 10, 15, 15, 20, 20, 25, 25 = 15
  const [a, b] = run.variantTable.lines(['a', 'b']);
  assert.equal(a!.scenarios, 10);
  assert.equal(a!.downtimeMedianMs, 15);
  assert.equal(b!.scenarios, 2);
  assert.deepEqual(b!.constants, []);
});

test('a summary.csv with a short line, an unclosed quote or nothing in it is an input error naming the file and line', async () => {
  const short = folder({}, 'scenarioId,variant\n1,a\n2\n');
  await assert.rejects(readRunFolder(short), (e: unknown) => e instanceof InputError && /summary\.csv/.test(e.message) && /line 3: has 1 fields, the header has 2/.test(e.message));
  const unclosed = folder({}, 'scenarioId,variant\n1,"a\n');
  await assert.rejects(readRunFolder(unclosed), (e: unknown) => e instanceof InputError && /summary\.csv/.test(e.message) && /quote/i.test(e.message));
  const empty = folder({}, '');
  await assert.rejects(readRunFolder(empty), (e: unknown) => e instanceof InputError && /summary\.csv/.test(e.message) && /is empty/.test(e.message));
});
