import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { simulate } from '../../src/engine/index.js';
import { buildScenario } from '../../src/sweep/grid.js';
import { loadSweep } from '../../src/sweep/session.js';
import { SWEEPS } from './helpers.js';

/** The scenario of `variant` whose first value of each dimension is `pick(values)`. */
function scenarioOf(file: string, variant: string, pick: (dim: number, values: unknown[]) => number) {
  const { grid } = loadSweep(join(SWEEPS, file));
  const v = grid.variants.find((x) => x.name === variant);
  assert.ok(v, `variant ${variant}`);
  const digits = v.dims.map((d, i) =>
    pick(
      i,
      d.values.map((x) => x[0]),
    ),
  );
  return buildScenario(v, digits);
}

describe("the sweeps of today's policies", () => {
  test("guestperf.yaml: comparison.py's comparisons, 2 stress rates x (1 + 3 + 3 + 5 + 3 + 5) = 40 tasks", () => {
    const { grid } = loadSweep(join(SWEEPS, 'guestperf.yaml'));
    assert.deepEqual(
      grid.variants.map((v) => v.name),
      ['no-strategy', 'pause-iters', 'post-copy-iters', 'post-copy-bandwidth', 'auto-converge-iters', 'auto-converge-bandwidth'],
    );
    assert.equal(grid.tasks, 40);
    // guestperf's defaults on every variant: 500 ms, cancel after 30 iterations or 300 s
    for (const v of grid.variants) {
      const s = buildScenario(
        v,
        v.dims.map(() => 0),
      );
      assert.equal(s.policy[0]!.downtimeLimit, 0.5);
      assert.deepEqual(s.policy.at(-1), { kind: 'abort-after', passes: 30, timeout: 300 });
    }
  });

  test('guestperf post-copy-iters 0: the switch is at once, so the downtime is the switch alone (the last bitmap sync, 9 us x RAM in GiB, and 0.1 ms of latency)', () => {
    const s = scenarioOf('guestperf.yaml', 'post-copy-iters', () => 0);
    const r = simulate(s);
    assert.equal(r.stopReason, 'postcopy-after');
    const syncMs = 0.009 * (s.vm.ram / 1024 ** 3);
    assert.ok(Math.abs(r.downtimeMs - (syncMs + 0.1)) < 1e-9, `${r.downtimeMs}`);
  });

  test('nova-vs-liguori.yaml: 8 rates x 2 links x 5 variants; at 2 GiB/s on 1 Gbit/s only the policies that force an end complete', () => {
    const { grid } = loadSweep(join(SWEEPS, 'nova-vs-liguori.yaml'));
    assert.equal(grid.tasks, 80);
    const last = (dim: number, values: unknown[]) => (dim === 0 ? values.length - 1 : 0);
    const outcome = (variant: string) => simulate(scenarioOf('nova-vs-liguori.yaml', variant, last));
    assert.equal(outcome('qemu-fixed').outcome, 'unfinished');
    // Nova: 4 GiB guest -> data_gb 4 -> completion timeout 3200 s, then abort (first poll after it)
    const nova = outcome('nova');
    assert.equal(nova.outcome, 'aborted');
    assert.equal(nova.totalTimeMs, 3_200_500);
    assert.equal(outcome('nova-force').stopReason, 'completion-timeout-pause');
  });

  test('modern.yaml: 11 rates x 3 links x 9 variants x 3 jittered replicates; the 2011 base never converges where post-copy always completes', () => {
    const { grid } = loadSweep(join(SWEEPS, 'modern.yaml'));
    assert.equal(grid.tasks, 891);
    const hardest = (dim: number, values: unknown[]) => (dim === 0 ? values.length - 1 : 0); // 4 GiB/s on 1 Gbit/s
    assert.equal(simulate(scenarioOf('modern.yaml', 'qemu-2011', hardest)).outcome, 'unfinished');
    assert.equal(simulate(scenarioOf('modern.yaml', 'postcopy', hardest)).outcome, 'completed');
  });
});
