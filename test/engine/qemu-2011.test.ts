import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';

/** QEMU 0.15 constants, from docs/policies.md#qemu-2011 (QEMU v0.15.0 arch_init.c, buffered_file.c, migration.c). */
const TICK_S = 0.1;
const MAX_THROTTLE = 32 * MiB; // B/s
const HEADER = 8;
const PAGE = 4096;
const BUFFER_RATE = 2.5e9; // the default `buffer` estimator

describe('qemu-2011: QEMU 0.15 ram_save_live every 100 ms tick', () => {
  test('an idle 1 GiB guest: 300 ticks of 3.36 MB, stop when remaining / buffer bandwidth <= 30 ms', () => {
    // Each tick the limiter lets 32 MiB/s x 0.1 s = 3355443.2 socket bytes through; a page costs
    // 4096 + 8 header bytes, so 817.6 pages a tick. Stage 1 sends at t = 0, stage 2 at t = 0.1 k.
    // Stop when remaining x 4096 / 2.5e9 <= 0.03, i.e. remaining <= 18310.5 pages:
    // 262144 - 817.6 (k + 1) <= 18310.5  =>  k + 1 >= 298.2  =>  k = 298, t = 29.8 s.
    const r = simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 125e6, policy: [{ kind: 'qemu-2011' }] }));
    const perTick = (MAX_THROTTLE * TICK_S) / (PAGE + HEADER);
    const pages = GiB / PAGE;
    const k = Math.ceil((pages - (0.03 * BUFFER_RATE) / PAGE) / perTick) - 1;
    assert.equal(k, 298);
    const remaining = pages - perTick * (k + 1);
    assertClose(r.expectedDowntimeMs, ((remaining * PAGE) / BUFFER_RATE) * 1000, 1e-9, 'expected downtime');
    // the guest stops right after the 298th tick's burst, which is still in the socket: it drains first
    const downtimeS = (MAX_THROTTLE * TICK_S + remaining * (PAGE + HEADER)) / 125e6;
    assertClose(r.downtimeMs, downtimeS * 1000, 1e-9, 'real downtime');
    assertClose(r.totalTimeMs, (k * TICK_S + downtimeS) * 1000, 1e-12, 'total time');
    assert.equal(r.stopReason, 'downtime-met');
    assert.equal(r.syncs, 1 + k + 1, 'stage 1, every stage-2 tick, and stage 3 sync');
    assertClose(r.transferredBytes, GiB, 1e-12, 'every page once');
    assert.equal(r.passes, 0, 'the final stage is not a pass');
    // the thread's complaint: ~20x the 30 ms promise (here 607 ms / 29 ms)
    assert.ok(r.downtimeMs / r.expectedDowntimeMs > 19 && r.downtimeMs / r.expectedDowntimeMs < 22);
  });

  test('duplicate (zero) pages cost 9 bytes on the wire and count as 1 byte transferred', () => {
    const r = simulate(basic({ ram: GiB, zeroShare: 0.75, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 125e6, policy: [{ kind: 'qemu-2011' }] }));
    const pages = GiB / PAGE;
    assertClose(r.transferredBytes, pages * 0.25 * PAGE + pages * 0.75 * 1, 1e-12, 'accounted');
    assertClose(r.wireBytes, pages * 0.25 * (PAGE + HEADER) + pages * 0.75 * (1 + HEADER), 1e-12, 'on the wire');
  });

  test('a link slower than the limit paces the ticks; the wire estimator then promises the truth', () => {
    // 100 Mbit/s = 12.5 MB/s < 32 MiB/s. With `wire` the estimate is the tick's bytes / 0.1 s = the link,
    // so the real downtime is (remaining + the queued burst) / link: one tick more than promised at most.
    const r = simulate(basic({ ram: 256 * MiB, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 12.5e6, policy: [{ kind: 'qemu-2011' }], estimator: { kind: 'wire' } }));
    const perTick = (12.5e6 * TICK_S) / (PAGE + HEADER);
    const pages = (256 * MiB) / PAGE;
    // stop when remaining x 4096 / 12.5e6 <= 0.03: remaining <= 91.55 pages
    const k = Math.ceil((pages - (0.03 * 12.5e6) / PAGE) / perTick) - 1;
    const remaining = pages - perTick * (k + 1);
    assertClose(r.totalTimeMs, (k * TICK_S + (12.5e6 * TICK_S + remaining * (PAGE + HEADER)) / 12.5e6) * 1000, 1e-12, 'total time');
    assert.ok(r.downtimeMs < 0.03 * 1000 + 100 + 1, `downtime ${r.downtimeMs} ms: the limit plus the queued tick`);
  });

  test('Treutner max-passes: a guest rewriting all RAM wraps once after 321 bursts and is forced over at t = 32.0 s', () => {
    // 1 GiB/s of random writes over all 1 GiB: every page ahead of the cursor stays marked, so each burst
    // moves the cursor by 817.6 pages: 262144 / 817.6 = 320.6, the 321st burst (tick 320) wraps.
    const r = simulate(
      basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '1GiB/s' }, bandwidth: 125e6, policy: [{ kind: 'qemu-2011' }, { kind: 'max-passes', passes: 1 }] }),
    );
    assert.equal(r.stopReason, 'max-passes');
    assert.equal(r.passes, 1);
    assertClose(r.totalTimeMs - r.downtimeMs, 32000, 1e-9, 'the guest stops at tick 320');
  });

  test('Treutner transfer-factor counts bytes as 0.15 does (1 byte per duplicate page)', () => {
    // 4 GiB, 90% zero pages, the 10% data rewritten at random at 1 GiB/s, so the limiter's budget is
    // always used: (k + 1) x 3355443.2 socket bytes by tick k. The 943718.4 zero pages cost 9 socket bytes
    // and count 1 byte each; data pages cost 4104 and count 4096. Accounted bytes by tick k:
    //   ((k + 1) x 3355443.2 - 9 Z) x 4096 / 4104 + Z  > 0.5 x 4 GiB  =>  k + 1 > 643.5  =>  k = 643.
    const r = simulate(
      basic({
        ram: 4 * GiB,
        zeroShare: 0.9,
        workload: { kind: 'uniform', dirtyRate: '1GiB/s' },
        bandwidth: 125e6,
        policy: [{ kind: 'qemu-2011' }, { kind: 'transfer-factor', factor: 0.5 }],
      }),
    );
    assert.equal(r.stopReason, 'transfer-factor');
    const zeroPages = (0.9 * 4 * GiB) / PAGE;
    const budget = MAX_THROTTLE * TICK_S;
    const accounted = (k: number) => (((k + 1) * budget - 9 * zeroPages) * PAGE) / (PAGE + HEADER) + zeroPages;
    let k = 1;
    while (accounted(k) <= 2 * GiB) k++;
    assert.equal(k, 643);
    assertClose(r.totalTimeMs - r.downtimeMs, k * 100, 1e-12, 'forced over at tick 643');
  });

  test('the buffer estimator ignores the link: the promise is the same at 100 Mbit/s and 10 Gbit/s, reality is not', () => {
    const mk = (bw: number) =>
      simulate(basic({ ram: GiB, workload: { kind: 'uniform', dirtyRate: '4MiB/s', workingSet: '256MiB' }, bandwidth: bw, policy: [{ kind: 'qemu-2011' }] }));
    const slow = mk(12.5e6);
    const fast = mk(1.25e9);
    assert.ok(slow.expectedDowntimeMs <= 30 && fast.expectedDowntimeMs <= 30);
    // at 10 Gbit/s the final copy (<= 75 MB + a 3.4 MB burst) takes < 63 ms; at 100 Mbit/s > 1.5 s
    assert.ok(fast.downtimeMs < 70, `fast ${fast.downtimeMs}`);
    assert.ok(slow.downtimeMs > 1500, `slow ${slow.downtimeMs}`);
  });
});
