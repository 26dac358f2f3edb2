import { Dirtying, type PageClass } from '../memory/model.js';
import type { Scenario } from '../types.js';
import type { WorkloadModule } from './workload.js';
import { layout, workingSetBytes } from './layout.js';

/**
 * Page writes at `dirtyRate` bytes/s spread uniformly at random over the
 * working set; a page written twice before it is sent is sent once, so the
 * unique dirty bytes after t seconds are W (1 - exp(-rate t / W)) (occupancy;
 * models.md). Real QEMU reports exactly this saturation (docs/qemu-observed.md#3-the-reported-dirty-rate-saturates).
 */
export const uniform: WorkloadModule = {
  kind: 'uniform',
  summary: 'random page writes over the working set: unique dirty = W (1 - exp(-rate t / W))',
  params: {},
  classes(s: Scenario): PageClass[] {
    const ws = workingSetBytes(s);
    return layout(s, [{ name: 'working set', sizeBytes: ws, writeBytesPerSec: s.workload.dirtyRate, dirtying: Dirtying.Uniform, zero: false }]);
  },
};
