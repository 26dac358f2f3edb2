/**
 * migsweep compare on constructed pairs of runs: small sweeps run here,
 * then copies whose runs.csv has a metric shifted, an outcome flipped, a
 * scenario removed or its rows reordered.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { InputError } from '../../src/common/errors.js';
import { tempDir } from '../sweep/helpers.js';
import { DETERMINISTIC, MiB, NOISY, compare, copyRun, editRuns, runInto, scale } from './helpers.js';

const dir = tempDir();
let det = '';
let noisy = '';
let noisyOtherSeed = '';
let copies = 0;
const copy = (src: string) => copyRun(src, join(dir, `copy-${++copies}`));

before(async () => {
  det = await runInto(dir, 'det', DETERMINISTIC);
  noisy = await runInto(dir, 'noisy', NOISY);
  noisyOtherSeed = await runInto(dir, 'noisy-12', NOISY.replace('seed: 11', 'seed: 12'));
});

describe('deterministic runs (every replicate the same)', () => {
  test('identical runs report nothing and exit 0', async () => {
    const c = await compare(det, copy(det));
    assert.equal(c.exitCode, 0);
    assert.deepEqual([c.regressions, c.improvements, c.changed, c.notSignificant, c.baselineOnly, c.candidateOnly], [[], [], [], [], [], []]);
    assert.equal(c.counts.matched, 6);
    // 6 scenarios x 3 metrics; qemu-2011 at 512 MiB/s never completes, so it has no downtime on either side
    assert.equal(c.counts.unchanged, 17);
    assert.equal(c.counts.noData, 1);
    assert.equal(c.settings.family, 0, 'nothing is noisy: no test, no correction');
    assert.ok(c.scenarios.every((s) => s.metrics.every((m) => m.test === 'exact' || m.verdict === 'no-data')));
  });

  test('a shift beyond the threshold is a regression with certainty (exact), the other way an improvement', async () => {
    const worse = copy(det);
    scale(worse, 'pause-60s', 32 * MiB, 'downtimeMs', 1.2);
    const c = await compare(det, worse);
    assert.equal(c.exitCode, 1);
    assert.equal(c.regressions.length, 1);
    const r = c.regressions[0]!;
    assert.equal(r.scenario, 'pause-60s, dirty rate 32 MiB/s');
    assert.equal(r.metric, 'downtimeMs');
    assert.equal(r.test, 'exact');
    assert.equal(r.p, null);
    assert.ok(Math.abs((r.relative as number) - 0.2) < 1e-12);

    const better = copy(det);
    scale(better, 'pause-60s', 32 * MiB, 'downtimeMs', 0.8);
    const d = await compare(det, better);
    assert.equal(d.exitCode, 0);
    assert.equal(d.regressions.length, 0);
    assert.equal(d.improvements.length, 1);
    assert.ok(Math.abs((d.improvements[0]!.relative as number) + 0.2) < 1e-12);
  });

  test('a shift within the threshold is counted, not reported', async () => {
    const small = copy(det);
    scale(small, 'pause-60s', 32 * MiB, 'totalTimeMs', 1.03);
    const c = await compare(det, small);
    assert.equal(c.exitCode, 0);
    assert.equal(c.counts.withinThreshold, 1);
    assert.equal(c.regressions.length + c.improvements.length, 0);
    // the same shift with a 2% threshold is a regression
    assert.equal((await compare(det, small, { threshold: 0.02 })).regressions.length, 1);
  });

  test('an outcome flip (completed -> unfinished) is always a regression, whatever the threshold', async () => {
    const flipped = copy(det);
    editRuns(flipped, (r) => {
      if (r.variant === 'qemu-2011' && Number(r.dirtyRateBytesPerSec) === 32 * MiB) {
        r.outcome = 'unfinished';
        r.downtimeMs = '';
      }
    });
    const c = await compare(det, flipped, { threshold: 10 });
    assert.equal(c.exitCode, 1);
    assert.equal(c.regressions.length, 1);
    assert.equal(c.regressions[0]!.metric, 'outcome');
    assert.equal(c.regressions[0]!.detail, 'completed 3/3 -> 0/3 (3 unfinished)');

    const one = copy(det);
    editRuns(one, (r) => {
      if (r.variant === 'pause-60s' && Number(r.dirtyRateBytesPerSec) === 4 * MiB && r.replicate === '2') r.outcome = 'aborted';
    });
    const d = await compare(det, one);
    assert.equal(d.regressions.map((f) => f.detail).join(), 'completed 3/3 -> 2/3 (1 aborted)');
  });

  test('a scenario on one side only is listed there; rows are matched by parameters, not by order', async () => {
    const missing = copy(det);
    editRuns(missing, (r) => !(r.variant === 'pause-60s' && Number(r.dirtyRateBytesPerSec) === 4 * MiB));
    const c = await compare(det, missing);
    assert.deepEqual(
      c.baselineOnly.map((s) => s.label),
      ['pause-60s, dirty rate 4 MiB/s'],
    );
    assert.deepEqual(c.candidateOnly, []);
    assert.equal(c.exitCode, 0);
    const d = await compare(missing, det);
    assert.deepEqual(
      d.candidateOnly.map((s) => s.label),
      ['pause-60s, dirty rate 4 MiB/s'],
    );

    const reversed = copy(det);
    const [head, ...rows] = readFileSync(join(reversed, 'runs.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(reversed, 'runs.csv'), `${[head, ...rows.reverse()].join('\n')}\n`);
    const e = await compare(det, reversed);
    assert.equal(e.counts.matched, 6);
    assert.equal(e.counts.unchanged, 17);
  });
});

describe('noisy runs (a jittered link: replicates differ)', () => {
  test('two runs that differ only in their random numbers, one shifted within the noise: nothing is flagged', async () => {
    const shifted = copy(noisyOtherSeed);
    // the downtime varies by about 37% from replicate to replicate; 10% is well within that
    scale(shifted, 'qemu', 16 * MiB, 'downtimeMs', 1.1);
    const c = await compare(noisy, shifted);
    assert.equal(c.exitCode, 0);
    assert.deepEqual(c.regressions, []);
    assert.equal(c.settings.family, 12);
    assert.equal(c.settings.paired, 0, 'other seeds: two samples, not pairs');
    assert.match(c.notes.join('\n'), /the sweep seeds differ \(11 and 12\)/);
    // there are changes beyond 5%, and the test says they are noise
    assert.ok(c.notSignificant.length >= 1);
    for (const f of c.notSignificant) assert.ok((f.p as number) > 0.01 / 12, `${f.scenario} ${f.metric} p=${f.p}`);
  });

  test('a shift far beyond the noise is flagged (two samples)', async () => {
    const shifted = copy(noisyOtherSeed);
    scale(shifted, 'qemu', 16 * MiB, 'downtimeMs', 2.5);
    const c = await compare(noisy, shifted);
    assert.equal(c.exitCode, 1);
    assert.deepEqual(
      c.regressions.map((f) => `${f.scenario} ${f.metric} ${f.test}`),
      ['qemu, dirty rate 16 MiB/s downtimeMs permutation'],
    );
    assert.ok((c.regressions[0]!.p as number) < 0.01 / 12);
  });

  test('replicates with the same seeds are paired: a consistent 10% shift is found, identical runs are not', async () => {
    const same = await compare(noisy, copy(noisy));
    assert.equal(same.exitCode, 0);
    assert.equal(same.counts.unchanged, 12);
    assert.equal(same.settings.paired, 4);

    const shifted = copy(noisy);
    scale(shifted, 'qemu', 64 * MiB, 'downtimeMs', 1.1);
    const c = await compare(noisy, shifted);
    assert.equal(c.exitCode, 1);
    assert.deepEqual(
      c.regressions.map((f) => `${f.scenario} ${f.metric} ${f.test}`),
      ['qemu, dirty rate 64 MiB/s downtimeMs paired-permutation'],
    );
    // identical comparisons cannot raise a false alarm: the family is the one that changed
    assert.equal(c.settings.family, 1);
  });

  test('with 3 replicates even a consistent 20% shift cannot be significant, and the comparison says so', async () => {
    const few = await runInto(dir, 'noisy-3', NOISY.replace('replicates: 16', 'replicates: 3'));
    const shifted = copy(few);
    scale(shifted, 'qemu', 64 * MiB, 'downtimeMs', 1.2);
    const c = await compare(few, shifted);
    assert.equal(c.exitCode, 0);
    assert.deepEqual(
      c.notSignificant.map((f) => [f.scenario, f.p]),
      [['qemu, dirty rate 64 MiB/s', 0.25]],
    );
    assert.match(
      c.notes.join('\n'),
      /the change beyond the threshold in noisy scenarios could not be significant with so few replicates: a permutation test over them cannot give a p-value below 0\.25, and Holm's first threshold for 1 noisy comparison at 0\.01 is 0\.010; 8 paired replicates/,
    );
  });
});

describe('runs that cannot be compared (bad input, exit 2)', () => {
  const message = async (a: string, b: string, over = {}) => {
    try {
      await compare(a, b, over);
    } catch (e) {
      assert.ok(e instanceof InputError, String(e));
      return e.message;
    }
    assert.fail('expected an InputError');
  };

  test('other axes, other variants: refused, saying what differs', async () => {
    const axes = await runInto(dir, 'other-axes', DETERMINISTIC.replace('workload.dirtyRate: [4MiB/s, 32MiB/s, 512MiB/s]', 'link.bandwidth: [100Mbit/s, 1Gbit/s]'));
    assert.match(
      await message(det, axes),
      /differ in what they sweep[\s\S]*axes: the baseline sweeps workload\.dirtyRate, the candidate link\.bandwidth[\s\S]*migsweep baseline update/,
    );
    const variants = await runInto(dir, 'other-variants', DETERMINISTIC.replace('name: pause-60s', 'name: pause-1min'));
    const m = await message(det, variants);
    assert.match(m, /variants: the baseline has 'pause-60s', which the candidate lacks/);
    assert.match(m, /variants: the candidate has 'pause-1min', which the baseline lacks/);
  });

  test('another fixed setting: refused unless --allow-changed-settings, then noted', async () => {
    const longer = await runInto(dir, 'longer', DETERMINISTIC.replace('horizon: 10min', 'horizon: 20min'));
    assert.match(await message(det, longer), /differ in fixed settings[\s\S]*base: horizon: 600 -> 1200[\s\S]*--allow-changed-settings/);
    const c = await compare(det, longer, { allowChangedSettings: true });
    assert.deepEqual(c.acceptedSettings, ['base: horizon: 600 -> 1200']);
    assert.deepEqual(
      c.settingDifferences.map((d) => `${d.variant} ${d.column} ${d.baseline} ${d.candidate}`),
      ['null horizonMs 600000 1200000'],
    );
  });

  test('a folder that is not a whole finished run', async () => {
    assert.match(await message(dir, det), /the baseline is not a run folder: no manifest\.json/);
  });
});
