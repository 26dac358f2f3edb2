import { Dirtying, type PageClass } from '../memory/model.js';
import type { Scenario } from '../types.js';
import type { WorkloadModule } from './workload.js';
import { layout, workingSetBytes } from './layout.js';

/**
 * A sequential writer: one page after another over the working set, round
 * and round, `dirtyRate` bytes of page writes per second (the migsweep
 * calibration guest; QEMU guestperf's stress; a scan, docs/engine-model.md#workloads).
 * Unique dirty bytes after t = min(rate x t, W), like `linear`, but the pages
 * written are simply the next ones in the cycle, pending or not. Real QEMU
 * reports exactly this saturation for such a guest (docs/qemu-observed.md#3-the-reported-dirty-rate-saturates).
 */
export const cyclic: WorkloadModule = {
  kind: 'cyclic',
  summary: 'page after page over the working set, round and round: unique dirty = min(rate x t, W)',
  params: {},
  classes(s: Scenario): PageClass[] {
    const ws = workingSetBytes(s);
    return layout(s, [{ name: 'working set', sizeBytes: ws, writeBytesPerSec: s.workload.dirtyRate, dirtying: Dirtying.Cyclic, zero: false }]);
  },
};
