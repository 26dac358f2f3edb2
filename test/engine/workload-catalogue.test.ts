import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import type { Scenario, TimelinePoint } from '../../src/engine/types.js';
import { WORKLOAD_PRESETS } from '../../src/engine/workloads/presets.js';
import { scenarioColumns } from '../../src/scenario/flatten.js';
import { assertClose, basic, GiB, MiB, scenario } from './scenario-builder.js';

const withWorkload = (workload: Record<string, unknown>, ram = 6 * GiB): Scenario =>
  scenario({ vm: { ram }, workload, link: { bandwidth: '1Gbit/s' }, policy: { kind: 'precopy' }, horizon: '10min' });

describe('workload presets: named applications from published measurements', () => {
  test('kernel-compile on a 6 GiB guest: 100 MB/s (800 Mbit/s) of writes over a third of RAM (2 GiB), fluctuating, ending at 275 s', () => {
    const s = withWorkload({ preset: 'kernel-compile' });
    assert.equal(s.workload.kind, 'uniform');
    assert.equal(s.workload.dirtyRate, 100e6);
    assert.equal(s.workload.workingSetShare, 1 / 3, 'a share: a sweep over vm.ram scales it');
    assert.deepEqual(s.workload.fluctuation, { spread: 0.3, period: 5, correlation: 30 });
    assert.equal(s.workload.duration, 275);
    const cols = scenarioColumns(s);
    assert.equal(cols.workloadPreset, 'kernel-compile');
    assert.equal(cols.workingSetBytes, 2 * GiB);
    assert.equal(cols.workloadDurationMs, 275_000);
  });

  test("the scenario's own fields override the preset's one by one", () => {
    const s = withWorkload({ preset: 'redis', dirtyRate: '10MiB/s', fluctuation: null });
    assert.equal(s.workload.dirtyRate, 10 * MiB);
    assert.equal(s.workload.workingSet, 128 * MiB, 'from the preset');
    assert.equal(s.workload.fluctuation, null, 'turned off by the scenario');
  });

  test('jvm-large writes 67,551 pages/s (QEMU commit 7ca1dfad): 276.7 MB/s', () => {
    assert.equal(withWorkload({ preset: 'jvm-large' }, 256 * GiB).workload.dirtyRate, 67_551 * 4096);
  });

  test('every preset validates on a 4 GiB and a 64 GiB guest and names its source', () => {
    for (const [name, p] of Object.entries(WORKLOAD_PRESETS)) {
      assert.ok(p.source.length > 20, `${name} has a source`);
      for (const ram of [4 * GiB, 64 * GiB]) {
        const ws = scenarioColumns(withWorkload({ preset: name }, ram)).workingSetBytes as number;
        assert.ok(ws > 0 && ws <= ram, `${name} fits in ${ram / GiB} GiB`);
      }
    }
  });

  test('a misspelt preset names the nearest one, and nothing else', () => {
    assert.throws(
      () => withWorkload({ preset: 'kernel-compil' }),
      (e: Error) => /workload\.preset: unknown workload preset 'kernel-compil'; did you mean 'kernel-compile'\?/.test(e.message) && !/workload\.kind/.test(e.message),
    );
  });

  test('a scenario without preset or fluctuation has none of their columns', () => {
    const cols = scenarioColumns(withWorkload({ kind: 'uniform', dirtyRate: '1MiB/s' }));
    for (const c of ['workloadPreset', 'fluctuationSpread', 'workloadDurationMs']) assert.ok(!(c in cols), c);
  });
});

/** A guest that never converges (1 GiB rewritten at 500 MiB/s on 100 MiB/s), so its rate can be watched for an hour. */
const watched = (workload: Record<string, unknown>, fidelity: 'fluid' | 'page' = 'fluid', seed = 1): Scenario =>
  basic({ ram: 1 * GiB, workload: { kind: 'uniform', dirtyRate: '500MiB/s', ...workload }, bandwidth: 100 * MiB, policy: [{ kind: 'precopy' }], horizon: 3600, fidelity, seed });

function rateChanges(s: Scenario): TimelinePoint[] {
  const tl: TimelinePoint[] = [];
  simulate(s, { timeline: tl });
  return tl.filter((p) => p.event === 'rate');
}

