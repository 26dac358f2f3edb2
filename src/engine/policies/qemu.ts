import type { Migration } from '../migration.js';
import type { MigrationView } from '../view.js';
import type { Base, BaseModule } from '../policy.js';
import { VFIO_BUFFER_BYTES } from '../devices.js';
import type { MemoryModel, PageContent, PageCosts } from '../memory/model.js';
import type { ParamValues, WireFigures } from '../types.js';
import { MULTIFD_ACCOUNTINGS, MULTIFD_MAX_CHANNELS, multifdHeaderPerPageBytes, ZERO_PAGE_DETECTIONS } from '../wire/multifd.js';
import { XBZRLE_HEADER_BYTES, xbzrleCachePages } from '../wire/xbzrle.js';
import { COMPRESSION_BYTES_PER_SEC, MULTIFD_COMPRESSIONS, type MultifdCompression } from '../wire/compression.js';

/** migration-stats.h BUFFER_DELAY: the rate-limit and bandwidth window. */
const WINDOW_S = 0.1;
/** ram.c MAX_WAIT: ram_save_iterate returns after 50 ms even when the budget is not used. */
const MAX_WAIT_S = 0.05;
/** ram.c save_page_header: be64(offset | flags). */
const PAGE_HEADER_BYTES = 8;
const GIB = 1024 ** 3;
/**
 * The last dirty-bitmap sync's duration per GiB of RAM, measured on this
 * project's machines with KVM (QEMU 7.2, a stopped guest, 4 and 16 GiB:
 * 8.5-9.3 us/GiB; scripts/measure-bitmap-sync.mjs, docs/qemu-observed.md).
 * A loaded guest's sync harvests its dirty pages too and takes longer
 * (KubeVirt's VEP 248 cites hundreds of ms to seconds for ~1 TB guests).
 */
const FINAL_SYNC_PER_GIB_S = 9e-6;

/**
 * Modern QEMU (10.x; docs/policies.md#qemu, migration/migration.c
 * migration_thread, migration_iteration_run, migration_update_counters;
 * migration/ram.c; migration/migration-stats.c).
 *
 * Setup marks all RAM and syncs once (dirty-sync-count = 1). Then the
 * migration thread loops: at each iteration it takes the pending estimate
 * (pages still marked, no sync); only when that is below threshold_size does
 * it sync the dirty bitmap and recount (pending_exact), and it completes when
 * pending <= threshold_size. So the bitmap is re-synced rarely and a lightly
 * dirtying guest switches over inside the first pass (docs/qemu-observed.md#1-switch-over-inside-the-first-pass).
 * Otherwise it sends until the window's budget (max-bandwidth / 10 per 100
 * ms) is used, then sleeps to the window's end; with a link slower than the
 * limit it keeps sending and returns every 50 ms (MAX_WAIT); with nothing
 * left to send it comes back at once.
 *
 * Every 100 ms window: bandwidth = bytes / window time (sleep included), and
 * threshold_size = bandwidth x downtime-limit, or avail-switchover-bandwidth
 * x limit when set. The stop-and-copy runs without a rate limit
 * (migration_completion_precopy), at the link's speed, so the real downtime
 * is usually far below the limit (docs/qemu-observed.md#2-the-final-copy-ignores-max-bandwidth). Pages cost header +
 * 4096 bytes, a zero page header + 1 byte (save_zero_page, no multifd), and
 * `transferred` counts those bytes (migration_transferred_bytes).
 */
class Qemu implements Base {
  readonly kind = 'qemu';
  readonly defaultEstimator = 'wire' as const;
  readonly downtimeLimitS: number;
  readonly maxBandwidthBytesPerSec: number;
  private readonly availSwitchoverBytesPerSec: number | null;
  private readonly maxPostcopyBytesPerSec: number;
  private readonly finalSyncPerGiBS: number;
  private readonly switchoverAck: boolean;
  /** multifd channels; 0 = one stream (no multifd) */
  private readonly channels: number;
  private readonly compression: MultifdCompression;
  /** multifd pages counted (and rate-limited) raw, before compression, as QEMU 8.0 and before do (docs/wire.md#which-qemu-counts-what) */
  private readonly rawAccounting: boolean;
  /** zero pages found on the main stream with multifd on, as QEMU before 9.0 does */
  private readonly legacyZeroPages: boolean;
  /** page bytes one channel copies or compresses per second */
  private readonly channelBytesPerSec: number;
  readonly cpuBytesPerSec: number;
  /** xbzrle-cache-size; 0 = XBZRLE off */
  private readonly xbzrleCacheBytes: number;
  /** the costs given to the memory, for the figures */
  private pageCosts: PageCosts | null = null;
  private compressibility = 1;
  private pageBytes = 4096;

