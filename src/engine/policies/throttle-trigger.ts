import type { MigrationView } from '../view.js';

/** ram.c migration_bitmap_sync: the dirty-rate period closes at a sync at least 1000 ms after it opened. */
const PERIOD_S = 1;

/**
 * QEMU's trigger for auto-converge and dirty-limit (ram.c
 * migration_trigger_throttle, docs/policies.md#auto-converge), evaluated at a sync that
 * closes a period of at least 1 s: the bytes newly dirtied in the period
 * (num_dirty_pages_period x page size) exceed `thresholdPct` of the bytes
 * transferred in it, for the second time since it last fired
 * (`++dirty_rate_high_cnt >= 2`; the count is not reset by a calm period).
 */
export class ThrottleTrigger {
  private periodStartS = 0;
  private dirtyInPeriod = 0;
  private xferAtPeriodStart = 0;
  private highCount = 0;
  /** of the last firing: bytes dirtied in the period and the threshold they exceeded */
  lastDirtyBytes = 0;
  lastThresholdBytes = 0;

  constructor(private readonly thresholdPct: number) {}

  /** Feed a sync; true when the trigger fires. */
  onSync(m: MigrationView, newlyDirtyBytes: number): boolean {
    this.dirtyInPeriod += newlyDirtyBytes;
    if (!(m.t > this.periodStartS + PERIOD_S)) return false;
    const xfer = m.transferredBytes - this.xferAtPeriodStart;
    const dirty = this.dirtyInPeriod;
    const threshold = (xfer * this.thresholdPct) / 100;
    this.periodStartS = m.t;
    this.dirtyInPeriod = 0;
    this.xferAtPeriodStart = m.transferredBytes;
    if (dirty > threshold && ++this.highCount >= 2) {
      this.highCount = 0;
      this.lastDirtyBytes = dirty;
      this.lastThresholdBytes = threshold;
      return true;
    }
    return false;
  }
}
