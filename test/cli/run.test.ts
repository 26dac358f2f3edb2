import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DOCUMENTED_METRICS } from './metric-names.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/scenarios/', import.meta.url));

function migsweep(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('migsweep run', () => {
  test('--json prints one flat object with the metric names of docs/architecture.md and the scenario parameters', () => {
    const r = migsweep('run', `${FIXTURES}worked-example.yaml`, '--json');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1);
    const o = JSON.parse(lines[0]!);
    // the metrics first, in the documented order, then the scenario's parameters
    assert.deepEqual(Object.keys(o).slice(0, DOCUMENTED_METRICS.length), [...DOCUMENTED_METRICS]);
    assert.equal(o.passes, 10);
    assert.ok(Math.abs(o.totalTimeMs - 112640) < 1e-6);
    assert.equal(o.transferredBytes, 11 * 2 ** 30);
    assert.equal(o.stopReason, 'max-passes');
    assert.equal(o.ramBytes, 2 ** 30);
    assert.equal(o.dirtyRateBytesPerSec, 150 * 2 ** 20);
    assert.equal(o.bandwidthBytesPerSec, 100 * 2 ** 20);
    assert.equal(o['max-passes_passes'], 10);
    assert.equal(o.downtimeLimitMs, 30);
    assert.equal(o.policy, 'precopy + max-passes(10)');
  });

  test('--set overrides a value by path, with units', () => {
    const r = migsweep('run', `${FIXTURES}worked-example.yaml`, '--json', '--set', 'policy[1].passes=5', '--set', 'link.bandwidth=200MiB/s');
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out);
    assert.equal(o.passes, 5);
    // L = 150/200 = 0.75: V_i = 1 GiB x 0.75^i, five live passes and the sixth sent stopped:
    // T = 1024 MiB x (1 - 0.75^6) / 0.25 / 200 MiB/s = 16.835 s
    assert.ok(Math.abs(o.totalTimeMs - ((1024 * (1 - 0.75 ** 6)) / 0.25 / 200) * 1000) < 1e-6, String(o.totalTimeMs));
  });

  test('the summary says what happened in words and units', () => {
    const r = migsweep('run', `${FIXTURES}worked-example.yaml`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /outcome +completed \(max-passes\) after 1\.877 min/);
    assert.match(r.out, /downtime +10\.24 s real/);
    assert.match(r.out, /sent +11 GiB \(11\.0 x RAM\) in 10 full passes, 11 syncs/);
  });

  test('bad input: exit code 2, one clear message with file, line and path, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['run', `${FIXTURES}typo.yaml`], /typo\.yaml:3:\d+: link\.bandwdith: unknown key 'bandwdith'; did you mean 'bandwidth'\?/],
      [['run', `${FIXTURES}missing.yaml`], /missing\.yaml: no such file/],
      [
        ['run', `${FIXTURES}worked-example.yaml`, '--set', 'policy[1].kind=max-pass'],
        /policy\[1\]\.kind: unknown policy kind 'max-pass'; did you mean 'max-passes'\?.*\(from --set policy\[1\]\.kind=max-pass\)/,
      ],
      [['run', `${FIXTURES}worked-example.yaml`, '--set', 'link.bandwidth=-5MiB/s'], /link\.bandwidth: expected a positive rate, found '-5MiB\/s'/],
      [['run', `${FIXTURES}worked-example.yaml`, '--set', 'workload.workingSet=2GiB'], /workload\.workingSet: the working set \(2 GiB\) is larger than RAM \(1 GiB\)/],
      [['run', `${FIXTURES}worked-example.yaml`, '--set', 'nonsense'], /--set: expected path=value/],
      [['run'], /missing required argument/],
      [['rn', 'x'], /unknown command 'rn'/],
    ];
    for (const [args, re] of cases) {
      const r = migsweep(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
      assert.equal(r.out, '');
    }
  });

  test('--help lists every command, and the example run --help gives does what it says', () => {
    const r = migsweep('--help');
    assert.equal(r.code, 0);
    const commands = [...r.out.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    assert.deepEqual(commands, ['run', 'sweep', 'merge', 'calibrate', 'report', 'compare', 'baseline', 'tune', 'import', 'help']);
    const run = migsweep('run', '--help');
    assert.equal(run.code, 0);
    assert.match(run.out, /^Usage: migsweep run \[options\] <scenario-file>/);
    for (const option of ['--set <path=value>', '--json', '--timeline', '--out <dir>', '--png']) assert.ok(run.out.includes(`  ${option}`), option);
    // its examples: the scenario file and `--set workload.dirtyRate=200MiB/s` = 200 x 2^20 B/s
    const example = run.out.match(/e\.g\. (sweeps\/\S+\.yaml)/)?.[1];
    assert.equal(example, 'sweeps/examples/seed-thread.yaml');
    const set = migsweep('run', fileURLToPath(new URL(`../../../${example}`, import.meta.url)), '--json', '--set', 'workload.dirtyRate=200MiB/s');
    assert.equal(set.code, 0, set.err);
    assert.equal(JSON.parse(set.out).dirtyRateBytesPerSec, 200 * 2 ** 20);
  });
});
