import { Dirtying, type PageClass } from '../memory/model.js';
import type { Scenario } from '../types.js';
import type { WorkloadModule } from './workload.js';
import { layout, workingSetBytes } from './layout.js';

/**
 * The textbook model closed forms assume (docs/engine-model.md#workloads, Liu et al. 2011): the
 * guest dirties `dirtyRate` new bytes per second, each one not yet pending,
 * capped at the working set: dirty(t) = min(rate x t, W). No saturation.
 */
export const linear: WorkloadModule = {
  kind: 'linear',
  summary: 'dirtied bytes = rate x t, capped at the working set (no saturation)',
  params: {},
  classes(s: Scenario): PageClass[] {
    const ws = workingSetBytes(s);
    return layout(s, [{ name: 'working set', sizeBytes: ws, writeBytesPerSec: s.workload.dirtyRate, dirtying: Dirtying.Linear, zero: false }]);
  },
};
