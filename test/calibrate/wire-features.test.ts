// Real QEMU with its wire features on: multifd, compression on multifd,
// XBZRLE. Each test checks what QEMU's code says it must report (structure
// and outcomes, generous bounds, no timing) on a short migration of a small
// guest. A feature this QEMU lacks (a capability, a compression library)
// skips that test only, saying so. Skipped entirely without QEMU or a
// 32-bit gcc (test/calibrate/real-qemu.ts).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildGuest } from '../../src/calibrate/guest.js';
import { probeWireSupport, unsupportedReason, type WireSupport } from '../../src/calibrate/features.js';
import { measureMigration } from '../../src/calibrate/measure.js';
import { chooseAccelerator, liveQemuCount } from '../../src/calibrate/qemu.js';
import type { MigrationRunConfig } from '../../src/calibrate/types.js';
import { skipWithoutQemu } from './real-qemu.js';

const MIB = 2 ** 20;
const PAGE = 4096;

let support: WireSupport | undefined;

/** Skip without QEMU, or when this QEMU cannot do `run` (the reason is printed); true when skipped. */
async function skipUnlessSupported(t: TestContext, run: MigrationRunConfig): Promise<boolean> {
  if (await skipWithoutQemu(t)) return true;
  const kernelPath = await buildGuest();
  const accel = (await chooseAccelerator(kernelPath, 'ws=0 rate=0 fill=0')).accel;
  support ??= await probeWireSupport(kernelPath, accel);
  const reason = unsupportedReason(run, support);
  if (reason !== undefined) {
    t.skip(reason);
    return true;
  }
  return false;
}

/** A 128 MiB guest that filled its RAM and then idles, at 128 MiB/s. */
const IDLE_FILLED: MigrationRunConfig = {
  ramMiB: 128,
  wsMiB: 0,
  ratePagesPerSec: 0,
  maxBandwidthBytesPerSec: 128 * MIB,
  downtimeLimitMs: 300,
  timeBoundS: 30,
};

test('multifd with 2 channels: every filled page goes through the channels, the main stream keeps only zero pages and control', async (t) => {
  const config: MigrationRunConfig = { ...IDLE_FILLED, name: 'multifd2-idle', multifdChannels: 2 };
  if (await skipUnlessSupported(t, config)) return;
  const r = await measureMigration(config);
  assert.equal(r.outcome, 'completed');
  const filledPages = (r.guestFillBytes as number) / PAGE;
  assert.ok(filledPages > 30000, `guest filled ${filledPages} pages`);
  // multifd_send_pages (migration/multifd.c, QEMU 7.2) accounts each packet as
  // its pages x 4096 plus the packet header (with 8 B per page offset), so
  // multifd-bytes holds at least the filled pages, and at most ~1 % more for
  // headers and the pages the guest kernel and firmware hold.
  assert.ok(r.multifdBytes !== null && r.multifdBytes >= filledPages * PAGE, `multifd-bytes ${r.multifdBytes}`);
  assert.ok(r.multifdBytes <= 1.05 * r.ramTotalBytes, `multifd-bytes ${r.multifdBytes}, ram ${r.ramTotalBytes}`);
  // What stays on the main stream: zero pages (9 B each), device state, section
  // markers: well under 2 MiB for a 128 MiB guest.
  assert.ok(r.transferredBytes - r.multifdBytes < 2 * MIB, `main stream ${r.transferredBytes - r.multifdBytes} B`);
  assert.equal(r.guestFillBytes !== null && r.normalPages >= filledPages, true, `normal ${r.normalPages}`);
  assert.equal(liveQemuCount(), 0);
});

