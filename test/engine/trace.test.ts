import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { simulate } from '../../src/engine/index.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { parseTrace } from '../../src/scenario/trace-file.js';
import { scenarioColumns } from '../../src/scenario/flatten.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

const TRACES = fileURLToPath(new URL('../../../test/fixtures/traces/', import.meta.url));

const withTrace = (file: string, pattern: string, policy: Record<string, unknown>[], horizon?: string) =>
  validateScenario(
    { vm: { ram: GiB }, workload: { kind: 'trace', file, pattern }, link: { bandwidth: 100 * MiB }, policy, ...(horizon === undefined ? {} : { horizon }) },
    { file: '<test>', baseDir: TRACES },
  );
const EXAMPLES = fileURLToPath(new URL('../../../sweeps/examples/', import.meta.url));

describe('trace workload: a recorded dirty rate, phase by phase', () => {
  test('quiet for 5 s, then 50 MiB/s of linear writes: the closed form from the second phase on', () => {
    // Pass 0: 1 GiB at 100 MiB/s = 10.24 s, dirtied 50 MiB/s x 5.24 s = 262 MiB; then L = 0.5:
    // V_i = 262 x 0.5^(i-1) MiB until V <= 3 MiB (30 ms at 100 MiB/s): V_8 = 2.05 MiB.
    const r = simulate(withTrace('quiet-then-busy.csv', 'linear', [{ kind: 'precopy' }]));
    const v1 = 50 * 5.24; // MiB
    const v = Array.from({ length: 8 }, (_, i) => v1 * 0.5 ** i);
    assert.equal(r.passes, 8);
    assertClose(r.totalTimeMs, (10.24 + v.reduce((a, b) => a + b) / 100) * 1000, 1e-12, 'total');
    assertClose(r.downtimeMs, (v[7]! / 100) * 1000, 1e-9, 'downtime');
  });

  test('a one-phase trace is the same migration as the constant workload', () => {
    const a = simulate(withTrace('qemu-pages.csv', 'uniform', [{ kind: 'qemu' }]));
    // 2560 pages/s x 4 KiB = 10 MiB/s, as QEMU's dirty-pages-rate reports it
    const b = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '10MiB/s' }, bandwidth: 100 * MiB, policy: [{ kind: 'qemu' }] }));
    assert.deepEqual(a, b);
  });

  test('the columns show the mean rate over the horizon, the last phase holding to it', () => {
    // quiet for 5 s, then 50 MiB/s until the default horizon of 1 h: 50 MiB/s x 3595 s / 3600 s
    const s = withTrace('quiet-then-busy.csv', 'linear', [{ kind: 'precopy' }]);
    assert.equal(s.horizon, 3600);
    assertClose(s.workload.dirtyRate, (50 * MiB * 3595) / 3600, 1e-15, 'dirtyRate');
    assertClose(scenarioColumns(s).dirtyRateBytesPerSec as number, (50 * MiB * 3595) / 3600, 1e-15, 'column');
    // over a 10 s horizon: 5 s quiet, 5 s at 50 MiB/s
    assertClose(withTrace('quiet-then-busy.csv', 'linear', [{ kind: 'precopy' }], '10s').workload.dirtyRate, 25 * MiB, 1e-15, '10 s');
    // a one-phase trace is its rate, whatever the horizon (2560 pages/s x 4 KiB)
    assert.equal(withTrace('qemu-pages.csv', 'uniform', [{ kind: 'qemu' }]).workload.dirtyRate, 10 * MiB);
  });

  test("the example sweep's bursty trace: 10 MiB/s for 30 s, 600 MiB/s for 60 s, then 40 MiB/s", () => {
    const bursty = (horizon: string) =>
      validateScenario(
        { vm: { ram: 8 * GiB }, workload: { kind: 'trace', file: 'bursty.trace.csv', pattern: 'uniform' }, link: { bandwidth: 100 * MiB }, policy: { kind: 'qemu' }, horizon },
        { file: '<test>', baseDir: EXAMPLES },
      ).workload.dirtyRate;
    // 1 h: (10 x 30 + 600 x 60 + 40 x 3510) / 3600 = 176700 / 3600 MiB/s
    assertClose(bursty('1h'), (176700 / 3600) * MiB, 1e-15, '1 h');
    // 60 s: the 90 s phase never plays; (10 x 30 + 600 x 30) / 60 = 305 MiB/s
    assertClose(bursty('60s'), 305 * MiB, 1e-15, '60 s');
    // 20 s: the first phase only
    assertClose(bursty('20s'), 10 * MiB, 1e-15, '20 s');
  });

  test('a bad trace file: the trace line and the scenario place, exit code 2 material', () => {
    assert.throws(() => withTrace('backwards.csv', 'uniform', [{ kind: 'qemu' }]), /workload\.file: trace file .*backwards\.csv:4: times must increase, found 5s after 10 s/);
    assert.throws(() => withTrace('missing.csv', 'uniform', [{ kind: 'qemu' }]), /workload\.file: trace file .*missing\.csv: no such file/);
    const p = parseTrace('x.csv', 'time,rate\n0,1\n', 4096);
    assert.equal(p.ok, false);
    assert.match((p as { problem: string }).problem, /x\.csv:1: expected a header with a time column/);
  });
});
