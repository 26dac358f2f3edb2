/**
 * VFIO device state and switchover-ack in the qemu base (docs/wire.md#device-state).
 * Every figure is worked out by hand below: a guest that writes nothing, a
 * 1 Gbit/s link (125e6 bytes/s), no rate limit (maxBandwidth 0: each round
 * of the migration thread sends 50 ms of link, 6.25e6 bytes), a threshold
 * fixed by avail-switchover-bandwidth (1 Gbit/s x 300 ms = 37.5e6 bytes),
 * no final-sync time and no latency, so that time is bytes / 125e6.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulate } from '../../src/engine/simulate.js';
import { GiB, MiB, assertClose, scenario } from './scenario-builder.js';

const LINK = 125e6;
/** 1 GiB of 4 KiB pages at 4096 + 8 header bytes each */
const RAM_WIRE = (GiB / 4096) * 4104; // 1,075,838,976

function guest(devices: Record<string, unknown>[], policy: Record<string, unknown>[] = [], extra: Record<string, unknown> = {}) {
  return scenario({
    vm: { ram: GiB, devices },
    workload: { kind: 'uniform', dirtyRate: 0 },
    link: { bandwidth: LINK },
    policy: [{ kind: 'qemu', maxBandwidth: 0, availSwitchoverBandwidth: LINK, finalSyncPerGiB: 0, ...extra }, ...policy],
    horizon: 3600,
  });
}