test('zstd on 2 multifd channels: a guest of compressible pages migrates, and QEMU 7.2 counts the raw page bytes', async (t) => {
  const config: MigrationRunConfig = { ...IDLE_FILLED, name: 'zstd2-idle', multifdChannels: 2, multifdCompression: 'zstd' };
  if (await skipUnlessSupported(t, config)) return;
  const r = await measureMigration(config);
  assert.equal(r.outcome, 'completed');
  // The fill (one repeated word) compresses to almost nothing, yet 7.2's
  // multifd_send_pages adds pages x 4096 + header to multifd-bytes and
  // transferred before the channel compresses: the counters do not see it.
  // (Later QEMUs count what the channel wrote.)
  if (/version 7\.2\./.test(r.qemuVersion)) {
    assert.ok(r.multifdBytes !== null && r.multifdBytes >= (r.guestFillBytes as number), `multifd-bytes ${r.multifdBytes}`);
  }
  assert.equal(liveQemuCount(), 0);
});

test('XBZRLE: the first pass fills no cache, re-dirtied pages miss once and then are sent as small deltas', async (t) => {
  // 8 MiB rewritten 16 bytes a page at 8 MiB/s over an 8 MiB/s link: the
  // first pass (4 s) leaves the whole working set dirty, and XBZRLE starts
  // with the second pass (rs->xbzrle_enabled after the first round,
  // migration/ram.c). It is migrated at whatever rate it holds (a loaded
  // host runs it at a fraction of its target), so only what does not depend
  // on the rate is asserted.
  const config: MigrationRunConfig = {
    name: 'xbzrle-test',
    ramMiB: 32,
    wsMiB: 8,
    ratePagesPerSec: 2048,
    pageContent: 'delta',
    deltaBytes: 16,
    flushTlb: true,
    maxBandwidthBytesPerSec: 8 * MIB,
    downtimeLimitMs: 300,
    timeBoundS: 30,
    xbzrleCacheBytes: 16 * MIB,
  };
  if (await skipUnlessSupported(t, config)) return;
  const r = await measureMigration(config, { readyRateShare: 0 });
  assert.equal(r.outcome, 'completed');
  assert.ok(r.xbzrleCacheMiss !== null && r.xbzrlePages !== null && r.xbzrleOverflow !== null && r.xbzrleBytes !== null, 'query-migrate carries xbzrle-cache');
  // The second pass meets an empty cache: a miss per page it sends from the
  // working set, and no more misses than pages sent after the first pass.
  assert.ok(r.xbzrleCacheMiss > 0, `cache-miss ${r.xbzrleCacheMiss}`);
  assert.ok(r.xbzrleCacheMiss + r.xbzrlePages <= r.normalPages + r.duplicatePages, `looked up ${r.xbzrleCacheMiss + r.xbzrlePages}`);
  // A 16-byte delta never outgrows a page.
  assert.equal(r.xbzrleOverflow, 0);
  // Hits happened, and each cost about 1 flag + 2 length + the encoded delta
  // (save_xbzrle_page, xbzrle_encode_buffer): a zero run before the 16 bytes
  // (uleb128: 2 bytes from an offset of 128 on), the changed run's length (1)
  // and the 16 bytes, so 22; a written byte equal to the old one splits the
  // run (2 or 3 more bytes), and a page of another block carries the block's
  // name in its header. Measured here: 21.0 bytes a page (38,942 for 1,852;
  // 40,646 for 1,934). 24 a page on average bounds them all, against 4,096
  // for a page sent whole; unchanged pages count as pages with no bytes.
  assert.ok(r.xbzrlePages > 0, `pages ${r.xbzrlePages}`);
  assert.ok(r.xbzrleBytes <= 24 * r.xbzrlePages, `xbzrle bytes ${r.xbzrleBytes} for ${r.xbzrlePages} pages`);
  assert.equal(r.multifdBytes ?? 0, 0);
  // The guest drops each page's TLB entry before writing it (flushTlb), so
  // even a QEMU < 9.0 under TCG logs every write: the destination resumes
  // with the write count the source last printed, or later. (Null when the
  // destination's guest printed nothing within 3 s on a loaded host.)
  assert.ok(r.guestWritesLost === null || r.guestWritesLost === 0, `writes lost ${r.guestWritesLost}`);
  assert.equal(liveQemuCount(), 0);
});
