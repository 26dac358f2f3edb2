import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calibrationScenario,
  compressibilityOf,
  deltaBytesOf,
  guestRatePagesPerSec,
  linkPerRun,
  liveRateBytesPerSec,
  samplePage,
  stopCopyBytesPerSec,
  wireInputs,
  qemuMultifdInputs,
} from '../../src/calibrate/scenario.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { measuredRun, MIB, RAM_TOTAL_BYTES } from './measured-run.js';

const FLUID = { linkBytesPerSec: 4e8, fidelity: 'fluid', seed: 1 } as const;

describe('the scenario of a measured run', () => {
  test('vm: RAM is QEMU ram.total, zero share is ram.duplicate pages x 4 KiB over it', () => {
    const s = calibrationScenario(measuredRun({ duplicatePages: 336 }), FLUID);
    assert.equal(s.vm.ram, RAM_TOTAL_BYTES);
    assert.equal(s.vm.pageSize, 4096);
    // 336 x 4096 = 1376256 B of 268967936 B
    assert.equal(s.vm.zeroShare, 1376256 / 268967936);
    // a guest that never wrote RAM: 65551 of its 65666 pages were zero
    assert.equal(calibrationScenario(measuredRun({ duplicatePages: 65551 }), FLUID).vm.zeroShare, (65551 * 4096) / 268967936);
  });

  test('workload: the cyclic writer over the working set at the rate the guest achieved during the migration', () => {
    const s = calibrationScenario(measuredRun({ wsMiB: 32, guestRateBeforePagesPerSec: 5942, guestRateDuringPagesPerSec: 6115 }), FLUID);
    assert.deepEqual(s.workload, { kind: 'cyclic', workingSet: 32 * MIB, dirtyRate: 6115 * 4096, layout: 'contiguous' });
  });

  test('with auto-converge the rate is the one before the migration: the model applies the throttle itself', () => {
    const run = measuredRun({ autoConverge: true, guestRateBeforePagesPerSec: 15516, guestRateDuringPagesPerSec: 12206 });
    assert.equal(guestRatePagesPerSec(run), 15516);
    assert.equal(calibrationScenario(run, FLUID).workload.dirtyRate, 15516 * 4096);
  });

  test('a missing rate falls back to the other one, then to the configured target', () => {
    assert.equal(guestRatePagesPerSec(measuredRun({ guestRateDuringPagesPerSec: null, guestRateBeforePagesPerSec: 2000 })), 2000);
    assert.equal(guestRatePagesPerSec(measuredRun({ guestRateDuringPagesPerSec: null, guestRateBeforePagesPerSec: null, ratePagesPerSec: 2048 })), 2048);
  });

  test('an idle guest (working set 0 or rate 0) is uniform at rate 0', () => {
    for (const idle of [
      { wsMiB: 0, ratePagesPerSec: 0 },
      { wsMiB: 4, ratePagesPerSec: 0 },
      { wsMiB: 0, ratePagesPerSec: 2048 },
    ]) {
      assert.deepEqual(calibrationScenario(measuredRun(idle), FLUID).workload, { kind: 'uniform', dirtyRate: 0 });
    }
  });

  test('link: the machine constant given; policy: qemu at the live rate QEMU measured, with the run downtime-limit; horizon: the time bound', () => {
    // mean mbps 1000 (10^6 bit/s) = 125,000,000 B/s, below the 128 MiB/s asked for
    const s = calibrationScenario(measuredRun({ maxBandwidthBytesPerSec: 128 * MIB, meanMbps: 1000, downtimeLimitMs: 300, timeBoundS: 60 }), FLUID);
    assert.deepEqual(s.link, { bandwidth: 4e8 });
    assert.deepEqual(s.policy, [{ kind: 'qemu', maxBandwidth: 125e6, downtimeLimit: 0.3 }]);
    assert.equal(s.horizon, 60);
    assert.equal(s.fidelity, 'fluid');
  });

  test('a run too short for an mbps sample is sent at max-bandwidth', () => {
    assert.equal(liveRateBytesPerSec(measuredRun({ maxBandwidthBytesPerSec: 128 * MIB, meanMbps: null })), 128 * MIB);
  });

  test('auto-converge adds the rule with QEMU 7.2 behaviour: no forced 5 s sync', () => {
    const s = calibrationScenario(measuredRun({ autoConverge: true }), FLUID);
    assert.deepEqual(s.policy[1], { kind: 'auto-converge', periodicSync: false });
  });

  test('the working set is one block, as the guest has it, in either fidelity; page fidelity takes the seed', () => {
    const s = calibrationScenario(measuredRun(), { linkBytesPerSec: 4e8, fidelity: 'page', seed: 3 });
    assert.equal(s.workload.layout, 'contiguous');
    assert.equal(s.fidelity, 'page');
    assert.equal(s.seed, 3);
    assert.equal(calibrationScenario(measuredRun(), FLUID).workload.layout, 'contiguous');
  });

  test('every scenario passes the validation a user scenario file gets', () => {
    for (const over of [{}, { autoConverge: true }, { wsMiB: 0, ratePagesPerSec: 0 }]) {
      for (const model of [FLUID, { linkBytesPerSec: 4e8, fidelity: 'page', seed: 2 } as const]) {
        const v = validateScenario(calibrationScenario(measuredRun(over), model), { file: '<test>' });
        assert.equal(v.vm.ram, RAM_TOTAL_BYTES);
      }
    }
  });
});