  constructor(p: ParamValues) {
    this.downtimeLimitS = p.downtimeLimit as number;
    // 0 = RATE_LIMIT_DISABLED in QEMU
    const max = p.maxBandwidth as number;
    this.maxBandwidthBytesPerSec = max > 0 ? max : Infinity;
    this.availSwitchoverBytesPerSec = (p.availSwitchoverBandwidth as number | null) || null;
    const pc = p.maxPostcopyBandwidth as number;
    this.maxPostcopyBytesPerSec = pc > 0 ? pc : Infinity;
    this.finalSyncPerGiBS = p.finalSyncPerGiB as number;
    this.switchoverAck = p.switchoverAck === true;
    this.channels = p.multifdChannels as number;
    this.compression = p.multifdCompression as MultifdCompression;
    this.rawAccounting = this.channels > 0 && p.multifdAccounting === 'raw';
    this.legacyZeroPages = p.zeroPageDetection === 'legacy';
    const rate = p.multifdChannelRate as number | null;
    this.channelBytesPerSec = rate !== null && rate > 0 ? rate : this.compression === 'none' ? Infinity : COMPRESSION_BYTES_PER_SEC[this.compression];
    this.cpuBytesPerSec = this.channels > 0 ? this.channels * this.channelBytesPerSec : Infinity;
    this.xbzrleCacheBytes = (p.xbzrleCacheSize as number | undefined) ?? 0;
  }

  iterations(m: MigrationView): number {
    // dirty-sync-count starts at 1 after setup; libvirt and guestperf count it
    return m.syncs - 1;
  }

  costs(pageBytes: number, content: PageContent): PageCosts {
    this.pageBytes = pageBytes;
    this.compressibility = this.compression === 'none' ? 1 : content.compressibility;
    if (this.channels > 0) {
      // docs/wire.md#multifd: whole packets; a zero page is only its slot in the packet header, or, found on the main
      // stream (zero-page-detection legacy), save_zero_page's 9 bytes
      const header = multifdHeaderPerPageBytes(pageBytes);
      const normal = pageBytes * this.compressibility + header;
      const zero = this.legacyZeroPages ? 1 + PAGE_HEADER_BYTES : header;
      // raw accounting counts a page handed to a channel at pages->num x page size + packet_len (QEMU <= 8.0
      // multifd_send_pages), whatever the channel then writes
      const normalAccounted = this.rawAccounting ? pageBytes + header : normal;
      const zeroAccounted = this.rawAccounting && !this.legacyZeroPages ? pageBytes + header : zero;
      this.pageCosts = { normalWire: normal, zeroWire: zero, normalAccounted, zeroAccounted, normalCpu: pageBytes, zeroCpu: 0 };
    } else {
      this.pageCosts = {
        normalWire: pageBytes + PAGE_HEADER_BYTES,
        zeroWire: 1 + PAGE_HEADER_BYTES,
        normalAccounted: pageBytes + PAGE_HEADER_BYTES,
        zeroAccounted: 1 + PAGE_HEADER_BYTES,
      };
      if (this.xbzrleCacheBytes > 0) {
        // save_xbzrle_page: an encoding of a page or more overflows (xbzrle_encode_buffer returns -1) and the page goes whole;
        // an unchanged page (encoded length 0) sends nothing
        const overflows = content.deltaBytes >= pageBytes;
        const hitWire = overflows ? pageBytes + PAGE_HEADER_BYTES : content.deltaBytes > 0 ? content.deltaBytes + XBZRLE_HEADER_BYTES : 0;
        this.pageCosts.xbzrle = { cachePages: xbzrleCachePages(this.xbzrleCacheBytes, pageBytes), hitWire, hitOverflows: overflows };
      }
    }
    return this.pageCosts;
  }

