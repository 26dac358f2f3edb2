import type { Migration } from '../migration.js';
import type { Base, BaseModule } from '../policy.js';
import type { PageCosts } from '../memory/model.js';
import type { ParamValues } from '../types.js';

/** xc_domain_save.c MAX_BATCH_SIZE: pages per batch; the dirty bitmap is peeked once per batch. */
const BATCH_PAGES = 1024;
/** Batches per pass we evaluate at most (a quadrature over the pass for very large guests). */
const MAX_CHUNKS = 512;
/** Each page goes with its 8-byte pfn entry in the batch header. */
const PFN_BYTES = 8;

/** What a page costs in Xen's stream (legacy and v2): the page and its pfn; no zero-page shortcut. */
export function xenPageCosts(pageBytes: number): PageCosts {
  return { normalWire: pageBytes + PFN_BYTES, zeroWire: pageBytes + PFN_BYTES, normalAccounted: pageBytes, zeroAccounted: pageBytes };
}
/** xc_domain_save: stop when a pass had fewer than 50 pages to send (sent + skipped). */
const FEW_PAGES = 50;

/**
 * Xen's legacy save loop (tools/libxc/xc_domain_save.c, removed 2015;
 * docs/policies.md#xen). Pass `iter` sends the pages dirty at the start of the
 * pass, but skips those written again since (SHADOW_OP_PEEK before each
 * batch): they would be resent anyway and stay dirty for the next pass.
 * After each live pass it stops when iter >= max_iters (29, "limit us to 30
 * times round loop"), or the pass had fewer than 50 pages (sent + skipped),
 * or more than max_factor (3) x RAM pages were sent in all; then it suspends
 * the guest, cleans the log and sends every dirty page. No rate limit and no
 * bandwidth estimate: `expectedDowntimeMs` is empty.
 */
class XenLegacy implements Base {
  readonly kind = 'xen';
  readonly defaultEstimator = 'wire' as const;
  readonly downtimeLimitS = NaN;
  readonly maxBandwidthBytesPerSec = Infinity;
  private readonly maxIters: number;
  private readonly maxFactor: number;
  private iter = 0;

  constructor(p: ParamValues) {
    this.maxIters = p.maxIters as number;
    this.maxFactor = p.maxFactor as number;
  }

  iterations(): number {
    return this.iter;
  }

  costs(pageBytes: number): PageCosts {
    return xenPageCosts(pageBytes);
  }

  run(m: Migration): void {
    const mem = m.mem;
    const page = mem.pageBytes;
    const chunks = Math.min(MAX_CHUNKS, Math.max(1, Math.ceil(mem.ramBytes / page / BATCH_PAGES)));
    const span = mem.ramBytes / chunks;
    m.begin(false);
    for (;;) {
      this.iter++;
      m.newLinkPeriod();
      const wraps = mem.wraps;
      const sentBefore = mem.sentAccounted;
      const skippedBefore = mem.skippedBytes;
      while (mem.wraps === wraps) {
        const wire = mem.sendAheadChunk(Math.min(span, mem.aheadSpanBytes()), true);
        if (!m.advance(wire / m.liveBytesPerSec, 0, true)) {
          m.switchOverIfDue(null, NaN, 0, 0);
          return;
        }
      }
      const sentPages = (mem.sentAccounted - sentBefore) / page;
      const skippedPages = (mem.skippedBytes - skippedBefore) / page;
      m.observe(mem.pendingBytes(), NaN);
      m.decide();
      let reason: string | null = null;
      if (this.iter >= this.maxIters) reason = 'xen-max-iters';
      else if (sentPages + skippedPages < FEW_PAGES) reason = 'xen-few-pages';
      else if (mem.sentAccounted / page > (mem.ramBytes / page) * this.maxFactor) reason = 'xen-max-factor';
      // suspend, SHADOW_OP_CLEAN, the last iteration sends every dirty page
      if (m.switchOverIfDue(reason, NaN, 0, 0)) return;
      m.sync(); // SHADOW_OP_CLEAN: the pages written during the pass (skipped ones included) are next
      m.fireTimers();
      if (m.ended) return;
    }
  }
}

export const xen: BaseModule = {
  kind: 'xen',
  role: 'base',
  summary: 'Xen legacy libxc: skip pages re-dirtied during the pass; stop at 29 iterations, < 50 pages, or > 3 x RAM sent',
  source: 'Xen tools/libxc/xc_domain_save.c (DEF_MAX_ITERS 29, DEF_MAX_FACTOR 3; docs/policies.md#xen)',
  params: {
    maxIters: { kind: 'count', default: 29, min: 1, doc: 'max_iters (DEF_MAX_ITERS 29)' },
    maxFactor: { kind: 'number', default: 3, positive: true, doc: 'max_factor (DEF_MAX_FACTOR 3): pages sent / RAM pages' },
  },
  create: (p) => new XenLegacy(p),
};
