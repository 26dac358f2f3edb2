import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../../src/scenario/validate.js';
import { settingLines } from '../../src/tune/settings.js';

const base = (policy: unknown[]) =>
  validateScenario({ vm: { ram: '4GiB' }, workload: { kind: 'uniform', dirtyRate: '100MiB/s' }, link: { bandwidth: '10Gbit/s' }, policy }, { file: 'test' });

test('QEMU and libvirt: one migrate-set-parameters line with every QEMU parameter, a virsh command each; times in ms', () => {
  const s = base([{ kind: 'qemu' }, { kind: 'auto-converge' }]);
  assert.deepEqual(
    settingLines(s, [
      { path: 'policy[0].downtimeLimit', segments: ['policy', 0, 'downtimeLimit'], value: 0.42 },
      { path: 'policy[1].initial', segments: ['policy', 1, 'initial'], value: 30 },
      { path: 'policy[1].increment', segments: ['policy', 1, 'increment'], value: 15 },
    ]),
    ['QEMU (QMP/HMP): migrate-set-parameters downtime-limit=420 cpu-throttle-initial=30 cpu-throttle-increment=15', 'libvirt: virsh migrate-setmaxdowntime <domain> 420'],
  );
});

test("nova.conf lines in nova's units (downtime in ms, delay and timeout in seconds per GiB); a rounded value is said", () => {
  const s = base([{ kind: 'qemu' }, { kind: 'nova' }]);
  assert.deepEqual(
    settingLines(s, [
      { path: 'policy[1].downtime', segments: ['policy', 1, 'downtime'], value: 0.5 },
      { path: 'policy[1].downtimeDelay', segments: ['policy', 1, 'downtimeDelay'], value: 40.4 },
      { path: 'vm.vcpus', segments: ['vm', 'vcpus'], value: 4 },
    ]),
    [
      'nova.conf [libvirt]: live_migration_downtime = 500',
      'nova.conf [libvirt]: live_migration_downtime_delay = 40',
      "(rounded to the settings' units: live_migration_downtime_delay 40.4 -> 40; the statistics are for the values before rounding)",
      'migsweep: vm.vcpus = 4',
    ],
  );
});

test("KubeVirt: the ramp's and the monitor's fields in one migrations mapping", () => {
  const s = base([{ kind: 'qemu' }, { kind: 'kubevirt-downtime-ramp' }, { kind: 'kubevirt' }]);
  assert.deepEqual(
    settingLines(s, [
      { path: 'policy[1].initial', segments: ['policy', 1, 'initial'], value: 0.2 },
      { path: 'policy[1].steps', segments: ['policy', 1, 'steps'], value: 5 },
      { path: 'policy[2].completionTimeoutPerGiB', segments: ['policy', 2, 'completionTimeoutPerGiB'], value: 120 },
    ]),
    ['KubeVirt CR spec.configuration.migrations: { downtimeTuning: { initialMs: 200, steps: 5 }, completionTimeoutPerGiB: 120 }'],
  );
});