  wireFigures(mem: MemoryModel): WireFigures {
    const c = this.pageCosts;
    const multifd = this.channels > 0 && c !== null;
    const compressed = multifd && this.compression !== 'none';
    const rawBytes = mem.sentNormalPages * this.pageBytes;
    return {
      // multifd-bytes as this QEMU counts them (raw or sent); zero pages found on the main stream are not in them
      multifdBytes: multifd ? mem.sentNormalPages * c.normalAccounted + (this.legacyZeroPages ? 0 : mem.sentZeroPages * c.zeroAccounted) : 0,
      zeroPages: mem.sentZeroPages,
      xbzrleHitRate: mem.xbzrleLookups > 0 ? mem.xbzrleHits / mem.xbzrleLookups : NaN,
      xbzrleOverflows: mem.xbzrleOverflows,
      compressedRatio: compressed ? this.compressibility : NaN,
      compressionCpuSeconds: compressed ? rawBytes / this.channelBytesPerSec : 0,
    };
  }

  /**
   * Wire bytes per counted byte of the pages the cursor meets next (raw
   * accounting: a compressed page leaves as fewer bytes than the rate limit
   * charges): those ahead of it, or after a wrap all those marked.
   */
  private wirePerCountedByte(mem: MemoryModel): number {
    const ahead = mem.aheadAccountedBytes();
    if (ahead > 0) return mem.aheadWireBytes() / ahead;
    const counted = mem.pendingAccountedBytes();
    return counted > 0 ? mem.pendingWireBytes() / counted : 1;
  }

  /** Seconds to send `sent` bytes of which `ramSent` are pages at `rate` and the rest device data at the link's speed. */
  private sendTimeS(sent: number, ramSent: number, rate: number, link: number): number {
    return rate === link ? sent / link : ramSent / rate + (sent - ramSent) / link;
  }

  /**
   * How fast pages leave: the link, or what the multifd channels' CPU
   * produces when that is less (channels x rate of page work, turned into
   * wire bytes at the pending pages' mix of wire bytes per unit of work).
   */
  private sendRate(link: number, mem: MemoryModel): number {
    if (this.cpuBytesPerSec === Infinity) return link;
    const cpu = mem.pendingCpuBytes();
    if (!(cpu > 0)) return link;
    const cpuBound = (this.cpuBytesPerSec * mem.pendingWireBytes()) / cpu;
    return cpuBound < link ? cpuBound : link;
  }