describe('the scenario out of sample: only what is known before the run migrates', () => {
  const AHEAD = { ...FLUID, inputs: 'ahead' } as const;
  // what medium-bw32 measured during its migration, none of which may reach the scenario
  const run = measuredRun({ meanMbps: 250, guestRateBeforePagesPerSec: 5942, guestRateDuringPagesPerSec: 6115, duplicatePages: 336 });

  test('the guest writes at its configured rate, QEMU sends at its configured max-bandwidth', () => {
    const s = calibrationScenario(run, AHEAD);
    assert.deepEqual(s.workload, { kind: 'cyclic', workingSet: 32 * MIB, dirtyRate: 6144 * 4096, layout: 'contiguous' });
    assert.deepEqual(s.policy, [{ kind: 'qemu', maxBandwidth: 32 * MIB, downtimeLimit: 0.3 }]);
    assert.equal(guestRatePagesPerSec(measuredRun({ autoConverge: true, guestRateBeforePagesPerSec: 15516, ratePagesPerSec: 16384 }), 'ahead'), 16384);
    assert.equal(liveRateBytesPerSec(measuredRun({ maxBandwidthBytesPerSec: 128 * MIB, meanMbps: 1000 }), 'ahead'), 128 * MIB);
  });

  test('a feature-grid guest writes at the rate it reported before migrate (it is migrated at whatever rate the loaded host lets it hold)', () => {
    const xbzrle = measuredRun({ xbzrleCacheBytes: 8 * MIB, ratePagesPerSec: 1024, guestRateBeforePagesPerSec: 431, guestRateDuringPagesPerSec: 250 });
    assert.equal(guestRatePagesPerSec(xbzrle, 'ahead'), 431);
    assert.equal(guestRatePagesPerSec({ ...xbzrle, multifdChannels: 2, xbzrleCacheBytes: 0 }, 'ahead'), 431);
    // no report before migrate: the configured rate
    assert.equal(guestRatePagesPerSec({ ...xbzrle, guestRateBeforePagesPerSec: null }, 'ahead'), 1024);
    // a single-stream baseline of the feature grid (controlled contents) too
    assert.equal(guestRatePagesPerSec({ ...xbzrle, xbzrleCacheBytes: 0, pageContent: 'delta' }, 'ahead'), 431);
    // the default grid's runs keep their configured rate
    assert.equal(guestRatePagesPerSec({ ...xbzrle, xbzrleCacheBytes: 0 }, 'ahead'), 1024);
  });

  test('zero pages are the RAM the guest did not fill before migrate, not what QEMU found', () => {
    // 268967936 - 267235328 = 1732608 B (423 pages) never filled
    assert.equal(calibrationScenario(run, AHEAD).vm.zeroShare, 1732608 / 268967936);
    // a guest that filled nothing: all of it (QEMU still found 115 pages written by firmware and kernel)
    assert.equal(calibrationScenario(measuredRun({ fill: false, wsMiB: 0, ratePagesPerSec: 0, guestFillBytes: 0, duplicatePages: 65551 }), AHEAD).vm.zeroShare, 1);
    // a measured.csv without the guest's report falls back to QEMU's count
    assert.equal(calibrationScenario(measuredRun({ guestFillBytes: null }), AHEAD).vm.zeroShare, (336 * 4096) / 268967936);
  });

  test("each run's link is the median of the other runs (leave one out); in sample every run gets the median of all", () => {
    const runs = [
      measuredRun({ name: 'a', downtimeBytes: 10e6, downtimeMs: 20 }), // 500 MB/s
      measuredRun({ name: 'b', downtimeBytes: 30e6, downtimeMs: 100 }), // 300 MB/s
      measuredRun({ name: 'c', downtimeBytes: 12e6, downtimeMs: 10 }), // 1.2 GB/s
      measuredRun({ name: 'd', outcome: 'not-converged', downtimeBytes: 0, downtimeMs: null }),
    ];
    // a: (300 + 1200) / 2; b: (500 + 1200) / 2; c: (500 + 300) / 2; d sent nothing while stopped: all three
    assert.deepEqual(linkPerRun(runs, 'ahead'), [7.5e8, 8.5e8, 4e8, 5e8]);
    assert.deepEqual(linkPerRun(runs, 'measured'), [5e8, 5e8, 5e8, 5e8]);
    // one qualifying run: nothing is left to predict it with
    assert.deepEqual(linkPerRun(runs.slice(0, 1), 'ahead'), [undefined]);
  });
});

