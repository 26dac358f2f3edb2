import type { PageClass } from '../memory/model.js';
import type { ParamSpecs, Scenario } from '../types.js';

/** A model of how the guest dirties memory: the page classes it writes. */
export interface WorkloadModule {
  kind: string;
  summary: string;
  /** parameters beyond dirtyRate and workingSet, which every workload has */
  params: ParamSpecs;
  classes(s: Scenario): PageClass[];
}