  run(m: Migration): void {
    const mem = m.mem;
    m.begin(true); // qemu_savevm_state_setup: the first sync, dirty-sync-count = 1
    // the last sync runs with the guest stopped (ram_save_complete; postcopy_start): hidden downtime
    const finalSyncS = this.finalSyncPerGiBS * (m.ramBytes / GIB);
    let threshold = 0; // threshold_size is 0 until the first window closes
    const budget = this.maxBandwidthBytesPerSec * WINDOW_S; // rate_limit_max, per window
    let windowStartS = 0;
    // bytes the rate limit and the bandwidth estimate counted this window: the wire bytes, or with raw accounting
    // the raw page bytes handed to the channels (docs/wire.md#which-qemu-counts-what)
    let windowCounted = 0;
    for (;;) {
      // ---- migration_iteration_run ----
      // qemu_savevm_state_pending_estimate: RAM still marked, VFIO initial data still to send (docs/wire.md#device-state)
      let pending = mem.pendingBytes() + m.devicePrecopyPendingBytes;
      m.decide();
      if (m.ended) return;
      if (m.postcopyReason !== null) {
        // RAM counts as can_postcopy, so must_precopy (0) <= threshold_size always holds;
        // post-copy sends whole pages (ram_save_target_page_legacy uses XBZRLE only while !migration_in_postcopy())
        if (this.pageCosts?.xbzrle !== undefined) {
          const { xbzrle: _cache, ...whole } = this.pageCosts;
          mem.setCosts(whole);
        }
        m.startPostcopy(m.postcopyReason, this.maxPostcopyBytesPerSec, m.bandwidthEstimate > 0 ? pending / m.bandwidthEstimate : NaN, finalSyncS);
        return;
      }
      const exact = pending < threshold;
      if (exact) {
        m.sync(); // qemu_savevm_state_pending_exact, which adds the devices' stop-copy size
        pending = mem.pendingBytes() + m.devicePrecopyPendingBytes + m.deviceStopCopyPendingBytes;
      }
      const bw = m.bandwidthEstimate;
      // what it would take now; QEMU itself reports dirty_bytes_last_sync / bandwidth as expected-downtime
      const expected = bw > 0 ? pending / bw : NaN;
      m.observe(pending, bw > 0 ? m.dirtyBytesLastSync / bw : NaN);
      // pending 0 completes even before the first window closes (threshold 0); switchover-ack: not before the destination's ack
      const canSwitchover = !this.switchoverAck || m.switchoverAcked;
      if (m.switchOverIfDue(pending <= threshold && canSwitchover ? 'downtime-met' : null, expected, 0, finalSyncS)) return;
      // ---- qemu_savevm_state_iterate: send until the window's budget is used, nothing is left, or MAX_WAIT ----
      m.newLinkPeriod();
      const link = m.linkNowBytesPerSec;
      // pages leave at the link's speed, or at what the multifd channels' CPU produces when that is less
      const rate = this.sendRate(link, mem);
      const room = budget - windowCounted;
      const devicePrecopy = m.devicePrecopyPendingBytes;
      const countedBefore = mem.sentAccounted;
      let ramSent = 0;
      let sent = 0;
      if (room > 0) {
        // raw accounting: the room is in counted bytes; the channels and the link move the pending pages' wire bytes
        const ramRoom = this.rawAccounting ? room * this.wirePerCountedByte(mem) : room;
        if (devicePrecopy === 0 || mem.pendingBytes() > 0) sent = ramSent = mem.sendWire(Math.min(ramRoom, rate * MAX_WAIT_S));
        const ramCounted = this.rawAccounting ? mem.sentAccounted - countedBefore : sent;
        // RAM's stage first (savevm.c qemu_savevm_state_iterate): a VFIO device gets its turn once RAM has nothing
        // marked, a buffer a round; rounds with nothing else to send follow each other at once, so their buffers
        // go at the link's rate. Waiting for the ack, the device's buffer goes after RAM's share in any case.
        if (devicePrecopy > 0 && ramCounted < room && (mem.pendingBytes() === 0 || !canSwitchover))
          sent += m.sendDevicePrecopy(Math.min(room - ramCounted, sent > 0 ? VFIO_BUFFER_BYTES : link * MAX_WAIT_S), this.sendTimeS(sent, ramSent, rate, link));
      }
      windowCounted += this.rawAccounting ? mem.sentAccounted - countedBefore : sent;
      // migration_rate_limit then sleeps to the window's end if the budget is used
      let stepS = this.sendTimeS(sent, ramSent, rate, link);
      // raw accounting: the count rises by what the memory says it sent of the room's wire share; QEMU counts whole
      // bytes, and a room under one byte is used (a smaller step would vanish in the running total)
      if (windowCounted >= budget - (this.rawAccounting ? 1 : 0)) stepS = Math.max(stepS, windowStartS + WINDOW_S - m.t);
      // Nothing to send, or a round that synced, found only the pages written since the last one and still may not
      // switch over because of a device (its stop-copy data above the threshold, or no ack yet): QEMU spins in such
      // rounds, each shorter than the last; the model waits to the ack or the window's end instead, so the pages
      // written meanwhile (at most a window's worth) move in the next round or in the downtime
      else if (sent === 0 || (exact && sent < rate * MAX_WAIT_S && m.devicePrecopyPendingBytes === 0 && (m.deviceStopCopyPendingBytes > 0 || this.switchoverAck))) {
        const windowEndS = windowStartS + WINDOW_S;
        const ackS = m.switchoverAckAtS;
        stepS = Math.max(stepS, (ackS > m.t && ackS < windowEndS ? ackS : windowEndS) - m.t);
      }
      if (!m.advance(stepS, 0)) {
        m.switchOverIfDue(null, expected, 0, finalSyncS);
        return;
      }
      const windowS = m.t - windowStartS;
      if (windowS >= WINDOW_S - 1e-9) {
        // migration_update_counters: bandwidth over the window in the bytes QEMU counts, sleep included
        const est = m.estimateBandwidth(windowCounted, windowS);
        threshold = (this.availSwitchoverBytesPerSec ?? est) * m.downtimeLimitS;
        windowStartS = m.t;
        windowCounted = 0;
      }
    }
  }
}