describe('fluctuating dirty rates', () => {
  test('spread 0 is a steady rate: the same result as no fluctuation at all', () => {
    assert.deepEqual(simulate(watched({ fluctuation: { spread: 0 } })), simulate(watched({})));
  });

  test('a log-normal factor with mean 1 and lag-1 correlation exp(-period / correlation): over 3600 periods of 1 s, mean within 0.1 of 1, correlation of the log within 0.05 of exp(-1/5) = 0.819', () => {
    const rates = rateChanges(watched({ fluctuation: { spread: 0.5, period: '1s', correlation: '5s' } }));
    assert.equal(rates.length, 3600, 'one change per period');
    const f = rates.map((p) => p.dirtyRateBytesPerSec / (500 * MiB));
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    assert.ok(Math.abs(mean - 1) < 0.1, `mean factor ${mean}`);
    const x = f.map((v) => Math.log(v));
    const mx = x.reduce((a, b) => a + b, 0) / x.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) {
      den += (x[i]! - mx) ** 2;
      if (i > 0) num += (x[i]! - mx) * (x[i - 1]! - mx);
    }
    assert.ok(Math.abs(num / den - Math.exp(-1 / 5)) < 0.05, `lag-1 correlation ${num / den}`);
    // sd of the log is the spread: 0.5
    assertClose(Math.sqrt(den / x.length), 0.5, 0.1, 'sd of the log-factor');
  });

  test('the same seed gives the same rate path in both fidelities; another seed another path', () => {
    const fl = { fluctuation: { spread: 0.4, period: '2s', correlation: '10s' } };
    const a = rateChanges(watched(fl, 'fluid', 7))
      .slice(0, 20)
      .map((p) => p.dirtyRateBytesPerSec);
    const b = rateChanges(
      basic({
        ram: 64 * MiB,
        workload: { kind: 'uniform', dirtyRate: '500MiB/s', ...fl },
        bandwidth: 100 * MiB,
        policy: [{ kind: 'precopy' }],
        horizon: 40,
        fidelity: 'page',
        seed: 7,
      }),
    )
      .slice(0, 20)
      .map((p) => p.dirtyRateBytesPerSec);
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a,
      rateChanges(watched(fl, 'fluid', 8))
        .slice(0, 20)
        .map((p) => p.dirtyRateBytesPerSec),
    );
  });

  test('page fidelity agrees with the fluid engine seed by seed (same rate path): transferred bytes within 3 % on average over 8 seeds', () => {
    const fl = { kind: 'uniform', dirtyRate: '40MiB/s', workingSet: '48MiB', fluctuation: { spread: 0.5, period: '1s', correlation: '4s' } };
    let sumRel = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const mk = (fidelity: 'fluid' | 'page') =>
        basic({ ram: 128 * MiB, workload: fl, bandwidth: 50 * MiB, policy: [{ kind: 'qemu', maxBandwidth: 0 }], horizon: 120, fidelity, seed });
      const f = simulate(mk('fluid'));
      const p = simulate(mk('page'));
      sumRel += (p.transferredBytes - f.transferredBytes) / f.transferredBytes;
    }
    assert.ok(Math.abs(sumRel / 8) < 0.03, `mean relative difference ${sumRel / 8}`);
  });

  test('duration: the guest stops writing at 275 s, and a guest that could not converge while writing then does', () => {
    const s = watched({ duration: '100s' });
    const tl: TimelinePoint[] = [];
    const r = simulate(s, { timeline: tl });
    const stop = tl.find((p) => p.event === 'rate');
    assert.ok(stop !== undefined);
    assertClose(stop.tMs, 100_000, 1e-12, 'the end of the writes');
    assert.equal(stop.dirtyRateBytesPerSec, 0);
    assert.equal(r.outcome, 'completed');
    // after 100 s nothing is dirtied: the pass that is running and at most one more empty the RAM
    assert.ok(r.totalTimeMs < 100_000 + 2 * (GiB / (100 * MiB)) * 1000, `${r.totalTimeMs} ms`);
    assert.equal(simulate(watched({})).outcome, 'unfinished', 'while it writes it never converges');
  });
});

describe('presets in a sweep', () => {
  test('an axis over workload.preset crossed with vm.ram: each scenario gets its own preset, with shares of its own RAM', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadSweep } = await import('../../src/sweep/session.js');
    const { buildScenario, decodeScenario } = await import('../../src/sweep/grid.js');
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'presets-'));
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(
      file,
      [
        'name: p',
        'base:',
        '  vm: { ram: 4GiB }',
        '  workload: { preset: redis }',
        '  link: { bandwidth: 1Gbit/s }',
        '  policy: { kind: precopy }',
        'axes:',
        '  workload.preset: [idle, kernel-compile, jvm-large]',
        '  vm.ram: [3GiB, 64GiB]',
      ].join('\n'),
    );
    const { grid } = loadSweep(file);
    const seen = new Map<string, number>();
    const digits: number[] = [];
    for (let g = 0; g < grid.scenarios; g++) {
      const { variant } = decodeScenario(grid, g, digits);
      const s = buildScenario(grid.variants[variant]!, digits);
      const cols = scenarioColumns(s);
      seen.set(`${cols.workloadPreset} ${s.vm.ram / GiB}`, cols.workingSetBytes as number);
      if (cols.workloadPreset === 'idle') assert.equal(s.workload.dirtyRate, MiB);
      if (cols.workloadPreset === 'jvm-large') assert.equal(s.workload.dirtyRate, 67_551 * 4096);
    }
    assert.equal(seen.get('idle 3'), 64 * MiB);
    assert.equal(seen.get('kernel-compile 3'), 1 * GiB, 'a third of 3 GiB');
    assert.equal(seen.get('kernel-compile 64'), Math.floor((64 * GiB) / 3 / 4096) * 4096);
    assert.equal(seen.get('jvm-large 64'), 2 * GiB, '1/32 of 64 GiB');
  });
});
