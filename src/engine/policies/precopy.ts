import type { Migration } from '../migration.js';
import type { MigrationView } from '../view.js';
import type { Base, BaseModule } from '../policy.js';
import type { PageCosts } from '../memory/model.js';
import type { ParamValues } from '../types.js';

/**
 * The textbook pre-copy rule (Clark et al., NSDI 2005; Liu et al., HPDC 2011;
 * SimGrid's live-migration plugin): send all RAM, then round after round the
 * pages dirtied during the previous round; after each full pass, switch over
 * when the pending bytes fit in `downtimeLimit` at the bandwidth measured over
 * that pass (bytes / time of the pass). One dirty-bitmap sync per pass. With
 * a linear workload this is the closed form of docs/engine-model.md#the-event-driven-closed-form.
 */
class Precopy implements Base {
  readonly kind = 'precopy';
  readonly defaultEstimator = 'wire' as const;
  readonly downtimeLimitS: number;
  readonly maxBandwidthBytesPerSec: number;
  private readonly zeroPageBytes: number | null;

  constructor(p: ParamValues) {
    this.downtimeLimitS = p.downtimeLimit as number;
    this.maxBandwidthBytesPerSec = (p.maxBandwidth as number | null) ?? Infinity;
    this.zeroPageBytes = p.zeroPageBytes as number | null;
  }

  iterations(m: MigrationView): number {
    return m.passes;
  }

  costs(pageBytes: number): PageCosts {
    // The textbook sends every page whole; zero pages only cost less when asked.
    const zero = this.zeroPageBytes ?? pageBytes;
    return { normalWire: pageBytes, zeroWire: zero, normalAccounted: pageBytes, zeroAccounted: zero };
  }

  run(m: Migration): void {
    const mem = m.mem;
    m.begin(false); // the marking of all RAM is the first "sync"
    // this pass's bytes and time, summed (not differences of running totals, which lose precision)
    let passWire = 0;
    let passS = 0;
    m.newLinkPeriod();
    for (;;) {
      const wire = mem.aheadWireBytes();
      const wraps = mem.wraps;
      const dtS = m.send(wire);
      // a timer asked for switch-over in the middle of a pass (or the migration ended)
      if (dtS < 0 && m.switchOverIfDue(null, mem.pendingBytes() / m.bandwidthEstimate, 0, 0)) return;
      passWire += wire;
      passS += dtS;
      if (mem.wraps === wraps) continue; // rounding left a sliver of the pass; finish it
      m.newLinkPeriod();
      m.sync();
      const bw = m.estimateBandwidth(passWire, passS);
      passWire = 0;
      passS = 0;
      const pending = mem.pendingBytes();
      m.observe(pending, pending / bw);
      m.decide();
      if (m.switchOverIfDue(pending <= bw * m.downtimeLimitS ? 'downtime-met' : null, pending / bw, 0, null)) return;
      m.fireTimers();
      if (m.switchOverIfDue(null, pending / bw, 0, null)) return;
    }
  }
}

export const precopy: BaseModule = {
  kind: 'precopy',
  role: 'base',
  summary: 'textbook pre-copy: after each full pass, stop and copy when pending <= bandwidth of that pass x downtimeLimit',
  source: 'Clark et al. NSDI 2005; Liu et al. HPDC 2011; SimGrid live-migration plugin (docs/policies.md#precopy)',
  params: {
    downtimeLimit: { kind: 'time', default: 0.03, positive: true, doc: 'downtime the rule aims for' },
    maxBandwidth: { kind: 'rate', default: null, positive: true, doc: 'rate limit on the live passes (the stop-and-copy runs at link speed); none by default' },
    zeroPageBytes: { kind: 'bytes', default: null, min: 0, doc: 'wire cost of a zero page; the textbook sends it whole (default: page size)' },
  },
  create: (p) => new Precopy(p),
};
