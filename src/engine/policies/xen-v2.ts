import type { Migration } from '../migration.js';
import type { Base, BaseModule } from '../policy.js';
import type { PageCosts } from '../memory/model.js';
import type { ParamValues } from '../types.js';
import { xenPageCosts } from './xen.js';

/**
 * Xen migration v2 (tools/libs/guest/xg_sr_save.c send_memory_live with
 * simple_precopy_policy; docs/policies.md#xen-v2): round 1 sends every page, each
 * later round the pages dirtied during the previous one (no skipping). The
 * policy stops when a round's dirty count is below 50 pages (that round is
 * still sent live, then the final one) or after 5 rounds; then
 * suspend_and_send_dirty sends what the last round left dirty.
 */
class XenV2 implements Base {
  readonly kind = 'xen-v2';
  readonly defaultEstimator = 'wire' as const;
  readonly downtimeLimitS = NaN;
  readonly maxBandwidthBytesPerSec = Infinity;
  private readonly maxIterations: number;
  private readonly targetDirtyCount: number;
  private iteration = 0;

  constructor(p: ParamValues) {
    this.maxIterations = p.maxIterations as number;
    this.targetDirtyCount = p.targetDirtyCount as number;
  }

  iterations(): number {
    return this.iteration;
  }

  costs(pageBytes: number): PageCosts {
    return xenPageCosts(pageBytes);
  }

  run(m: Migration): void {
    const mem = m.mem;
    m.begin(false);
    let dirtyPages = mem.ramBytes / mem.pageBytes;
    for (;;) {
      // policy at the loop top: dirty_count < SPP_TARGET_DIRTY_COUNT or iteration >= SPP_MAX_ITERATIONS
      const stopAfterRound = dirtyPages < this.targetDirtyCount || this.iteration >= this.maxIterations;
      m.newLinkPeriod();
      const wire = mem.aheadWireBytes();
      if (wire > 0 && m.send(wire) < 0) {
        m.switchOverIfDue(null, NaN, 0, 0);
        return;
      }
      if (stopAfterRound) {
        m.switchOver(dirtyPages < this.targetDirtyCount ? 'xen-few-pages' : 'xen-max-iters', NaN, 0, 0);
        return;
      }
      this.iteration++;
      m.observe(mem.pendingBytes(), NaN);
      m.decide();
      // a rule's request comes before the base's own limit here
      if (m.switchOverIfDue(null, NaN, 0, 0)) return;
      if (this.iteration >= this.maxIterations) {
        m.switchOver('xen-max-iters', NaN, 0, 0);
        return;
      }
      m.sync(); // SHADOW_OP_CLEAN
      dirtyPages = mem.pendingBytes() / mem.pageBytes;
      m.fireTimers();
      if (m.ended) return;
    }
  }
}

export const xenV2: BaseModule = {
  kind: 'xen-v2',
  role: 'base',
  summary: 'Xen migration v2: stop when a round dirtied < 50 pages or after 5 rounds (simple_precopy_policy)',
  source: 'Xen tools/libs/guest/xg_sr_save.c send_memory_live, simple_precopy_policy (docs/policies.md#xen-v2)',
  params: {
    maxIterations: { kind: 'count', default: 5, min: 1, doc: 'SPP_MAX_ITERATIONS' },
    targetDirtyCount: { kind: 'count', default: 50, min: 0, doc: 'SPP_TARGET_DIRTY_COUNT (pages)' },
  },
  create: (p) => new XenV2(p),
};
