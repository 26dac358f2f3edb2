/**
 * The committed baseline the nightly job compares with (results/baseline/),
 * and `migsweep baseline update`, which refreshes it deliberately.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BASELINE_SWEEPS } from '../../src/cli/baseline.js';
import { recordedGrid, sweepDifferences } from '../../src/compare/compatibility.js';
import { PACKAGE_ROOT, readManifest } from '../../src/sweep/output.js';
import { loadSweep } from '../../src/sweep/session.js';
import { migsweep, sweepFile, tempDir } from '../sweep/helpers.js';
import { DETERMINISTIC } from '../compare/helpers.js';

const BASELINE = join(PACKAGE_ROOT, 'results', 'baseline');

test('results/baseline holds the default and guestperf sweeps: runs.csv, summary.csv and manifest.json, small, not git-ignored', () => {
  // what `baseline update` refreshes and what the folder holds (with bench.json), both named here
  assert.deepEqual([...BASELINE_SWEEPS], ['default', 'guestperf']);
  assert.deepEqual(readdirSync(BASELINE).sort(), ['bench.json', 'default', 'guestperf']);
  for (const name of BASELINE_SWEEPS) {
    const dir = join(BASELINE, name);
    assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'runs.csv', 'summary.csv'], `${dir}: no report, only the data`);
    assert.ok(statSync(join(dir, 'runs.csv')).size < 1_000_000);
    const m = readManifest(dir);
    assert.equal(m.status, 'complete');
    assert.equal(m.shard, null);
    assert.equal(m.file, `sweeps/${name}.yaml`);
    const git = spawnSync('git', ['check-ignore', '--quiet', join('results', 'baseline', name, 'runs.csv')], { cwd: PACKAGE_ROOT });
    // 1: not ignored; 128: not a git checkout (an installed package), nothing to check
    if (git.status !== 128 && git.error === undefined) assert.equal(git.status, 1, `results/baseline/${name}/runs.csv is git-ignored: .gitignore must keep !results/baseline/`);
  }
});

test('the committed baseline comes from the sweep files as they are now (else the nightly comparison would refuse it)', () => {
  for (const name of BASELINE_SWEEPS) {
    const dir = join(BASELINE, name);
    const recorded = recordedGrid(readManifest(dir), dir, 'baseline');
    const current = loadSweep(join(PACKAGE_ROOT, 'sweeps', `${name}.yaml`)).grid;
    const diff = sweepDifferences(recorded, current);
    assert.deepEqual(
      [...diff.structural, ...diff.settings],
      [],
      `sweeps/${name}.yaml changed since results/baseline/${name} was made: run migsweep baseline update --sweep ${name} and commit it`,
    );
  }
});

test('migsweep baseline update runs the sweeps into the baseline folder (data only) and copies a bench result', () => {
  const dir = tempDir();
  const file = sweepFile(dir, 'det', DETERMINISTIC);
  const bench = join(dir, 'latest.json');
  writeFileSync(bench, JSON.stringify([{ name: 'sweep speedup, 2 workers vs 1', unit: 'x', value: 1.9 }]));
  const out = join(dir, 'baseline');
  const r = migsweep(['baseline', 'update', '--sweep', file, '--sweep', 'guestperf', '--dir', out, '--bench', bench, '--workers', '1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /baseline .*baseline\/det: 18 tasks of .*det\.yaml/);
  assert.match(r.out, /baseline .*baseline\/guestperf: 40 tasks of sweeps\/guestperf\.yaml/);
  assert.deepEqual(readdirSync(join(out, 'det')).sort(), ['manifest.json', 'runs.csv', 'summary.csv']);
  assert.ok(existsSync(join(out, 'bench.json')));
  // run again: the folder is replaced, not refused
  assert.equal(migsweep(['baseline', 'update', '--sweep', file, '--dir', out, '--workers', '1']).code, 0);
});

test('an unknown sweep name or a broken bench result is bad input (exit 2)', () => {
  const dir = tempDir();
  const r = migsweep(['baseline', 'update', '--sweep', 'defualt', '--dir', dir], {}, PACKAGE_ROOT);
  assert.equal(r.code, 2);
  assert.match(r.err, /--sweep: no sweep 'defualt' in sweeps; did you mean 'default'\?/);
  const broken = join(dir, 'x.json');
  writeFileSync(broken, '{}');
  assert.equal(migsweep(['baseline', 'update', '--bench', broken, '--dir', dir]).code, 2);
  assert.ok(!existsSync(join(dir, 'bench.json')));
});