export const qemu: BaseModule = {
  kind: 'qemu',
  role: 'base',
  summary: 'modern QEMU: 100 ms windows, sync only when pending < bandwidth x limit (300 ms), 128 MiB/s, final copy unthrottled',
  source: 'QEMU 10.x migration/migration.c migration_iteration_run, migration_update_counters; ram.c; options.c (docs/policies.md#qemu)',
  params: {
    downtimeLimit: { kind: 'time', default: 0.3, positive: true, max: 2000, doc: 'downtime-limit (DEFAULT_MIGRATE_SET_DOWNTIME 300 ms)' },
    maxBandwidth: { kind: 'rate', default: 128 * 1024 * 1024, min: 0, doc: 'max-bandwidth (MAX_THROTTLE 128 MiB/s; 0 = unlimited)' },
    availSwitchoverBandwidth: { kind: 'rate', default: null, min: 0, doc: 'avail-switchover-bandwidth: when set, threshold = this x limit instead of the measured bandwidth' },
    maxPostcopyBandwidth: { kind: 'rate', default: 0, min: 0, doc: 'max-postcopy-bandwidth (0 = unlimited)' },
    finalSyncPerGiB: {
      kind: 'time',
      default: FINAL_SYNC_PER_GIB_S,
      min: 0,
      doc: 'time of the last dirty-bitmap sync per GiB of RAM, with the guest stopped (hidden downtime; 9 us/GiB measured with KVM here, see docs/qemu-observed.md)',
    },
    switchoverAck: {
      kind: 'bool',
      default: false,
      columnWhenSet: true,
      doc: "switchover-ack capability: no switch-over before the destination has loaded the VFIO devices' initial data (vm.devices[].loadTime) and said so",
    },
    xbzrleCacheSize: {
      kind: 'bytes',
      default: 0,
      min: 0,
      columnWhenSet: true,
      doc: 'xbzrle-cache-size with the xbzrle capability on (QEMU: 64 MiB by default); 0 = XBZRLE off; at most vm.ram, not with multifd (docs/wire.md#xbzrle)',
    },
    multifdChannels: {
      kind: 'count',
      default: 0,
      min: 0,
      max: MULTIFD_MAX_CHANNELS,
      columnWhenSet: true,
      doc: 'multifd-channels with the multifd capability on (QEMU: 1-255, 2 by default); 0 = multifd off, one stream (docs/wire.md#multifd)',
    },
    multifdChannelRate: {
      kind: 'rate',
      default: null,
      positive: true,
      columnWhenSet: true,
      doc: 'page bytes one multifd channel copies or compresses per second (its CPU); unset = no limit without compression, the measured zlib/zstd rate with it (docs/wire.md#channel-cpu)',
    },
    multifdCompression: {
      kind: 'enum',
      default: 'none',
      choices: MULTIFD_COMPRESSIONS,
      columnWhenSet: true,
      doc: "multifd-compression: none, zlib or zstd (level 1, QEMU's default); pages shrink to workload.compressibility (docs/wire.md#compression)",
    },
    multifdAccounting: {
      kind: 'enum',
      default: 'sent',
      choices: MULTIFD_ACCOUNTINGS,
      columnWhenSet: true,
      doc: 'what multifd counts in multifd-bytes and transferred and charges to max-bandwidth: sent = what the channels wrote (QEMU 8.1 and later), raw = page size + header per page, before compression (QEMU 8.0 and before) (docs/wire.md#which-qemu-counts-what)',
    },
    zeroPageDetection: {
      kind: 'enum',
      default: 'multifd',
      choices: ZERO_PAGE_DETECTIONS,
      columnWhenSet: true,
      doc: 'zero-page-detection with multifd on: multifd = in the channels (QEMU 9.0 and later), legacy = on the main stream at 9 bytes a page (QEMU before 9.0) (docs/wire.md#which-qemu-counts-what)',
    },
  },
  create: (p) => new Qemu(p),
};
