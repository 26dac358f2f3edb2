import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { simulate } from '../../src/engine/index.js';
import { buildScenario } from '../../src/sweep/grid.js';
import { loadSweep } from '../../src/sweep/session.js';
import { SWEEPS } from './helpers.js';

/** The scenario of `variant` at the given value of each named axis (first value elsewhere). */
function scenarioAt(file: string, variant: string, at: Record<string, unknown>) {
  const { grid } = loadSweep(join(SWEEPS, file));
  const v = grid.variants.find((x) => x.name === variant);
  assert.ok(v, `variant ${variant}`);
  const digits = v.dims.map((d) => {
    const path = d.paths[0] as string;
    if (!(path in at)) return 0;
    const i = d.keys.findIndex((k) => JSON.parse(k[0] as string) === at[path]);
    assert.ok(i >= 0, `${path} = ${String(at[path])}`);
    return i;
  });
  return buildScenario(v, digits);
}

describe("the sweeps of today's controllers", () => {
  test('controllers.yaml: 8 presets x 3 links x 3 guest sizes x 9 controllers x 3 replicates = 1944 tasks', () => {
    const { grid } = loadSweep(join(SWEEPS, 'controllers.yaml'));
    assert.equal(grid.tasks, 8 * 3 * 3 * 9 * 3);
    assert.deepEqual(
      grid.variants.map((v) => v.name),
      ['qemu', 'libvirt-timeout', 'nova', 'kubevirt', 'kubevirt-ramp', 'kubevirt-stall', 'ovirt', 'proxmox', 'cloudstack'],
    );
  });

  test("guestperf's stress on a 4 GiB guest over 1 Gbit/s: QEMU alone never ends; KubeVirt aborts at 751.2 s (150 s x 5 GB: the first 400 ms poll with 751 whole seconds); oVirt aborts after its schedule; Proxmox never aborts and completes", () => {
    const at = { 'workload.preset': 'guestperf-stress', 'link.bandwidth': 125e6, 'vm.ram': 4 * 1024 ** 3 };
    assert.equal(simulate(scenarioAt('controllers.yaml', 'qemu', at)).outcome, 'unfinished');
    const kv = simulate(scenarioAt('controllers.yaml', 'kubevirt', at));
    assert.equal(kv.stopReason, 'kubevirt-completion-timeout');
    assert.ok(Math.abs(kv.totalTimeMs - 751_200) < 1e-6, `${kv.totalTimeMs}`);
    assert.equal(simulate(scenarioAt('controllers.yaml', 'ovirt', at)).stopReason, 'ovirt-abort');
    const px = simulate(scenarioAt('controllers.yaml', 'proxmox', at));
    assert.equal(px.outcome, 'completed');
  });

  test('kubevirt-vep291.yaml: 10 replicates of no ramp, the ramp at the VEP constants, and 27 ramp settings', () => {
    const { grid } = loadSweep(join(SWEEPS, 'kubevirt-vep291.yaml'));
    assert.equal(grid.tasks, 10 * (1 + 1 + 27));
    const s = scenarioAt('kubevirt-vep291.yaml', 'ramp', {});
    assert.equal(s.vm.ram, 8 * 1024 ** 3);
    assert.equal(s.workload.dirtyRate, 650e6 / 8, '650 Mbit/s');
    assert.equal(s.policy[1]?.maxDowntime, 1.05, "the VEP benchmark's ceiling");
  });
});
