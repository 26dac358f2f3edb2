import { Dirtying, type PageClass } from '../memory/model.js';
import type { DirtyTrace, Scenario } from '../types.js';
import type { WorkloadModule } from './workload.js';
import { layout, workingSetBytes } from './layout.js';

const PATTERNS: Record<string, Dirtying> = { uniform: Dirtying.Uniform, cyclic: Dirtying.Cyclic, linear: Dirtying.Linear };

/** The highest rate of a trace: the working set's write rate, which the schedule scales down phase by phase. */
export function peakRate(trace: DirtyTrace): number {
  return trace.ratesBytesPerSec.reduce((a, b) => (b > a ? b : a), 0);
}

/**
 * Replay of a recorded dirty rate (a file, docs/engine-model.md#trace-files): the
 * guest writes at each phase's rate, over the working set, in the given
 * pattern (uniform random, cyclic, or linear). The engine changes the rate
 * at each phase boundary (a timer), so a trace costs one event per phase.
 */
export const trace: WorkloadModule = {
  kind: 'trace',
  summary: 'replay a recorded dirty rate (CSV of time, dirtyRate or dirtyPagesPerSec) over the working set',
  params: {
    file: { kind: 'trace', doc: 'CSV file with columns t and dirtyRate (or dirtyPagesPerSec), relative to the scenario or sweep file' },
    pattern: { kind: 'enum', default: 'uniform', choices: ['uniform', 'cyclic', 'linear'], doc: 'how the writes spread over the working set' },
  },
  classes(s: Scenario): PageClass[] {
    const t = s.workload.file as DirtyTrace;
    const pattern = s.workload.pattern ?? 'uniform';
    const dirtying = PATTERNS[pattern];
    if (dirtying === undefined) throw new Error(`unknown trace write pattern '${String(pattern)}'`);
    return layout(s, [{ name: 'working set', sizeBytes: workingSetBytes(s), writeBytesPerSec: peakRate(t), dirtying, zero: false }]);
  },
};
