/** migsweep compare --bench: two bench results, a threshold, ratios gated, absolute speeds only on one machine. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { biggerIsBetter, compareBench, scopeOf } from '../../src/compare/bench.js';
import type { BenchFigure } from '../../src/compare/types.js';
import { migsweep, tempDir } from '../sweep/helpers.js';

const dir = tempDir();

function benchFile(name: string, figures: BenchFigure[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(figures, null, 2));
  return file;
}

const BASE: BenchFigure[] = [
  { name: 'sweep speedup, 2 workers vs 1', unit: 'x', value: 1.9, biggerIsBetter: true, scope: 'run' },
  { name: 'sweep time / engine time, 1 worker', unit: 'x', value: 1.2, biggerIsBetter: false, scope: 'run' },
  { name: 'sweep 200,000 tasks, 1 worker', unit: 'tasks/s', value: 5000, biggerIsBetter: true, scope: 'machine' },
  { name: 'engine precopy convergent', unit: 'runs/s', value: 900_000 },
];

const withValues = (values: number[]) => BASE.map((f, i) => ({ ...f, value: values[i] ?? f.value }));

test('a ratio 15% worse than the baseline fails a 10% gate (exit 1); 5% worse does not', () => {
  const old = benchFile('old', BASE);
  const slower = benchFile('slower', withValues([1.9, 1.38, 5000, 900_000]));
  const r = migsweep(['compare', '--bench', old, slower, '--threshold', '10%']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /sweep time \/ engine time, 1 worker\s+1\.2 x\s+1\.38 x\s+\+15\.0%\s+lower\s+ratio in one run\s+regression/);
  assert.match(r.out, /result: 1 speed regression beyond 10%/);
  const c = compareBench(old, benchFile('bit-slower', withValues([1.81, 1.26, 5000, 900_000])), 0.1, false);
  assert.equal(c.exitCode, 0);
  assert.deepEqual(
    c.lines.map((l) => l.verdict),
    ['within-threshold', 'within-threshold', 'within-threshold', 'within-threshold'],
  );
});

test('absolute speeds are shown but not gated across machines; --same-machine gates them', () => {
  const old = benchFile('old', BASE);
  const slowMachine = benchFile('slow-machine', withValues([1.9, 1.2, 2500, 450_000]));
  const across = compareBench(old, slowMachine, 0.1, false);
  assert.equal(across.exitCode, 0);
  assert.deepEqual(
    across.lines.map((l) => l.verdict),
    ['within-threshold', 'within-threshold', 'not-gated', 'not-gated'],
  );
  const same = compareBench(old, slowMachine, 0.1, true);
  assert.equal(same.exitCode, 1);
  assert.equal(same.counts.regressions, 2);
  assert.equal(migsweep(['compare', '--bench', old, slowMachine, '--same-machine']).code, 1);
  assert.equal(migsweep(['compare', '--bench', old, slowMachine]).code, 0);
});

test('a percentage is an overhead on top of 100%: 20% -> 30% is 8.3% slower, 20% -> 35% is 12.5%', () => {
  const overhead = (v: number): BenchFigure[] => [{ name: 'sweep harness overhead vs engine alone', unit: '%', value: v, biggerIsBetter: false, scope: 'run' }];
  const old = benchFile('overhead-20', overhead(20));
  const within = compareBench(old, benchFile('overhead-30', overhead(30)), 0.1, false);
  assert.ok(Math.abs((within.lines[0]!.relative as number) - 10 / 120) < 1e-12);
  assert.equal(within.exitCode, 0);
  const worse = compareBench(old, benchFile('overhead-35', overhead(35)), 0.1, false);
  assert.ok(Math.abs((worse.lines[0]!.relative as number) - 15 / 120) < 1e-12);
  assert.equal(worse.exitCode, 1);
});

test('direction and scope from the file, else from the unit', () => {
  assert.equal(biggerIsBetter({ name: 'a', unit: 'runs/s', value: 1 }), true);
  assert.equal(biggerIsBetter({ name: 'a', unit: 's', value: 1 }), false);
  assert.equal(biggerIsBetter({ name: 'a', unit: 'MiB', value: 1 }), false);
  assert.equal(biggerIsBetter({ name: 'a', unit: 'x', value: 1 }), true);
  assert.equal(biggerIsBetter({ name: 'a', unit: 'x', value: 1, biggerIsBetter: false }), false);
  assert.equal(scopeOf({ name: 'a', unit: 'x', value: 1 }), 'run');
  assert.equal(scopeOf({ name: 'a', unit: 'tasks/s', value: 1 }), 'machine');
  assert.equal(scopeOf({ name: 'a', unit: 'tasks/s', value: 1, scope: 'run' }), 'run');
});

test('a gated figure missing from the candidate fails the gate (exit 1) and is named', () => {
  const old = benchFile('old', BASE);
  const fewer = benchFile('fewer', BASE.slice(1));
  const c = compareBench(old, fewer, 0.1, false);
  assert.deepEqual(
    c.lines.map((l) => [l.name, l.verdict, l.gated]),
    [
      ['sweep speedup, 2 workers vs 1', 'missing', true],
      ['sweep time / engine time, 1 worker', 'within-threshold', true],
      ['sweep 200,000 tasks, 1 worker', 'within-threshold', false],
      ['engine precopy convergent', 'within-threshold', false],
    ],
  );
  assert.equal(c.counts.missing, 1);
  assert.equal(c.counts.regressions, 0);
  assert.equal(c.exitCode, 1);
  const r = migsweep(['compare', '--bench', old, fewer]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /sweep speedup, 2 workers vs 1\s+1\.9 x\s+-\s+-\s+higher\s+ratio in one run\s+missing/);
  assert.match(r.out, /result: 1 gated figure missing from the candidate: 'sweep speedup, 2 workers vs 1' \(exit 1\)/);
  const md = migsweep(['compare', '--bench', old, fewer, '--markdown']);
  assert.equal(md.code, 1);
  assert.match(md.out, /^### :x: migsweep bench: 1 gated figure missing from the candidate: 'sweep speedup, 2 workers vs 1'/);
});

test('an absolute figure missing from the candidate is listed; it fails only with --same-machine', () => {
  const old = benchFile('old', BASE);
  const noAbsolute = benchFile('no-absolute', BASE.slice(0, 3));
  const across = compareBench(old, noAbsolute, 0.1, false);
  assert.deepEqual(
    across.lines.map((l) => l.verdict),
    ['within-threshold', 'within-threshold', 'within-threshold', 'missing'],
  );
  assert.equal(across.counts.missing, 0, 'not gated across machines');
  assert.equal(across.exitCode, 0);
  const same = compareBench(old, noAbsolute, 0.1, true);
  assert.equal(same.counts.missing, 1);
  assert.equal(same.exitCode, 1);
});

test('a renamed gated figure is missing under its old name and new under its new one, and fails the gate', () => {
  const renamed = BASE.map((f, i) => (i === 0 ? { ...f, name: 'pool speedup, 2 workers vs 1' } : f));
  const c = compareBench(benchFile('old', BASE), benchFile('renamed', renamed), 0.1, false);
  assert.deepEqual(
    c.lines.map((l) => [l.name, l.baseline, l.candidate, l.verdict]),
    [
      ['sweep speedup, 2 workers vs 1', 1.9, null, 'missing'],
      ['sweep time / engine time, 1 worker', 1.2, 1.2, 'within-threshold'],
      ['sweep 200,000 tasks, 1 worker', 5000, 5000, 'within-threshold'],
      ['engine precopy convergent', 900_000, 900_000, 'within-threshold'],
      ['pool speedup, 2 workers vs 1', null, 1.9, 'new'],
    ],
  );
  assert.equal(c.exitCode, 1);
  const added = compareBench(benchFile('old', BASE), benchFile('more', [...BASE, { name: 'new figure', unit: 'x', value: 2 }]), 0.1, false);
  assert.equal(added.lines[4]!.verdict, 'new');
  assert.equal(added.exitCode, 0, 'a figure only in the candidate does not fail the gate');
});

test('--json and --markdown shapes; a file that is not a bench result is bad input (exit 2)', () => {
  const old = benchFile('old', BASE);
  const r = migsweep(['compare', '--bench', old, old, '--json']);
  assert.equal(r.code, 0);
  const c = JSON.parse(r.out) as { kind: string; lines: unknown[]; threshold: number };
  assert.equal(c.kind, 'compare-bench');
  assert.equal(c.threshold, 0.1, 'bench comparisons default to 10%');
  assert.equal(c.lines.length, 4);
  const md = migsweep(['compare', '--bench', old, old, '--markdown']).out;
  assert.match(md, /^### :white_check_mark: migsweep bench: no speed regression beyond 10% \(2 gated figures\)/);
  assert.match(md, /\| figure \| baseline \| candidate \| change \| better \| gate \| verdict \|/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"name": "x"}');
  const bad = migsweep(['compare', '--bench', old, broken]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /broken\.json: expected a list of \{ name, unit, value \}/);
  writeFileSync(broken, '[{"name": "x", "unit": "s", "value": "fast"}]');
  assert.match(migsweep(['compare', '--bench', old, broken]).err, /broken\.json: \[0\]\.value: expected a number, found "fast"/);
});
