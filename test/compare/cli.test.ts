/** `migsweep compare` as a CI job runs it: exit codes, --json, --markdown, --out, bad flags. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Comparison } from '../../src/compare/types.js';
import { migsweep, tempDir } from '../sweep/helpers.js';
import { MiB, detAndWorse } from './helpers.js';

const dir = tempDir();
let det = '';
let worse = '';

before(async () => {
  ({ det, worse } = await detAndWorse(dir, 'qemu-2011', 4, 'totalTimeMs', 1.5));
});

test('exit 0 when nothing regressed, 1 when something did, 2 for bad input', () => {
  const same = migsweep(['compare', det, det]);
  assert.equal(same.code, 0, same.err);
  assert.match(same.out, /result: no regression \(exit 0\)/);
  const bad = migsweep(['compare', det, worse]);
  assert.equal(bad.code, 1, bad.err);
  assert.match(
    bad.out,
    /1 regression:\n\s+scenario\s+metric\s+baseline\s+candidate\s+change\s+judged\n\s+qemu-2011, dirty rate 4 MiB\/s\s+total migration time\s+32\.3 s\s+48\.46 s\s+\+50\.0%\s+exact/,
  );
  const missing = migsweep(['compare', join(dir, 'nowhere'), det]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^migsweep: .*nowhere: the baseline is not a run folder/);
  assert.doesNotMatch(missing.err, /at .*\.js:\d+/, 'no stack trace');
});

test('--json is the whole comparison; --out writes the same JSON to a file', () => {
  const out = join(dir, 'compare.json');
  const r = migsweep(['compare', det, worse, '--json', '--out', out]);
  assert.equal(r.code, 1);
  const c = JSON.parse(r.out) as Comparison;
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), c);
  assert.equal(c.kind, 'compare');
  assert.equal(c.exitCode, 1);
  assert.deepEqual(Object.keys(c.counts), [
    'matched',
    'baselineOnly',
    'candidateOnly',
    'regressions',
    'improvements',
    'changed',
    'notSignificant',
    'withinThreshold',
    'unchanged',
    'noData',
  ]);
  assert.deepEqual(c.settings.metrics, ['downtimeMs', 'totalTimeMs', 'transferFactor', 'completedShare']);
  assert.equal(c.settings.correction, 'holm');
  const [f] = c.regressions;
  assert.ok(f);
  assert.deepEqual(
    { variant: f.variant, metric: f.metric, test: f.test, params: f.params },
    { variant: 'qemu-2011', metric: 'totalTimeMs', test: 'exact', params: { dirtyRateBytesPerSec: 4 * MiB } },
  );
  assert.equal(c.scenarios.length, 6);
  assert.deepEqual(Object.keys(c.scenarios[0]!).sort(), ['label', 'metrics', 'outcome', 'paired', 'params', 'scenarioId', 'variant']);
});

test('--markdown: the verdict as a heading, a table per section, how it was judged folded', () => {
  const r = migsweep(['compare', det, worse, '--markdown']);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n');
  assert.equal(lines[0], '### :x: migsweep compare det: 1 regression');
  const at = lines.indexOf('#### 1 regression');
  assert.ok(at > 0, r.out);
  assert.equal(lines[at + 2], '| scenario | metric | baseline | candidate | change | judged |');
  assert.equal(lines[at + 3], '|---|---|--:|--:|--:|---|');
  assert.match(lines[at + 4]!, /^\| qemu-2011, dirty rate 4 MiB\/s \| total migration time \| .* \| \+50\.0% \| exact \|$/);
  assert.match(r.out, /<details><summary>How this was judged \(exit 0: no regression, 1: a regression, 2: bad input\)<\/summary>/);
  assert.match(migsweep(['compare', det, det, '--markdown']).out, /^### :white_check_mark: migsweep compare det: no regression/);
});

test('--metrics chooses the metrics; unknown names, bad thresholds and clashing flags are bad input', () => {
  const r = migsweep(['compare', det, worse, '--metrics', 'downtimeMs,transferFactor']);
  assert.equal(r.code, 0, 'the shifted total time is not compared');
  const unknown = migsweep(['compare', det, det, '--metrics', 'downtime']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /--metrics: unknown metric 'downtime'; did you mean 'downtimeMs'\?/);
  const threshold = migsweep(['compare', det, det, '--threshold', '5']);
  assert.equal(threshold.code, 2);
  assert.match(threshold.err, /--threshold: expected a share such as 5% or 0\.05, found '5': write 5% for percent/);
  assert.equal(migsweep(['compare', det, worse, '--threshold', '60%']).code, 0);
  assert.equal(migsweep(['compare', det, det, '--alpha', '2']).code, 2);
  assert.equal(migsweep(['compare', det, det, '--json', '--markdown']).code, 2);
  assert.equal(migsweep(['compare', det, det, '--same-machine']).code, 2);
});
