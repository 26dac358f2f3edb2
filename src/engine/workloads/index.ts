import type { WorkloadModule } from './workload.js';
import { linear } from './linear.js';
import { uniform } from './uniform.js';
import { hotcold } from './hotcold.js';
import { cyclic } from './cyclic.js';
import { trace } from './trace.js';

/** Every workload model, by the `kind` a scenario names it with. */
export const WORKLOADS: Readonly<Record<string, WorkloadModule>> = Object.freeze({
  [linear.kind]: linear,
  [uniform.kind]: uniform,
  [hotcold.kind]: hotcold,
  [cyclic.kind]: cyclic,
  [trace.kind]: trace,
});
