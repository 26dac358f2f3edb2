import type { Migration } from '../migration.js';
import type { MigrationView } from '../view.js';
import type { Base, BaseModule } from '../policy.js';
import type { PageCosts } from '../memory/model.js';
import type { ParamValues } from '../types.js';

/** buffered_file.c: the rate limiter's tick, 100 ms (buffered_rate_tick). */
const TICK_S = 0.1;
/** arch_init.c: page header be64(offset | flags), not counted in bytes_transferred. */
const PAGE_HEADER_BYTES = 8;

/**
 * QEMU 0.15 (the 2011 thread's baseline; docs/policies.md#qemu-2011, arch_init.c
 * ram_save_live, migration.c, buffered_file.c).
 *
 * Every 100 ms tick the rate limiter calls ram_save_live: it syncs the dirty
 * bitmap (every call), sends pages from the cursor until the tick's budget
 * (max-bandwidth / 10, counted in socket bytes) is used, measures `bwidth` as
 * the bytes it queued divided by the duration of this call alone, and
 * returns "done" when remaining x 4096 / bwidth <= max_downtime. Then the
 * guest stops and stage 3 sends everything left without a rate limit.
 *
 * The flaw of the thread: the call only fills a buffer, so `bwidth` is a
 * memory-copy rate, not the network's; the estimator `buffer` (the default
 * here) models it with a fixed buffer-fill rate (estimator.ts, DEFAULT_BUFFER_RATE).
 * The burst queued in the last tick is still in the socket when the guest
 * stops, so the real downtime also waits for it to drain.
 *
 * A duplicate page (one repeated byte; we count zero pages) is sent as
 * header + 1 byte and counted as 1 byte transferred (is_dup_page); a normal
 * page as header + 4096 bytes, counted 4096. A pass is a wrap of the send
 * cursor past the end of RAM (0.15 has no pass counter; Treutner's patch
 * counts exactly this).
 */
class Qemu2011 implements Base {
  readonly kind = 'qemu-2011';
  readonly defaultEstimator = 'buffer' as const;
  readonly downtimeLimitS: number;
  readonly maxBandwidthBytesPerSec: number;

  constructor(p: ParamValues) {
    this.downtimeLimitS = p.downtimeLimit as number;
    this.maxBandwidthBytesPerSec = p.maxBandwidth as number;
  }

  iterations(m: MigrationView): number {
    return m.passes;
  }

  costs(pageBytes: number): PageCosts {
    return {
      normalWire: pageBytes + PAGE_HEADER_BYTES,
      zeroWire: 1 + PAGE_HEADER_BYTES,
      normalAccounted: pageBytes,
      zeroAccounted: 1,
    };
  }

  run(m: Migration): void {
    const mem = m.mem;
    // Stage 1 (t = 0): mark every page, start dirty logging, send the first burst.
    m.begin(true);
    // The link drains what the limiter lets through: one tick's budget at most.
    m.newLinkPeriod();
    let burst = mem.sendWire(m.liveBytesPerSec * TICK_S);
    for (let k = 1; ; k++) {
      if (!m.advance(k * TICK_S - m.t, 0)) {
        // A timer asked for switch-over between ticks (or the migration ended): stop now, the last burst still drains.
        const queued = Math.max(0, burst - (m.t - (k - 1) * TICK_S) * m.linkNowBytesPerSec);
        m.switchOverIfDue(null, mem.pendingBytes() / m.bandwidthEstimate, queued, 0);
        return;
      }
      // Stage 2 call: sync, burst, measure, decide.
      m.sync();
      m.newLinkPeriod();
      burst = mem.sendWire(m.liveBytesPerSec * TICK_S);
      const bw = m.estimateBandwidth(burst, TICK_S);
      const remaining = mem.pendingBytes();
      const expected = remaining / bw;
      m.observe(remaining, expected);
      m.decide();
      if (m.switchOverIfDue(expected <= m.downtimeLimitS ? 'downtime-met' : null, expected, burst, 0)) return;
    }
  }
}

export const qemu2011: BaseModule = {
  kind: 'qemu-2011',
  role: 'base',
  summary: 'QEMU 0.15: 100 ms ticks, sync every tick, 32 MiB/s limit, stop when remaining / buffer bandwidth <= 30 ms',
  source: 'QEMU v0.15.0 arch_init.c ram_save_live, migration.c, buffered_file.c (docs/policies.md#qemu-2011)',
  params: {
    downtimeLimit: { kind: 'time', default: 0.03, positive: true, doc: 'max_downtime (migrate_set_downtime), 30 ms in 0.15' },
    maxBandwidth: { kind: 'rate', default: 32 * 1024 * 1024, positive: true, doc: 'max_throttle (migrate_set_speed), 32 MiB/s in 0.15' },
  },
  create: (p) => new Qemu2011(p),
};