describe('the stop-and-copy speed of the machine', () => {
  test('is the median over completed runs of downtime-bytes / downtime', () => {
    const runs = [
      measuredRun({ downtimeBytes: 10e6, downtimeMs: 20 }), // 500 MB/s
      measuredRun({ downtimeBytes: 30e6, downtimeMs: 100 }), // 300 MB/s
      measuredRun({ downtimeBytes: 12e6, downtimeMs: 10 }), // 1.2 GB/s
    ];
    assert.equal(stopCopyBytesPerSec(runs), 5e8);
    // an even count: the mean of the middle two, (300 + 500) / 2 MB/s
    assert.equal(stopCopyBytesPerSec(runs.slice(0, 2)), 4e8);
  });

  test('leaves out runs that did not complete or sent nothing while stopped', () => {
    const runs = [
      measuredRun({ downtimeBytes: 10e6, downtimeMs: 20 }),
      measuredRun({ outcome: 'not-converged', downtimeBytes: 0, downtimeMs: null }),
      measuredRun({ downtimeBytes: 0, downtimeMs: 1 }), // a never-written guest
      measuredRun({ outcome: 'failed', downtimeBytes: 5e6, downtimeMs: 1 }),
    ];
    assert.equal(stopCopyBytesPerSec(runs), 5e8);
    assert.equal(stopCopyBytesPerSec(runs.slice(1, 3)), undefined);
  });
});

