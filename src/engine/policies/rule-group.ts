import type { MigrationView } from '../view.js';
import type { Rule, RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';
import { autoConverge } from './auto-converge.js';

/** A rule module's constants at their defaults (for a controller that turns on another rule as its system does). */
export function defaultParams(module: RuleModule): ParamValues {
  const out: ParamValues = {};
  for (const [name, spec] of Object.entries(module.params)) out[name] = spec.default ?? null;
  return out;
}

/**
 * A controller together with the QEMU features it switches on (KubeVirt's
 * allowAutoConverge, Proxmox's and oVirt's always-on auto-converge): the
 * engine sees one rule; each part keeps its own timers and state, and is
 * consulted in order (the controller first).
 */
export class RuleGroup implements Rule {
  constructor(
    readonly kind: string,
    private readonly parts: readonly Rule[],
  ) {}
  nextTimerS(m: MigrationView): number {
    let next = Infinity;
    for (const r of this.parts) {
      const t = r.nextTimerS(m);
      if (t < next) next = t;
    }
    return next;
  }
  onTimer(m: MigrationView): void {
    for (const r of this.parts) {
      if (r.nextTimerS(m) <= m.t) r.onTimer(m);
      if (m.ended) return;
    }
  }
  onDecision(m: MigrationView): void {
    for (const r of this.parts) {
      r.onDecision(m);
      if (m.ended) return;
    }
  }
  onSync(m: MigrationView, newlyDirtyBytes: number): void {
    for (const r of this.parts) {
      r.onSync(m, newlyDirtyBytes);
      if (m.ended) return;
    }
  }
}

/** `rule`, with QEMU's auto-converge at its defaults after it when `on` (the controllers that switch it on). */
export function withAutoConverge(kind: string, rule: Rule, on: boolean): Rule {
  return on ? new RuleGroup(kind, [rule, autoConverge.create(defaultParams(autoConverge))]) : rule;
}
