/**
 * runs.csv of a sweep over guests with VFIO devices (docs/wire.md#device-state):
 * the optional metric deviceStopCopyBytes after the other metrics, the device
 * parameter columns, and the same bytes through every path that writes rows
 * (1 or 2 workers, shards merged).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { loadSweep } from '../../src/sweep/session.js';
import { migsweep, read, sweepFile, sweeper, SWEEPS, tempDir } from './helpers.js';

const SWEEP = `name: devices
seed: 5
replicates: 2
base:
  vm: { ram: 1GiB, devices: [ { name: gpu0, stopCopyBytes: 12500000 } ] }
  workload: { kind: uniform, dirtyRate: 0 }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu, maxBandwidth: 0, availSwitchoverBandwidth: 1Gbit/s, finalSyncPerGiB: 0 }
axes:
  vm.devices[0].stopCopyBytes: [12500000, 25000000]
variants:
  - name: gpu
  - name: ack
    set: { policy: { kind: qemu, maxBandwidth: 0, availSwitchoverBandwidth: 1Gbit/s, finalSyncPerGiB: 0, switchoverAck: true } }
`;

test('a sweep with devices: deviceStopCopyBytes follows the metrics, the device and switchover-ack columns hold every value, in the same bytes for 1 or 2 workers and for merged shards', async () => {
  const dir = tempDir();
  const file = sweepFile(dir, 'devices', SWEEP);
  const run = sweeper(file, dir);
  const one = await run({ workers: 1 });
  const two = await run({ workers: 2 });
  const csv = read(join(one.out, 'runs.csv'));
  assert.equal(read(join(two.out, 'runs.csv')), csv);
  const header = csv.slice(0, csv.indexOf('\n')).split(',');
  assert.equal(header[header.indexOf('postcopyBlockedMs') + 1], 'deviceStopCopyBytes');
  const rows = parse<Record<string, string>>(csv, { columns: true });
  assert.equal(rows.length, 8);
  for (const r of rows) {
    // nothing written, nothing left of the initial data: the device moves exactly its stop-copy bytes stopped
    assert.equal(r.deviceStopCopyBytes, r.device_gpu0_stopCopyBytes);
    // a variant without the capability shows its default once another sets it
    assert.equal(r.qemu_switchoverAck, r.variant === 'ack' ? 'true' : 'false');
  }
  // shards merged: the same runs.csv
  const s1 = join(dir, 's1');
  const s2 = join(dir, 's2');
  assert.equal(migsweep(['sweep', file, '--out', s1, '--shard', '0/2', '--quiet']).code, 0);
  assert.equal(migsweep(['sweep', file, '--out', s2, '--shard', '1/2', '--quiet']).code, 0);
  const merged = join(dir, 'merged');
  const m = migsweep(['merge', s1, s2, '--out', merged]);
  assert.equal(m.code, 0, m.err);
  assert.equal(read(join(merged, 'runs.csv')), csv);
});

test('sweeps/wire.yaml: 7 presets x 4 links x (one stream + 3 multifd x 4 channel CPUs + zstd + 2 XBZRLE caches + 3 GPU variants) = 532 tasks; a GPU whose 512 MiB of stop-copy data exceed bandwidth x 300 ms never switches over', () => {
  const { grid } = loadSweep(join(SWEEPS, 'wire.yaml'));
  assert.equal(grid.tasks, 532);
  const out = join(tempDir(), 'wire');
  const r = migsweep(['sweep', join(SWEEPS, 'wire.yaml'), '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.err);
  const rows = parse<Record<string, string>>(read(join(out, 'runs.csv')), { columns: true });
  for (const row of rows.filter((x) => x.variant === 'gpu')) {
    const linkBytesPerSec = Number(row.bandwidthBytesPerSec);
    // 1 Gbit/s: 37.5 MB, 10 Gbit/s: 375 MB of threshold < 536,870,912 bytes; 25 Gbit/s: 937.5 MB, 100 Gbit/s: 3.75 GB
    const fits = linkBytesPerSec * 0.3 >= 512 * 2 ** 20;
    assert.equal(row.outcome, fits ? 'completed' : 'unfinished', `${row.workloadPreset} at ${linkBytesPerSec} bytes/s`);
    if (fits) assert.ok(Number(row.deviceStopCopyBytes) >= 512 * 2 ** 20);
  }
  // 2 channels of 100 MB/s of CPU send at most 200 MB/s of pages, whatever the link: 16 GiB take >= 85.9 s
  for (const row of rows.filter((x) => x.variant === 'multifd-2' && x.qemu_multifdChannelRateBytesPerSec === '100000000'))
    assert.ok(Number(row.totalTimeMs) >= (16 * 2 ** 30 * 1000) / 2e8, `${row.workloadPreset}: ${row.totalTimeMs} ms`);
  // without dirty tracking every run ends by max-passes, with all 16 GiB of RAM in the downtime: >= 16 GiB / link
  for (const row of rows.filter((x) => x.variant === 'gpu-untracked')) {
    assert.equal(row.stopReason, 'max-passes');
    assert.ok(Number(row.downtimeMs) >= (16 * 2 ** 30 * 1000) / Number(row.bandwidthBytesPerSec));
  }
});
