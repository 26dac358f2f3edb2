import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseText } from '../../src/scenario/document.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { problems } from './problems.js';
import { migsweep, tempDir } from '../sweep/helpers.js';

const HEAD = `workload: { kind: uniform, dirtyRate: 100MiB/s }
link: { bandwidth: 10Gbit/s }
`;

describe('vm.devices: bad input names the file, line, path and what was expected', () => {
  test('a device gets its defaults in base units', () => {
    const doc = parseText('s.yaml', `vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyBytes: 512MiB, loadTime: 2s } ] }\n${HEAD}policy: { kind: qemu }\n`);
    const s = validateScenario(doc.data, { file: 's.yaml', doc });
    assert.deepEqual(s.vm.devices, [{ name: 'gpu0', precopyBytes: 0, stopCopyBytes: 512 * 2 ** 20, dirtyTracking: true, loadTime: 2 }]);
  });

  test('negative stop-copy bytes', () => {
    const m = problems(`vm:\n  ram: 4GiB\n  devices:\n    - { name: gpu0, stopCopyBytes: -1MiB }\n${HEAD}policy: { kind: qemu }\n`);
    assert.match(m, /^s\.yaml:4:\d+: vm\.devices\[0\]\.stopCopyBytes: expected a size >= 0, found '-1MiB'/);
  });

  test('a misspelt key gets the nearest name; a missing stop-copy size is asked for', () => {
    const m = problems(`vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyByte: 1GiB } ] }\n${HEAD}policy: { kind: qemu }\n`);
    assert.match(m, /vm\.devices\[0\]\.stopCopyByte: unknown key 'stopCopyByte'; did you mean 'stopCopyBytes'\?/);
    assert.match(m, /vm\.devices\[0\]\.stopCopyBytes: missing; expected a size/);
  });

  test('a name that could not name a column', () => {
    const m = problems(`vm: { ram: 4GiB, devices: [ { name: 'gpu 0', stopCopyBytes: 1GiB } ] }\n${HEAD}policy: { kind: qemu }\n`);
    assert.match(m, /vm\.devices\[0\]\.name: expected a name of letters, digits, '_', '\.' or '-'/);
  });

  test('two devices with one name', () => {
    const m = problems(`vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyBytes: 1GiB }, { name: gpu0, stopCopyBytes: 2GiB } ] }\n${HEAD}policy: { kind: qemu }\n`);
    assert.match(m, /s\.yaml:1:\d+: vm\.devices\[1\]\.name: duplicate device name 'gpu0' \(vm\.devices\[0\] has it\)/);
  });

  test('a base other than qemu refuses devices', () => {
    const m = problems(`vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyBytes: 1GiB } ] }\n${HEAD}policy: { kind: xen }\n`);
    assert.match(m, /vm\.devices: VFIO devices are modelled for the base qemu only .* found 'xen'/);
  });

  test('post-copy with a VFIO device is refused, as QEMU refuses it; a controller with post-copy off is fine', () => {
    const m = problems(`vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyBytes: 1GiB } ] }\n${HEAD}policy: [ { kind: qemu }, { kind: postcopy-after } ]\n`);
    assert.match(m, /policy\[1\]: 'postcopy-after' as set here turns post-copy on, which QEMU refuses for a guest with VFIO devices/);
    const k = problems(`vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyBytes: 1GiB } ] }\n${HEAD}policy: [ { kind: qemu }, { kind: kubevirt, allowPostCopy: true } ]\n`);
    assert.match(k, /policy\[1\]: 'kubevirt' as set here turns post-copy on/);
    const doc = parseText('s.yaml', `vm: { ram: 4GiB, devices: [ { name: gpu0, stopCopyBytes: 1GiB } ] }\n${HEAD}policy: [ { kind: qemu }, { kind: kubevirt } ]\n`);
    assert.equal(validateScenario(doc.data, { file: 's.yaml', doc }).policy[1]?.kind, 'kubevirt');
  });

  test('migsweep run: exit 2 on bad devices; a load time without switchover-ack is a warning on stderr, not an error', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `vm: { ram: 1GiB, devices: [ { name: gpu0, stopCopyBytes: -5 } ] }\n${HEAD}policy: { kind: qemu }\n`);
    const r = migsweep(['run', bad]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.yaml:1:\d+: vm\.devices\[0\]\.stopCopyBytes: expected a size >= 0, found -5/);
    const warned = join(dir, 'warned.yaml');
    writeFileSync(warned, `vm: { ram: 1GiB, devices: [ { name: gpu0, stopCopyBytes: 1MiB, loadTime: 1s } ] }\n${HEAD}policy: { kind: qemu }\n`);
    const w = migsweep(['run', warned, '--json']);
    assert.equal(w.code, 0, w.err);
    assert.match(w.err, /warning: .*warned\.yaml:1:\d+: vm\.devices\[0\]\.loadTime: has no effect without switchover-ack/);
    const json = JSON.parse(w.out) as Record<string, unknown>;
    // the record of a guest with devices carries the bytes its devices moved in the downtime, and their columns
    assert.equal(json.deviceStopCopyBytes, 2 ** 20);
    assert.equal(json.device_gpu0_stopCopyBytes, 2 ** 20);
    const quiet = migsweep(['run', warned, '--json', '--set', 'policy.switchoverAck=true']);
    assert.equal(quiet.err, '');
    assert.equal((JSON.parse(quiet.out) as Record<string, unknown>).qemu_switchoverAck, 'true');
  });
});
