import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { simulate } from '../../src/engine/index.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { parseTrace } from '../../src/scenario/trace-file.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

const TRACES = fileURLToPath(new URL('../../../test/fixtures/traces/', import.meta.url));

const withTrace = (file: string, pattern: string, policy: Record<string, unknown>[]) =>
  validateScenario({ vm: { ram: GiB }, workload: { kind: 'trace', file, pattern }, link: { bandwidth: 100 * MiB }, policy }, { file: '<test>', baseDir: TRACES });

describe('trace workload: a recorded dirty rate, phase by phase', () => {
  test('quiet for 5 s, then 50 MiB/s of linear writes: the closed form from the second phase on', () => {
    // Pass 0: 1 GiB at 100 MiB/s = 10.24 s, dirtied 50 MiB/s x 5.24 s = 262 MiB; then L = 0.5:
    // V_i = 262 x 0.5^(i-1) MiB until V <= 3 MiB (30 ms at 100 MiB/s): V_8 = 2.05 MiB.
    const r = simulate(withTrace('quiet-then-busy.csv', 'linear', [{ kind: 'precopy' }]));
    const v1 = 50 * 5.24; // MiB
    const v = Array.from({ length: 8 }, (_, i) => v1 * 0.5 ** i);
    assert.equal(r.passes, 8);
    assertClose(r.totalTimeMs, (10.24 + v.reduce((a, b) => a + b) / 100) * 1000, 1e-12, 'total');
    assertClose(r.downtimeMs, (v[7] / 100) * 1000, 1e-9, 'downtime');
  });

  test('a one-phase trace is the same migration as the constant workload', () => {
    const a = simulate(withTrace('qemu-pages.csv', 'uniform', [{ kind: 'qemu' }]));
    // 2560 pages/s x 4 KiB = 10 MiB/s, as QEMU's dirty-pages-rate reports it
    const b = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '10MiB/s' }, bandwidth: 100 * MiB, policy: [{ kind: 'qemu' }] }));
    assert.deepEqual(a, b);
  });

  test('the mean rate is what the columns show', () => {
    const s = withTrace('quiet-then-busy.csv', 'linear', [{ kind: 'precopy' }]);
    assert.equal(s.workload.dirtyRate, 0, 'the recorded span is the quiet first phase only');
  });

  test('a bad trace file: the trace line and the scenario place, exit code 2 material', () => {
    assert.throws(() => withTrace('backwards.csv', 'uniform', [{ kind: 'qemu' }]), /workload\.file: trace file .*backwards\.csv:4: times must increase, found 5s after 10 s/);
    assert.throws(() => withTrace('missing.csv', 'uniform', [{ kind: 'qemu' }]), /workload\.file: trace file .*missing\.csv: no such file/);
    const p = parseTrace('x.csv', 'time,rate\n0,1\n', 4096);
    assert.equal(p.ok, false);
    assert.match((p as { problem: string }).problem, /x\.csv:1: expected a header with a time column/);
  });
});