describe('the wire features of a feature-grid run, as the engine takes them', () => {
  // the qemu base's wire parameters, as the engine names them (the engine may not have them all yet)
  const WIRE = new Set(['multifdChannels', 'multifdCompression', 'xbzrleCacheSize']);

  test("multifd channels and compression go to the qemu base, with the compressibility of the guest's page", () => {
    const zstd = measuredRun({ multifdChannels: 2, multifdCompression: 'zstd', pageContent: 'delta', deltaBytes: 16 });
    assert.deepEqual(wireInputs(zstd, WIRE), { policy: { multifdChannels: 2, multifdCompression: 'zstd' }, workload: { compressibility: compressibilityOf(zstd) } });
    // without compression only the channels
    assert.deepEqual(wireInputs(measuredRun({ multifdChannels: 4 }), WIRE), { policy: { multifdChannels: 4 }, workload: {} });
    // the default grid's runs: nothing
    assert.deepEqual(wireInputs(measuredRun(), WIRE), { policy: {}, workload: {} });
  });

  test("with multifd, what the run's QEMU counts (7.2: raw, zero pages on the main stream), read from its version line", () => {
    assert.deepEqual(qemuMultifdInputs('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'), { multifdAccounting: 'raw', zeroPageDetection: 'legacy' });
    assert.deepEqual(qemuMultifdInputs('QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)'), { multifdAccounting: 'sent', zeroPageDetection: 'legacy' });
    assert.deepEqual(qemuMultifdInputs('QEMU emulator version 10.1.0'), { multifdAccounting: 'sent', zeroPageDetection: 'multifd' });
    assert.deepEqual(qemuMultifdInputs('unknown'), {});
    const all = new Set([...WIRE, 'multifdAccounting', 'zeroPageDetection']);
    const multifd = measuredRun({ multifdChannels: 2, qemuVersion: 'QEMU emulator version 7.2.22' });
    assert.deepEqual(wireInputs(multifd, all).policy, { multifdChannels: 2, multifdAccounting: 'raw', zeroPageDetection: 'legacy' });
    // one stream: nothing of multifd, so the default grid's scenarios stay as they were
    assert.deepEqual(wireInputs(measuredRun({ qemuVersion: 'QEMU emulator version 7.2.22' }), all), { policy: {}, workload: {} });
    assert.deepEqual(wireInputs(measuredRun({ xbzrleCacheBytes: 8 * MIB, pageContent: 'delta', deltaBytes: 16 }), all).policy, { xbzrleCacheSize: 8 * MIB });
  });

  test('XBZRLE: the cache size in bytes, and what one write changes as deltaBytes', () => {
    const run = measuredRun({ xbzrleCacheBytes: 8 * MIB, pageContent: 'delta', deltaBytes: 16 });
    assert.deepEqual(wireInputs(run, WIRE), { policy: { xbzrleCacheSize: 8 * MIB }, workload: { deltaBytes: 16 } });
    assert.equal(deltaBytesOf({ pageContent: 'random', deltaBytes: 1 }), 4096);
    assert.equal(deltaBytesOf({ pageContent: 'byte', deltaBytes: 1 }), 1);
    assert.equal(deltaBytesOf({ pageContent: 'zero', deltaBytes: 1 }), 0);
  });

  test('a feature the engine has no parameter for is left out of the scenario, which still validates', () => {
    const run = measuredRun({ xbzrleCacheBytes: 8 * MIB, pageContent: 'delta', deltaBytes: 16 });
    assert.deepEqual(wireInputs(run, new Set(['multifdChannels'])), { policy: {}, workload: {} });
    const scenario = calibrationScenario(run, { linkBytesPerSec: 1e9, inputs: 'ahead', fidelity: 'fluid', seed: 1 });
    assert.doesNotThrow(() => validateScenario(scenario, { file: 'xbzrle' }));
    // what the engine here has of them reaches the qemu entry, nothing else
    const head = scenario.policy[0] ?? {};
    assert.deepEqual(
      Object.keys(head).filter((k) => WIRE.has(k)),
      Object.keys(wireInputs(run).policy),
    );
  });

  test("the guest's pages: a repeated word with a 16-byte delta deflates to under 2%, random words not at all", () => {
    const page = samplePage({ fillContent: 'pattern', pageContent: 'delta', deltaBytes: 16 });
    assert.equal(page.length, 4096);
    assert.equal(page.readUInt32LE(0), 0xa5a5a5a5);
    assert.deepEqual([...page.subarray(64, 80)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert.equal(page[80], 0xa5);
    const c = compressibilityOf({ fillContent: 'pattern', pageContent: 'delta', deltaBytes: 16 });
    assert.ok(c > 0 && c < 0.02, String(c));
    assert.equal(compressibilityOf({ fillContent: 'random', pageContent: 'random', deltaBytes: 1 }), 1);
    // the first word of the guest's xorshift32 from its seed 2463534242 (Marsaglia 2003, the 13/17/5 triple)
    assert.equal(samplePage({ fillContent: 'random', pageContent: 'delta', deltaBytes: 1 }).readUInt32LE(0), 723471715);
  });
});
