import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';

/**
 * Force the switch-over once N full passes over RAM have completed
 * (Treutner 2011, MAX_MEMORY_ITERATIONS = 10; the patch counted wraps of the
 * send cursor and tested `== 10` at every ram_save_live call; we test `>=`,
 * so a pass count that jumps past N between two decisions still stops).
 */
class MaxPasses extends RuleBase {
  readonly kind = 'max-passes';
  constructor(private readonly passes: number) {
    super();
  }
  override onDecision(m: MigrationView): void {
    if (m.passes >= this.passes) m.requestSwitchover('max-passes');
  }
}

export const maxPasses: RuleModule = {
  kind: 'max-passes',
  role: 'rule',
  summary: 'switch over once the N-th full pass over RAM has completed',
  source: 'Treutner, qemu-devel 2011-09-14, MAX_MEMORY_ITERATIONS (docs/policies.md#background-the-2011-thread)',
  params: { passes: { kind: 'count', default: 10, min: 1, doc: 'full passes before the forced switch-over' } },
  create: (p) => new MaxPasses(p.passes as number),
};