describe('VFIO devices under the qemu base', () => {
  test('switchover-ack: no switch-over before the destination has loaded the initial data; downtime = stop-copy bytes / link', () => {
    const P = 10 * MiB;
    const S = 12.5e6;
    const r = simulate(guest([{ name: 'gpu0', precopyBytes: P, stopCopyBytes: S, loadTime: 30 }], [], { switchoverAck: true }));
    // waiting for the ack, each round sends 50 ms of RAM (6.25e6 bytes) and then one 1 MiB device buffer:
    // the 10 MiB of initial data are out after 10 rounds, 10 x (6.25e6 + 1 MiB) = 72,985,760 bytes = 0.58388608 s;
    // loaded 30 s later, acknowledged at once (no latency): switch-over at 30.58388608 s, RAM long sent,
    // and the stop-copy data takes 12.5e6 / 125e6 = 0.1 s
    assertClose(r.downtimeMs, 100, 1e-9, 'downtime');
    assertClose(r.totalTimeMs, 30_583.88608 + 100, 1e-9, 'total time');
    assert.equal(r.outcome, 'completed');
    assert.equal(r.deviceStopCopyBytes, S);
    // every byte crosses once: RAM, the initial data, the stop-copy data
    assertClose(r.transferredBytes, RAM_WIRE + P + S, 1e-12, 'transferred');
    assertClose(r.wireBytes, RAM_WIRE + P + S, 1e-12, 'wire bytes');
  });

  test('a paused guest needs no ack (migration_can_switchover): paused at 2 s, it switches over once RAM and stop-copy data fit', () => {
    const S = 12.5e6;
    const r = simulate(guest([{ name: 'gpu0', precopyBytes: 10 * MiB, stopCopyBytes: S, loadTime: 30 }], [{ kind: 'pause-after', timeout: 2 }], { switchoverAck: true }));
    // The first 10 rounds carry 6.25e6 bytes of RAM and a 1 MiB device buffer each (the initial data is out by
    // 0.58 s), later rounds 6.25e6 bytes of RAM. The exact count (RAM left + 12.5e6) fits 37.5e6 once RAM has
    // <= 25e6 bytes left: 25,788,607 after 168 rounds, 19,550,790 after 169, at 169 x 0.05 + 10 x 1,048,576 / 125e6
    // = 8.53388608 s. Stopped: 1,075,838,976 - 169 x 6.25e6 = 19,588,976 wire bytes of RAM and 12.5e6 of the device,
    // 0.256711808 s; the guest has been paused since 2 s.
    assertClose(r.totalTimeMs, 8_790.597888, 1e-9, 'total time');
    assertClose(r.downtimeMs, 6_790.597888, 1e-9, 'downtime: paused at 2 s, resumed on the destination');
    assert.equal(r.deviceStopCopyBytes, S);
  });

  test('without switchover-ack the same guest switches over once RAM, initial data and stop-copy data fit the threshold', () => {
    const P = 10 * MiB;
    const S = 12.5e6;
    const r = simulate(guest([{ name: 'gpu0', precopyBytes: P, stopCopyBytes: S, loadTime: 30 }]));
    // QEMU's exact count is RAM still marked + initial data + stop-copy data; it fits 37.5e6 once RAM has
    // <= 37.5e6 - 22,985,760 = 14,514,240 bytes left. After k rounds of 6.25e6 wire bytes (4104 per 4096-byte
    // page) RAM has 1 GiB - k x 6.25e6 x 4096 / 4104 left: 19,550,790 after 169 rounds, 13,312,974 after 170.
    // So at 170 x 50 ms = 8.5 s it stops with 13,338,976 wire bytes of RAM and the device's 22,985,760 bytes
    // (its initial data never got a turn: RAM's stage was not over), 0.290597888 s of downtime.
    assertClose(r.downtimeMs, 290.597888, 1e-9, 'downtime');
    assertClose(r.totalTimeMs, 8_790.597888, 1e-9, 'total time');
    assert.equal(r.deviceStopCopyBytes, P + S);
  });

  test('a device without dirty tracking keeps all guest RAM dirty: under qemu alone the migration never ends', () => {
    const r = simulate({ ...guest([{ name: 'nic0', stopCopyBytes: 1e6, dirtyTracking: false }]), horizon: 600 });
    assert.equal(r.outcome, 'unfinished');
    assert.ok(Number.isNaN(r.deviceStopCopyBytes));
    // it sends RAM over and over at the link's rate: 600 s x 125e6 = 75e9 bytes, ~69.7 passes of 1 GiB
    assertClose(r.transferredBytes, 600 * LINK, 0.01, 'bytes sent by the horizon');
    assert.ok(r.passes >= 69, `passes ${r.passes}`);
    // the same guest with tracking: one pass, done
    const tracked = simulate(guest([{ name: 'nic0', stopCopyBytes: 1e6 }]));
    assert.equal(tracked.outcome, 'completed');
    assert.equal(tracked.passes, 0);
  });

  test('forced switch-over without dirty tracking: downtime = (all RAM + stop-copy bytes) / link, in both fidelities', () => {
    const S = 1e8;
    const expectedMs = ((RAM_WIRE + S) / LINK) * 1000; // 9406.711808 ms
    for (const fidelity of ['fluid', 'page'] as const) {
      const r = simulate({ ...guest([{ name: 'nic0', stopCopyBytes: S, dirtyTracking: false }], [{ kind: 'max-passes', passes: 1 }]), fidelity });
      assert.equal(r.stopReason, 'max-passes');
      // the sync before the end of the pass marked every page again: all of RAM moves in the downtime
      assertClose(r.downtimeMs, expectedMs, 1e-9, `${fidelity} downtime`);
      assert.equal(r.deviceStopCopyBytes, S);
    }
  });

  test('initial data not sent by a forced switch-over moves in the downtime too', () => {
    const P = 5e7;
    const S = 1e8;
    // RAM's stage comes first (savevm.c): the device gets its turn in the round where RAM's pass ends, one 1 MiB
    // buffer, and then max-passes stops the guest with all RAM marked again (no dirty tracking) and the rest of the
    // device's initial data unsent: (1,075,838,976 + 5e7 - 1,048,576 + 1e8) / 125e6 = 9.7983232 s
    const r = simulate(guest([{ name: 'nic0', precopyBytes: P, stopCopyBytes: S, dirtyTracking: false }], [{ kind: 'max-passes', passes: 1 }]));
    assertClose(r.downtimeMs, ((RAM_WIRE + P - MiB + S) / LINK) * 1000, 1e-9, 'downtime');
    assert.equal(r.deviceStopCopyBytes, P - MiB + S);
  });

  test("stop-copy data above bandwidth x limit: QEMU's exact count never fits the threshold, so no switch-over", () => {
    // 37.5e6 bytes of threshold < 40e6 bytes the device must move stopped
    const r = simulate({ ...guest([{ name: 'gpu0', stopCopyBytes: 4e7 }]), horizon: 60 });
    assert.equal(r.outcome, 'unfinished');
    const fits = simulate(guest([{ name: 'gpu0', stopCopyBytes: 3.5e7 }]));
    assert.equal(fits.outcome, 'completed');
    assertClose(fits.transferredBytes, RAM_WIRE + 3.5e7, 1e-12, 'transferred');
  });
});
