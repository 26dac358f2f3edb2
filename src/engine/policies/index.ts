import type { PolicyModule } from '../policy.js';
import { precopy } from './precopy.js';
import { qemu2011 } from './qemu-2011.js';
import { maxPasses } from './max-passes.js';
import { transferFactor } from './transfer-factor.js';
import { convergenceTimeout } from './convergence-timeout.js';
import { pauseAfter } from './pause-after.js';

/** Every policy, by the `kind` a scenario names it with. The only place that knows the list. */
export const POLICIES: Readonly<Record<string, PolicyModule>> = Object.freeze({
  [precopy.kind]: precopy,
  [qemu2011.kind]: qemu2011,
  [maxPasses.kind]: maxPasses,
  [transferFactor.kind]: transferFactor,
  [convergenceTimeout.kind]: convergenceTimeout,
  [pauseAfter.kind]: pauseAfter,
});

export function baseKinds(): string[] {
  return Object.values(POLICIES).filter((p) => p.role === 'base').map((p) => p.kind);
}

export function ruleKinds(): string[] {
  return Object.values(POLICIES).filter((p) => p.role === 'rule').map((p) => p.kind);
}
