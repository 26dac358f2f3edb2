import { Dirtying, type PageClass } from '../memory/model.js';
import type { Scenario } from '../types.js';
import type { WorkloadModule } from './workload.js';
import { layout, workingSetBytes } from './layout.js';

/**
 * A hot set taking `hotShare` of the page writes, the rest spread uniformly
 * over the cold part of the working set (Clark et al.'s writable working
 * set; docs/engine-model.md#workloads): N_h (1 - e^(-w_h t / N_h)) + N_c (1 - e^(-w_c t / N_c)).
 * The hot set saturates within a pass and is resent every pass: the floor
 * that makes pre-copy stall.
 */
export const hotcold: WorkloadModule = {
  kind: 'hotcold',
  summary: 'hot set with hotShare of the writes, the rest uniform over the cold working set',
  params: {
    hotSet: { kind: 'bytes', positive: true, doc: 'size of the hot set (within the working set)' },
    hotShare: { kind: 'share', default: 0.9, min: 0, max: 1, doc: 'share of page writes that go to the hot set' },
  },
  classes(s: Scenario): PageClass[] {
    const ws = workingSetBytes(s);
    const hot = s.workload.hotSet as number;
    const share = s.workload.hotShare as number;
    const rate = s.workload.dirtyRate;
    return layout(s, [
      { name: 'hot', sizeBytes: hot, writeBytesPerSec: rate * share, dirtying: Dirtying.Uniform, zero: false },
      { name: 'cold', sizeBytes: ws - hot, writeBytesPerSec: rate * (1 - share), dirtying: Dirtying.Uniform, zero: false },
    ]);
  },
};
