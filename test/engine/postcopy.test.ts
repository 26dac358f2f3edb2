import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import type { TimelinePoint } from '../../src/engine/types.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

const WIRE = 4104;

/** Faults by brute force: a writer doing w page writes/s over pages of which a share x(t) = x0 (1 - t/T) is still remote, blocked l seconds per fault. */
function faultsByStepping(w: number, x0: number, T: number, l: number, steps = 200_000): number {
  let faults = 0;
  const dt = T / steps;
  for (let i = 0; i < steps; i++) {
    const x = x0 * (1 - (i + 0.5) / steps);
    // in dt the writer makes n writes, each taking 1/w of work plus l of waiting with probability x
    faults += (dt / (1 / w + x * l)) * x;
  }
  return faults;
}

describe('post-copy (QEMU postcopy-ram)', () => {
  const scenario = (policy: Record<string, unknown>[], latency = 0.001) =>
    basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '512MiB/s', workingSet: '256MiB' }, bandwidth: 1.25e8, latency, policy: [{ kind: 'qemu' }, ...policy] });

  test('switching at once: downtime is the switch, the rest streams at the link rate, the guest faults on what it writes', () => {
    const r = simulate(scenario([{ kind: 'postcopy-after', passes: 0 }]));
    assert.equal(r.outcome, 'completed');
    assert.equal(r.stopReason, 'postcopy-after');
    // the last bitmap sync (9 us for 1 GiB), the package (no device state here), one-way latency
    assertClose(r.downtimeMs, 1.009, 1e-12, 'the sync and the package plus one-way latency');
    const T = (262144 * WIRE) / 1.25e8;
    assertClose(r.postcopyMs, T * 1000, 1e-12, 'all of RAM at 1 Gbit/s');
    assertClose(r.totalTimeMs, 1.009 + T * 1000, 1e-12, 'total');
    // the 256 MiB working set is entirely remote at the switch; each fault waits 2 ms + 4096 B at 1 Gbit/s
    const l = 0.002 + 4096 / 1.25e8;
    const expected = faultsByStepping((512 * MiB) / 4096, 1, T, l);
    assertClose(r.postcopyFaults, expected, 1e-6, 'faults');
    assertClose(r.postcopyBlockedMs, r.postcopyFaults * l * 1000, 1e-12, 'blocked time');
  });

  test('with no latency, half the writes of the phase fault (the remote share falls linearly from 1 to 0)', () => {
    const r = simulate(scenario([{ kind: 'postcopy-after', passes: 0 }], 0));
    const T = (262144 * WIRE) / 1.25e8;
    const l = 4096 / 1.25e8;
    assertClose(r.postcopyFaults, faultsByStepping((512 * MiB) / 4096, 1, T, l), 1e-6, 'faults');
  });

  test('max-postcopy-bandwidth paces the background stream', () => {
    const r = simulate(
      basic({
        ram: GiB,
        workload: { kind: 'uniform', dirtyRate: 0 },
        bandwidth: 1.25e9,
        policy: [
          { kind: 'qemu', maxPostcopyBandwidth: '100MiB/s' },
          { kind: 'postcopy-after', passes: 0 },
        ],
      }),
    );
    assertClose(r.postcopyMs, ((262144 * WIRE) / (100 * MiB)) * 1000, 1e-12, 'postcopy time');
    assert.equal(r.postcopyFaults, 0, 'an idle guest does not fault');
  });

  test('libvirt --postcopy-after-precopy (passes: 1) switches at the first iteration after the first pass (dirty-sync-count 2)', () => {
    const tl: TimelinePoint[] = [];
    const r = simulate(scenario([{ kind: 'postcopy-after', passes: 1 }]), { timeline: tl });
    const pc = tl.find((p) => p.event === 'postcopy') as TimelinePoint;
    assert.equal(pc.syncs, 3, "the sync of the first pass (2) and postcopy_start's own (3)");
    // what is pending at the switch (the last of the bulk and the rewritten working set) streams at 1 Gbit/s
    assertClose(r.postcopyMs, ((pc.pendingBytes * (WIRE / 4096)) / 1.25e8) * 1000, 1e-9, 'post-copy phase');
    assert.ok(pc.pendingBytes < 300 * MiB, 'most of RAM went before the switch');
  });

  test('post-copy cannot be cancelled: an abort timer during the post-copy phase does nothing', () => {
    const r = simulate(
      scenario([
        { kind: 'postcopy-after', passes: 0 },
        { kind: 'abort-after', timeout: '1s' },
      ]),
    );
    assert.equal(r.outcome, 'completed');
  });

  test('a guest paused before the switch stays paused: no faults, downtime to the end', () => {
    const r = simulate(
      scenario([
        { kind: 'pause-after-passes', passes: 0 },
        { kind: 'postcopy-after', passes: 0 },
      ]),
    );
    assert.equal(r.postcopyFaults, 0);
    assertClose(r.downtimeMs, r.totalTimeMs, 1e-12, 'downtime = whole migration');
  });
});
